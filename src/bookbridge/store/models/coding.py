"""Mapping templates: the template, its immutable published versions, and its one draft.

A version's content (mappings, credit accounts, tax codes, rules) is stored as canonical JSON
with its SHA-256, plus the YAML text it was imported from (to give comments back on export).
Triggers created by migration 0002 refuse UPDATE and DELETE on ``coding_template_versions``,
so a published version cannot change even through hand-written SQL: a change is a new version.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.store.base import Base, UTCDateTime


class CodingTemplate(Base):
    """A named mapping template ("Fleet"); its content lives in versions and the draft."""

    __tablename__ = "coding_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(sa.String(100))


class CodingTemplateVersion(Base):
    """One published version: immutable (triggers refuse UPDATE and DELETE).

    Attributes:
        number: 1, 2, 3... per template.
        effective_from: the version codes expenses dated on or after this date.
        content_json: the canonical JSON of the content (see ``coding.schema``).
        content_sha256: hash of ``content_json``; equal hashes mean equal content.
        source_text: the YAML it was imported from, when it was, to keep comments on export.
        author, published_at, note: who published it, when, and why.
        rolled_back_from: for a rollback, the version number whose content it copies.
    """

    __tablename__ = "coding_template_versions"
    __table_args__ = (sa.UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("coding_templates.id"), index=True)
    number: Mapped[int]
    effective_from: Mapped[date] = mapped_column(sa.Date())
    content_json: Mapped[str] = mapped_column(sa.Text())
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    source_text: Mapped[str | None] = mapped_column(sa.Text())
    author: Mapped[str] = mapped_column(sa.String(100))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(sa.Text(), default="")
    rolled_back_from: Mapped[int | None]


class CodingTemplateDraft(Base):
    """The unpublished edit of a template (at most one): it codes nothing until published.

    Attributes:
        base_version: the version number the draft was started from (0 for a new template);
            publishing warns when someone published another version since.
    """

    __tablename__ = "coding_template_drafts"

    template_id: Mapped[int] = mapped_column(sa.ForeignKey("coding_templates.id"), primary_key=True)
    base_version: Mapped[int] = mapped_column(default=0)
    content_json: Mapped[str] = mapped_column(sa.Text())
    source_text: Mapped[str | None] = mapped_column(sa.Text())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(sa.String(100))


VERSION_IMMUTABLE_TRIGGERS = [
    "CREATE TRIGGER coding_template_versions_no_update BEFORE UPDATE ON coding_template_versions "
    "BEGIN SELECT RAISE(ABORT, 'a published template version is immutable; publish a new version'); END",
    "CREATE TRIGGER coding_template_versions_no_delete BEFORE DELETE ON coding_template_versions "
    "BEGIN SELECT RAISE(ABORT, 'a published template version is immutable; publish a new version'); END",
]
