"""Reading the dedupe ledger back (``bookbridge dedupe-log``), as frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bookbridge.core.errors import UsageError
from bookbridge.store.book import Book
from bookbridge.store.models import DedupeDecision, DedupeOutcome, ImportBatch


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One dedupe decision: which row, which key, what was decided, by which rule, when."""

    id: int
    batch_id: int
    file: str
    line: int | None
    key: str
    outcome: str
    rule: str
    expense_id: int | None
    matched_expense_id: int | None
    detail: str | None
    decided_at: datetime

    def to_json(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def dedupe_log(book: Book, *, batch: int | None = None, outcome: str | None = None,
               limit: int | None = None) -> tuple[int, list[LedgerEntry]]:
    """The ledger's entries, oldest first, with the total count matching the filters.

    Raises:
        UsageError: ``outcome`` is not new, duplicate or conflict.
    """
    query = sa.select(DedupeDecision, ImportBatch.file_name).join(ImportBatch, ImportBatch.id == DedupeDecision.batch_id)
    count = sa.select(sa.func.count()).select_from(DedupeDecision)
    if batch is not None:
        query = query.where(DedupeDecision.batch_id == batch)
        count = count.where(DedupeDecision.batch_id == batch)
    if outcome is not None:
        try:
            wanted = DedupeOutcome(outcome)
        except ValueError:
            raise UsageError(f"--outcome must be one of {', '.join(o.value for o in DedupeOutcome)}.") from None
        query = query.where(DedupeDecision.outcome == wanted)
        count = count.where(DedupeDecision.outcome == wanted)
    query = query.order_by(DedupeDecision.id)
    if limit:
        query = query.limit(limit)
    with book.read() as session:
        total = int(session.execute(count).scalar_one())
        entries = [
            LedgerEntry(d.id, d.batch_id, file_name, d.line, d.key, d.outcome.value, d.rule, d.expense_id,
                        d.matched_expense_id, d.detail, d.decided_at)
            for d, file_name in session.execute(query)
        ]
    return total, entries
