"""The exception queue: every item that cannot go through, with an owner, an SLA and a trail.

* :class:`ExceptionRecord`: one problem (an inactive account, a revoked connection, a document
  edited in the accounting system...). ``fingerprint`` identifies the *cause*: when the same cause
  is reported again the record's ``repetitions`` grows instead of a new record being added.
* :class:`ExceptionItem`: the items the problem holds back (expenses, outbox rows, remote
  documents), released when the exception is resolved.
* :class:`ExceptionEvent`: the resolution trail, append-only by convention: who did what, when.

The service that writes these rows is :mod:`bookbridge.exceptions.queue`.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bookbridge.store.base import Base, UTCDateTime, enum_column


class ExceptionSeverity(str, enum.Enum):
    """How much an exception matters."""

    BLOCKER = "blocker"  # items cannot go through until someone acts
    WARNING = "warning"  # items went through or can, but someone should look
    INFO = "info"  # worth knowing; nothing is held back


class ExceptionCategory(str, enum.Enum):
    """What kind of problem it is (each category has its own SLA)."""

    MAPPING = "mapping"
    VALIDATION = "validation"
    APPROVAL = "approval"
    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    CONFLICT = "conflict"
    CLOSED_PERIOD = "closed_period"
    REJECTED = "rejected"  # rejected by the accounting system


class ExceptionStatus(str, enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"


class ExceptionRecord(Base):
    """One problem in the queue."""

    __tablename__ = "exceptions"
    __table_args__ = (sa.Index("ix_exceptions_status_category", "status", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), index=True)
    severity: Mapped[ExceptionSeverity] = mapped_column(enum_column(ExceptionSeverity, name="exception_severity"))
    category: Mapped[ExceptionCategory] = mapped_column(enum_column(ExceptionCategory, name="exception_category"))
    title: Mapped[str] = mapped_column(sa.String(300))
    message: Mapped[str] = mapped_column(sa.Text())
    detail_json: Mapped[str | None] = mapped_column(sa.Text())  # e.g. both versions of a conflict
    source: Mapped[str] = mapped_column(sa.String(60))  # the part of Bookbridge that reported it
    connection_name: Mapped[str | None] = mapped_column(sa.String(100))
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[ExceptionStatus] = mapped_column(
        enum_column(ExceptionStatus, name="exception_status"), default=ExceptionStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    repetitions: Mapped[int] = mapped_column(default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(sa.String(200))
    resolution_note: Mapped[str | None] = mapped_column(sa.Text())

    items: Mapped[list["ExceptionItem"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ExceptionItem.id"
    )
    events: Mapped[list["ExceptionEvent"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ExceptionEvent.id"
    )


class ExceptionItem(Base):
    """An item an exception holds back (``kind`` is ``expense``, ``outbox``, ``remote``...)."""

    __tablename__ = "exception_items"
    __table_args__ = (
        sa.UniqueConstraint("exception_id", "kind", "ref"),
        sa.Index("ix_exception_items_kind_ref", "kind", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(sa.ForeignKey("exceptions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    ref: Mapped[str] = mapped_column(sa.String(120))
    label: Mapped[str | None] = mapped_column(sa.String(300))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExceptionEvent(Base):
    """One step of an exception's trail."""

    __tablename__ = "exception_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(sa.ForeignKey("exceptions.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(30))  # created, recurred, reopened, assigned, resolved...
    note: Mapped[str | None] = mapped_column(sa.Text())
