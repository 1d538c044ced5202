"""Chunked bulk inserts for an import, inside the caller's transaction.

Speed matters here (100,000 rows in seconds), so rows are plain tuples already in the book's
storage form (dates as ISO text, timestamps as the UTC text :class:`UTCDateTime` writes, enums as
their values) and go in with one ``executemany`` per table and chunk, through the SQLAlchemy
connection so they share the import's transaction. The column lists are checked against the
models when this module is imported, so a schema change fails loudly rather than mis-filling.

Expense, vendor, category and employee ids are allocated here (``max(id) + 1``): the import
holds the book's write lock from its first insert, so no one else can take them.

Foreign keys stay enforced while importing, although every row referenced is one this import
inserted or read inside its own transaction: the checks cost about 0.3 s per 100,000 rows (an
eighth of the import's SQL time), and they are what catches an id mix-up before it reaches a book.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Iterable, Sequence, cast

import sqlalchemy as sa

from bookbridge.core.keys import canonical_json
from bookbridge.store.base import Base, UTCDateTime
from bookbridge.store.models import (
    Category,
    DedupeDecision,
    Employee,
    Expense,
    ExpenseReceipt,
    ImportIssue,
    Receipt,
    Vendor,
)

CHUNK_ROWS = 2000

EXPENSE_COLUMNS = (
    "id", "key", "source_system", "source_id", "occurrence_index", "content_hash", "batch_id", "source_file",
    "source_line", "txn_date", "employee_id", "vendor_id", "vendor_raw", "category_id", "category_raw",
    "amount_minor", "currency", "tax_minor", "original_amount_minor", "original_currency", "payment_method",
    "card", "memo", "reference", "report_id", "receipt_url", "status", "review_flags", "conflict_with_id",
    "created_at", "fields_json",
)
LINK_COLUMNS = ("expense_id", "receipt_id")
DECISION_COLUMNS = ("batch_id", "line", "key", "outcome", "rule", "expense_id", "matched_expense_id", "detail",
                    "decided_at")
ISSUE_COLUMNS = ("batch_id", "line", "severity", "field", "code", "message", "expense_id", "raw")
VENDOR_COLUMNS = ("id", "name", "norm_key", "created_at")
CATEGORY_COLUMNS = ("id", "name", "norm_key", "active")
EMPLOYEE_COLUMNS = ("id", "name", "norm_key")


def _insert_sql(table: sa.Table, columns: Sequence[str]) -> str:
    """INSERT with positional parameters. Python-side column defaults do not apply to raw rows, so
    every NOT NULL column without a server default must be in ``columns``: checked here."""
    unknown = set(columns) - set(table.c.keys())
    unfilled = {c.name for c in table.columns if not c.nullable and c.server_default is None
                and c.name not in columns and not (c.primary_key and c.autoincrement in (True, "auto"))}
    if unknown or unfilled:  # pragma: no cover - a schema change this module has not followed
        raise RuntimeError(f"{table.name}: unknown column(s) {sorted(unknown)}, unfilled {sorted(unfilled)}")
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _table(model: type[Base]) -> sa.Table:
    return cast(sa.Table, model.__table__)


_SQL = {
    "vendors": _insert_sql(_table(Vendor), VENDOR_COLUMNS),
    "categories": _insert_sql(_table(Category), CATEGORY_COLUMNS),
    "employees": _insert_sql(_table(Employee), EMPLOYEE_COLUMNS),
    "expenses": _insert_sql(_table(Expense), EXPENSE_COLUMNS),
    "expense_receipts": _insert_sql(_table(ExpenseReceipt), LINK_COLUMNS),
    "dedupe_decisions": _insert_sql(_table(DedupeDecision), DECISION_COLUMNS),
    "import_issues": _insert_sql(_table(ImportIssue), ISSUE_COLUMNS),
}
# Parents before children, so foreign keys hold at every statement.
_FLUSH_ORDER = ("vendors", "categories", "employees", "expenses", "expense_receipts", "dedupe_decisions",
                "import_issues")


@lru_cache(maxsize=4096)
def fields_json(fields: tuple[tuple[str, str], ...]) -> str | None:
    """A draft's custom fields as ``expenses.fields_json`` stores them (see :class:`Expense`), None for none.

    Cached on the fields tuple: an export repeats the same few combinations (an MCC, a tag), so
    most rows cost a dictionary lookup instead of a JSON encoding. Bounded, because a source whose
    values are all different (odometer readings) would otherwise keep every one.
    """
    return canonical_json(dict(fields)) if fields else None


def timestamp_text(moment: datetime) -> str:
    """A timestamp exactly as the book stores it (through the model's own column type)."""
    text = UTCDateTime().process_bind_param(moment, None)
    assert text is not None
    return text


def next_ids(conn: sa.Connection) -> dict[str, int]:
    """``max(id) + 1`` for every table whose ids the import allocates itself."""
    tables = (Expense, Vendor, Category, Employee, Receipt)
    return {
        model.__tablename__: int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))).scalar_one()) + 1
        for model in tables
    }


class BatchWriter:
    """Buffers rows per table and writes them in chunks; with ``write=False`` it only counts."""

    def __init__(self, conn: sa.Connection, *, write: bool) -> None:
        self._conn = conn
        self._write = write
        self.rows: dict[str, list[tuple[object, ...]]] = {name: [] for name in _FLUSH_ORDER}

    def add(self, table: str, row: tuple[object, ...]) -> None:
        self.rows[table].append(row)

    def extend(self, table: str, rows: Iterable[tuple[object, ...]]) -> None:
        self.rows[table].extend(rows)

    @property
    def full(self) -> bool:
        return len(self.rows["expenses"]) >= CHUNK_ROWS or len(self.rows["dedupe_decisions"]) >= CHUNK_ROWS

    def flush(self) -> None:
        # Each buffer is emptied in place, never replaced: the import's row loop holds on to them.
        for table in _FLUSH_ORDER:
            rows = self.rows[table]
            if rows and self._write:
                self._conn.exec_driver_sql(_SQL[table], rows)
            rows.clear()

    def execute(self, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
        """A one-off statement in the same transaction (skipped in a preview)."""
        if rows and self._write:
            self._conn.exec_driver_sql(sql, list(rows))
