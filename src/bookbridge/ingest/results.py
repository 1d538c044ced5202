"""What an import or a preview returns: frozen data, safe to hand to another thread or the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bookbridge.ingest.model import Issue


@dataclass(frozen=True)
class ImportOptions:
    """What to import and how.

    Attributes:
        path: the file (CSV, JSON or XML).
        profile: a profile name; None detects one from the header / first record.
        source: the source system name used in keys; default: the profile's source.
        receipts_dir: a folder with receipt files (see :mod:`bookbridge.ingest.receipts`).
        strict: reject the whole file when any row has an error.
        actor: who imports, for the audit log.
    """

    path: Path
    profile: str | None = None
    source: str | None = None
    receipts_dir: Path | None = None
    strict: bool = False
    actor: str = "cli"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """One row of a preview: what would happen to it, and why.

    ``matched_expense_id`` names an expense already in the book; ``matched_line`` an earlier row
    of the same file (its expense does not exist yet in a preview).
    """

    line: int
    status: str  # new | duplicate | conflict | error
    key: str | None
    rule: str | None
    matched_expense_id: int | None
    matched_line: int | None
    txn_date: date | None
    amount: str | None
    vendor: str | None
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """Counts, errors and warnings of one import (or preview)."""

    file: str
    source: str
    profile: str
    format: str
    encoding: str | None
    delimiter: str | None
    header_line: int | None
    batch_id: int | None
    dry_run: bool
    strict_rejected: bool
    rows_read: int
    new: int
    duplicates: int
    conflicts: int
    rejected: int
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    receipts_stored: int = 0
    receipts_linked: int = 0
    rows: tuple[RowOutcome, ...] = field(default=())

    @property
    def exit_code(self) -> int:
        """0: every row landed (or was a duplicate); 1: some rows were rejected (or, with --strict,
        the whole file was). File, usage and passphrase errors raise instead (exit 2)."""
        return 1 if self.rejected or self.strict_rejected else 0

    def to_json(self) -> dict[str, object]:
        """The documented JSON shape (``new``, ``duplicates``, ``conflicts``, ``errors``, ``warnings``)
        plus context keys; errors carry ``file``, ``line``, ``field`` and ``message`` (and a ``code``)."""
        return {
            "new": self.new,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "errors": [{**i.to_json(), "file": self.file} for i in self.errors],
            "warnings": [i.to_json() for i in self.warnings],
            "rejected": self.rejected,
            "rows_read": self.rows_read,
            "file": self.file,
            "source": self.source,
            "profile": self.profile,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_line": self.header_line,
            "batch_id": self.batch_id,
            "dry_run": self.dry_run,
            "strict_rejected": self.strict_rejected,
            "receipts_stored": self.receipts_stored,
            "receipts_linked": self.receipts_linked,
        }
