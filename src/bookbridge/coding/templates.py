"""Template service: drafts, publishing, rollback and history, inside the caller's unit of work.

Edits go to the template's one draft; :func:`publish` turns the draft into a new immutable
version (author, time, note) and :func:`rollback` publishes a new version equal to an older one.
Callers own the transaction (``with book.unit_of_work() as session``); every change here is
also written to the audit log. Previews of what a publish would change live in
:mod:`bookbridge.coding.impact`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.nodes import from_plain, to_canonical_json
from bookbridge.coding.reader import has_errors
from bookbridge.coding.schema import read_template, template_to_data
from bookbridge.coding.spec import TemplateSpec, TemplateVersionSpec
from bookbridge.core import clock
from bookbridge.core.errors import BookbridgeError, BookError, NotFound, UsageError
from bookbridge.core.keys import sha256_hex
from bookbridge.store import audit
from bookbridge.store.models import CodingTemplate, CodingTemplateDraft, CodingTemplateVersion


class NothingToPublish(BookbridgeError):
    """The publish or rollback would not change anything (exit code 2: nothing changed)."""


class StaleDraft(BookbridgeError):
    """Another version was published after the draft was started; publishing would undo it."""


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One published version, for history lists (no content)."""

    template: str
    number: int
    effective_from: date
    author: str
    published_at: datetime
    note: str
    content_sha256: str
    rolled_back_from: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "template": self.template,
            "version": self.number,
            "effective_from": self.effective_from.isoformat(),
            "author": self.author,
            "published_at": self.published_at.isoformat(),
            "note": self.note,
            "content_sha256": self.content_sha256,
            "rolled_back_from": self.rolled_back_from,
        }


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    """A template for `mapping list`: its newest version and whether a draft waits."""

    name: str
    is_default: bool
    latest_version: int
    latest_effective_from: date | None
    mappings: int
    rules: int
    has_draft: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "default": self.is_default,
            "latest_version": self.latest_version,
            "effective_from": self.latest_effective_from.isoformat() if self.latest_effective_from else None,
            "mappings": self.mappings,
            "rules": self.rules,
            "draft": self.has_draft,
        }


@dataclass(frozen=True, slots=True)
class Draft:
    """The unpublished edit of a template."""

    template: str
    spec: TemplateSpec
    source_text: str | None
    base_version: int
    updated_by: str
    updated_at: datetime


# --- content <-> stored JSON ---------------------------------------------------------------


def content_json(spec: TemplateSpec) -> str:
    """The stored (canonical JSON) form of a template's content."""
    return to_canonical_json(template_to_data(spec))


def spec_from_json(text: str, where: str) -> TemplateSpec:
    """Read stored content back; a failure means the book was damaged or edited by hand."""
    spec, issues = read_template(from_plain(json.loads(text)))
    if spec is None or has_errors(issues):
        first = next((i.message for i in issues), "unreadable")
        raise BookError(f"The stored content of {where} cannot be read ({first}); restore the book from a backup.")
    return spec


# --- lookups -------------------------------------------------------------------------------


def get_template(session: Session, name: str | None = None) -> CodingTemplate:
    """The named template, or the default one, or the only one.

    Raises:
        NotFound: no such template, or the book has none.
        UsageError: several templates and none named or marked default.
    """
    if name is not None:
        template = session.scalars(sa.select(CodingTemplate).where(CodingTemplate.name == name)).one_or_none()
        if template is None:
            known = ", ".join(session.scalars(sa.select(CodingTemplate.name).order_by(CodingTemplate.name))) or "none yet"
            raise NotFound(f"There is no mapping template named '{name}' (templates: {known}).")
        return template
    templates = list(session.scalars(sa.select(CodingTemplate).order_by(CodingTemplate.id)))
    if not templates:
        raise NotFound("The book has no mapping template yet; import one with `bookbridge mapping import BOOK FILE`.")
    defaults = [t for t in templates if t.is_default]
    if len(templates) == 1 or len(defaults) == 1:
        return defaults[0] if defaults else templates[0]
    raise UsageError(f"Name the template with --template ({', '.join(t.name for t in templates)}).")


def _version_rows(session: Session, template: CodingTemplate) -> list[CodingTemplateVersion]:
    query = sa.select(CodingTemplateVersion).where(CodingTemplateVersion.template_id == template.id)
    return list(session.scalars(query.order_by(CodingTemplateVersion.number)))


def load_versions(session: Session, template: CodingTemplate) -> list[TemplateVersionSpec]:
    """Every published version of ``template``, oldest first, with its content."""
    versions = []
    for row in _version_rows(session, template):
        spec = spec_from_json(row.content_json, f"template '{template.name}' version {row.number}")
        versions.append(TemplateVersionSpec(row.number, spec, row.id))
    return versions


def load_version(session: Session, template: CodingTemplate, number: int) -> TemplateVersionSpec:
    row = _version_row(session, template, number)
    return TemplateVersionSpec(row.number, spec_from_json(row.content_json, f"template '{template.name}' version {number}"), row.id)


def _version_row(session: Session, template: CodingTemplate, number: int) -> CodingTemplateVersion:
    row = session.scalars(
        sa.select(CodingTemplateVersion).where(
            CodingTemplateVersion.template_id == template.id, CodingTemplateVersion.number == number
        )
    ).one_or_none()
    if row is None:
        latest = len(_version_rows(session, template))
        raise NotFound(f"Template '{template.name}' has no version {number} (versions 1 to {latest}).")
    return row


def version_source_text(session: Session, template: CodingTemplate, number: int) -> str | None:
    """The YAML a version was imported from, if it was (export gives its comments back)."""
    return _version_row(session, template, number).source_text


def latest_number(session: Session, template: CodingTemplate) -> int:
    query = sa.select(sa.func.max(CodingTemplateVersion.number)).where(CodingTemplateVersion.template_id == template.id)
    return session.scalar(query) or 0


def history(session: Session, template: CodingTemplate) -> list[VersionInfo]:
    """Every published version, oldest first, with author, time and note."""
    return [
        VersionInfo(
            template.name, row.number, row.effective_from, row.author, row.published_at, row.note,
            row.content_sha256, row.rolled_back_from,
        )
        for row in _version_rows(session, template)
    ]


def list_templates(session: Session) -> list[TemplateSummary]:
    summaries = []
    for template in session.scalars(sa.select(CodingTemplate).order_by(CodingTemplate.name)):
        versions = load_versions(session, template)
        latest = versions[-1] if versions else None
        summaries.append(
            TemplateSummary(
                name=template.name,
                is_default=template.is_default,
                latest_version=latest.number if latest else 0,
                latest_effective_from=latest.effective_from if latest else None,
                mappings=len(latest.spec.mappings) if latest else 0,
                rules=len(latest.spec.rules) if latest else 0,
                has_draft=session.get(CodingTemplateDraft, template.id) is not None,
            )
        )
    return summaries


def load_draft(session: Session, template: CodingTemplate) -> Draft | None:
    row = session.get(CodingTemplateDraft, template.id)
    if row is None:
        return None
    spec = spec_from_json(row.content_json, f"the draft of template '{template.name}'")
    return Draft(template.name, spec, row.source_text, row.base_version, row.updated_by, row.updated_at)


# --- changes -------------------------------------------------------------------------------


def save_draft(session: Session, spec: TemplateSpec, *, actor: str, source_text: str | None = None) -> Draft:
    """Make ``spec`` the draft of the template it names (creating the template if new).

    The first template of a book becomes its default. The draft records which version it was
    based on, so a publish can refuse to undo a version someone published in between.
    """
    template = session.scalars(sa.select(CodingTemplate).where(CodingTemplate.name == spec.name)).one_or_none()
    now = clock.now()
    if template is None:
        has_any = session.scalar(sa.select(sa.func.count()).select_from(CodingTemplate)) or 0
        template = CodingTemplate(name=spec.name, is_default=has_any == 0, created_at=now, created_by=actor)
        session.add(template)
        session.flush()
    base = latest_number(session, template)
    row = session.get(CodingTemplateDraft, template.id)
    if row is None:
        row = CodingTemplateDraft(template_id=template.id)
        session.add(row)
    row.base_version, row.content_json, row.source_text = base, content_json(spec), source_text
    row.updated_at, row.updated_by = now, actor
    audit.record(session, "template.draft_saved", actor=actor, entity_type="coding_template", entity_id=spec.name,
                 base_version=base, mappings=len(spec.mappings), rules=len(spec.rules))
    return Draft(spec.name, spec, source_text, base, actor, now)


def discard_draft(session: Session, template: CodingTemplate, *, actor: str) -> None:
    row = session.get(CodingTemplateDraft, template.id)
    if row is None:
        raise NothingToPublish(f"Template '{template.name}' has no draft to discard.")
    session.delete(row)
    audit.record(session, "template.draft_discarded", actor=actor, entity_type="coding_template", entity_id=template.name)


def proposed_spec(draft: Draft, effective_from: date | None = None) -> TemplateSpec:
    """The content a publish would store: the draft, with the effective date overridden if given."""
    return replace(draft.spec, effective_from=effective_from) if effective_from else draft.spec


def publish(
    session: Session, template: CodingTemplate, *, actor: str, note: str = "", effective_from: date | None = None
) -> VersionInfo:
    """Publish the draft as the next version and drop the draft.

    Raises:
        NothingToPublish: there is no draft, or it equals the newest version.
        StaleDraft: a version was published after the draft was started.
    """
    draft = load_draft(session, template)
    if draft is None:
        raise NothingToPublish(f"Template '{template.name}' has no draft; import a file first (mapping import).")
    latest = latest_number(session, template)
    if draft.base_version != latest:
        raise StaleDraft(
            f"The draft of '{template.name}' was started from version {draft.base_version}, but version {latest} "
            "was published since; publishing would undo it. Export the newest version, apply your change, "
            "and import it again."
        )
    spec = proposed_spec(draft, effective_from)
    source = draft.source_text if effective_from is None else None
    info = _insert_version(session, template, spec, source, actor=actor, note=note, rolled_back_from=None)
    session.delete(session.get(CodingTemplateDraft, template.id))
    audit.record(session, "template.published", actor=actor, entity_type="coding_template", entity_id=template.name,
                 version=info.number, effective_from=info.effective_from, note=note, content_sha256=info.content_sha256)
    return info


def rollback(
    session: Session, template: CodingTemplate, to_version: int, *, actor: str, note: str = "",
    effective_from: date | None = None,
) -> VersionInfo:
    """Publish a new version whose content equals version ``to_version`` (its effective date too,
    unless overridden). Versions are never deleted: the history shows the rollback.

    Raises:
        NothingToPublish: the newest version already has that content.
    """
    older = _version_row(session, template, to_version)
    spec = spec_from_json(older.content_json, f"template '{template.name}' version {to_version}")
    if effective_from is not None:
        spec = replace(spec, effective_from=effective_from)
    source = older.source_text if effective_from is None else None
    note = note or f"rollback to version {to_version}"
    info = _insert_version(session, template, spec, source, actor=actor, note=note, rolled_back_from=to_version)
    audit.record(session, "template.rolled_back", actor=actor, entity_type="coding_template", entity_id=template.name,
                 version=info.number, rolled_back_from=to_version, note=note)
    return info


def _insert_version(
    session: Session, template: CodingTemplate, spec: TemplateSpec, source_text: str | None, *,
    actor: str, note: str, rolled_back_from: int | None,
) -> VersionInfo:
    content = content_json(spec)
    digest = sha256_hex(content)
    rows = _version_rows(session, template)
    if rows and rows[-1].content_sha256 == digest:
        raise NothingToPublish(
            f"Version {rows[-1].number} of '{template.name}' already has exactly this content; nothing was published."
        )
    row = CodingTemplateVersion(
        template_id=template.id,
        number=(rows[-1].number if rows else 0) + 1,
        effective_from=spec.effective_from,
        content_json=content,
        content_sha256=digest,
        source_text=source_text,
        author=actor,
        published_at=clock.now(),
        note=note,
        rolled_back_from=rolled_back_from,
    )
    session.add(row)
    session.flush()
    return VersionInfo(template.name, row.number, row.effective_from, actor, row.published_at, note, digest, rolled_back_from)
