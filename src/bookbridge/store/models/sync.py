"""The sync engine's tables: the outbox, sync runs, the book-level lock, and pulled reference data.

* :class:`OutboxItem`: one document to post, with its idempotency key and the exact payload,
  committed before the first attempt (issue 5 §1). ``key`` changes only when a document must be
  sent as a new revision (after the accounting system refused the previous one): the vendor
  replays its first answer for a key, faults included.
* :class:`OutboxExpense` / :class:`OutboxAttachment`: the expenses a document carries and the
  receipts to attach once it is posted.
* :class:`SyncRun`: one run of ``bookbridge sync``: counts, API calls, quota, errors.
* :class:`SyncLock`: at most one row per lock name; who holds it (pid, host, process start) and a
  heartbeat, so a lock left by a killed process can be recognised and cleared.
* :class:`SyncState` / :class:`RemoteReference`: what the last pull learnt about each connection.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.store.base import Base, UTCDateTime, enum_column


class OutboxStatus(str, enum.Enum):
    """Where an outbox row is on its way (pending → in flight → posted, or a failure state)."""

    PENDING = "pending"  # key and payload committed; not sent yet (or released to be sent again)
    IN_FLIGHT = "in_flight"  # a send may have started: resolve before anything else
    POSTED = "posted"  # the accounting system has it (remote_id set)
    RETRYABLE = "failed_retryable"  # a transient failure; the next run sends it again, same key
    ATTENTION = "needs_attention"  # held back by an open exception (exception_id)
    SUPERSEDED = "superseded"  # replaced by a newer revision before it was ever accepted


class RemoteState(str, enum.Enum):
    """What the last pull saw of a posted document in the accounting system."""

    LIVE = "live"
    CHANGED = "changed"
    DELETED = "deleted"


class OutboxItem(Base):
    """One document to post to one connection."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "key"),
        sa.Index("ix_outbox_connection_status", "connection_id", "status"),
        sa.Index("ix_outbox_connection_entry", "connection_id", "entry_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(sa.ForeignKey("connections.id"))
    entry_key: Mapped[str] = mapped_column(sa.String(64))  # the journal entry's deterministic key
    revision: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(sa.String(64))  # idempotency key of this revision
    doc_kind: Mapped[str] = mapped_column(sa.String(24))  # journal_entry | purchase | bill
    doc_number: Mapped[str | None] = mapped_column(sa.String(30))
    txn_date: Mapped[date] = mapped_column(sa.Date())
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_minor: Mapped[int]  # total debit, for lists and summaries
    memo: Mapped[str | None] = mapped_column(sa.Text())
    document_json: Mapped[str] = mapped_column(sa.Text())  # our document DTO
    payload_json: Mapped[str] = mapped_column(sa.Text())  # the exact vendor payload
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, name="outbox_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    # True once the vendor gave a definitive answer to this key: it replays that answer forever,
    # so a corrected document must go out under a new revision's key.
    key_spent: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(sa.Text())
    last_error_code: Mapped[str | None] = mapped_column(sa.String(60))
    batch_key: Mapped[str | None] = mapped_column(sa.String(64))  # rows sent in one batch request
    batch_position: Mapped[int | None]
    exception_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exceptions.id"), index=True)
    remote_id: Mapped[str | None] = mapped_column(sa.String(100))
    remote_doc_number: Mapped[str | None] = mapped_column(sa.String(60))
    # The provider's own version mark of what it holds (QBO SyncToken, Xero UpdatedDateUTC, Intacct
    # WHENMODIFIED, NetSuite lastModifiedDate): a change feed entry with another mark is an edit.
    remote_version: Mapped[str | None] = mapped_column(sa.String(64))
    remote_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remote_state: Mapped[RemoteState | None] = mapped_column(enum_column(RemoteState, name="remote_state"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_id: Mapped[str | None] = mapped_column(sa.String(32))


class OutboxExpense(Base):
    """An expense carried by an outbox document (a batch entry carries several)."""

    __tablename__ = "outbox_expenses"

    outbox_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True)
    expense_id: Mapped[int] = mapped_column(sa.ForeignKey("expenses.id"), primary_key=True, index=True)
    coding_result_id: Mapped[int | None]  # the coding round the document was built from


class AttachmentStatus(str, enum.Enum):
    PENDING = "pending"
    UPLOADING = "uploading"  # an upload may have started (resolved like an in-flight document)
    UPLOADED = "uploaded"
    FAILED = "failed"


class OutboxAttachment(Base):
    """A receipt to upload to a posted document."""

    __tablename__ = "outbox_attachments"
    __table_args__ = (sa.UniqueConstraint("outbox_id", "receipt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    receipt_id: Mapped[int] = mapped_column(sa.ForeignKey("receipts.id"))
    status: Mapped[AttachmentStatus] = mapped_column(enum_column(AttachmentStatus, name="attachment_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    remote_id: Mapped[str | None] = mapped_column(sa.String(100))
    last_error: Mapped[str | None] = mapped_column(sa.Text())
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RunStatus(str, enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"  # every step ran (some items may have failed and been queued)
    FAILED = "failed"  # the run stopped early (connection refused, lock lost...)
    ABANDONED = "abandoned"  # the process died; found by a later run


class SyncRun(Base):
    """One run of the sync engine."""

    __tablename__ = "sync_runs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    connection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("connections.id"), index=True)
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus, name="run_status"))
    dry_run: Mapped[bool] = mapped_column(default=False)
    actor: Mapped[str] = mapped_column(sa.String(100))
    pid: Mapped[int]
    host: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved: Mapped[int] = mapped_column(default=0)  # in-flight rows settled at the start
    posted: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    exceptions: Mapped[int] = mapped_column(default=0)
    would_post: Mapped[int] = mapped_column(default=0)
    api_calls: Mapped[int] = mapped_column(default=0)
    quota_json: Mapped[str | None] = mapped_column(sa.Text())
    errors_json: Mapped[str | None] = mapped_column(sa.Text())
    message: Mapped[str | None] = mapped_column(sa.Text())


class SyncLock(Base):
    """A named lock on the book (``sync``): one holder at a time, with a heartbeat."""

    __tablename__ = "sync_locks"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(32))  # a random token per acquisition
    purpose: Mapped[str] = mapped_column(sa.String(100))
    pid: Mapped[int]
    host: Mapped[str] = mapped_column(sa.String(200))
    process_start: Mapped[str | None] = mapped_column(sa.String(40))  # tells a reused pid apart
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SyncState(Base):
    """What the sync engine knows about one connection between runs."""

    __tablename__ = "sync_state"

    connection_id: Mapped[int] = mapped_column(sa.ForeignKey("connections.id"), primary_key=True)
    home_currency: Mapped[str | None] = mapped_column(sa.String(3))
    multicurrency: Mapped[bool | None]
    closed_books_date: Mapped[date | None] = mapped_column(sa.Date())
    reference_pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changes_since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # CDC cursor
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_id: Mapped[str | None] = mapped_column(sa.String(32))


class RemoteReference(Base):
    """One list entry pulled from an accounting system (account, vendor, class, tax code...)."""

    __tablename__ = "remote_references"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "kind", "remote_id"),
        sa.Index("ix_remote_references_lookup", "connection_id", "kind", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(sa.ForeignKey("connections.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))  # account, vendor, class, department, tax_code...
    remote_id: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    number: Mapped[str | None] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True)
    detail_json: Mapped[str | None] = mapped_column(sa.Text())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
