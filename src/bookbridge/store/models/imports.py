"""Import batches, the issues they found, the dedupe ledger and saved CSV profiles."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.store.base import Base, UTCDateTime, enum_check, enum_column


class BatchStatus(str, enum.Enum):
    COMPLETED = "completed"        # every valid row landed; rejected rows are listed
    REJECTED = "rejected"          # --strict and an error: nothing from the file landed


class ImportBatch(Base):
    """One run of the importer over one file."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_system: Mapped[str] = mapped_column(sa.String(60), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(500))
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    profile: Mapped[str | None] = mapped_column(sa.String(100))
    actor: Mapped[str | None] = mapped_column(sa.String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[BatchStatus] = mapped_column(enum_column(BatchStatus, name="batch_status"))
    rows_read: Mapped[int] = mapped_column(default=0)
    new_count: Mapped[int] = mapped_column(default=0)
    duplicate_count: Mapped[int] = mapped_column(default=0)
    conflict_count: Mapped[int] = mapped_column(default=0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    warning_count: Mapped[int] = mapped_column(default=0)


class IssueSeverity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class ImportIssue(Base):
    """A validation finding on one input row: errors rejected the row, warnings flagged it."""

    __tablename__ = "import_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    line: Mapped[int | None]
    severity: Mapped[IssueSeverity] = mapped_column(enum_column(IssueSeverity, name="issue_severity"))
    field: Mapped[str | None] = mapped_column(sa.String(100))
    code: Mapped[str] = mapped_column(sa.String(60))
    message: Mapped[str] = mapped_column(sa.Text())
    expense_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expenses.id"), index=True)
    raw: Mapped[str | None] = mapped_column(sa.Text())  # the rejected row as read, so nothing is lost


class DedupeOutcome(str, enum.Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


class DedupeDecision(Base):
    """The dedupe ledger: every decision the importer took about one row, and why."""

    __tablename__ = "dedupe_decisions"
    __table_args__ = (
        enum_check("outcome", DedupeOutcome, "dedupe_outcome"),  # an OR chain: see enum_check
        # Only decisions that landed an expense carry expense_id; a re-import's duplicates (a row
        # each) stay out of this index instead of adding a NULL entry per row.
        sa.Index("ix_dedupe_decisions_expense_id", "expense_id", sqlite_where=sa.text("expense_id IS NOT NULL")),
        # An expense's history is "landed it OR matched it" (migration 0011): both sides indexed.
        sa.Index("ix_dedupe_decisions_matched_expense_id", "matched_expense_id",
                 sqlite_where=sa.text("matched_expense_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    line: Mapped[int | None]
    # Not indexed: the ledger is read by batch and by expense, never searched by key (an index on
    # these random keys was a quarter of the ledger's insert time).
    key: Mapped[str] = mapped_column(sa.String(120))
    outcome: Mapped[DedupeOutcome] = mapped_column(enum_column(DedupeOutcome, name="dedupe_outcome",
                                                               create_constraint=False))
    rule: Mapped[str] = mapped_column(sa.String(60))
    expense_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expenses.id"))
    matched_expense_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expenses.id"))
    detail: Mapped[str | None] = mapped_column(sa.Text())
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SourceState(Base):
    """The last successful import per source system."""

    __tablename__ = "source_states"

    source_system: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    last_batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batches.id"))
    last_import_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CsvProfile(Base):
    """A user's saved CSV column profile (built-in profiles ship with the code)."""

    __tablename__ = "csv_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    definition_json: Mapped[str] = mapped_column(sa.Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
