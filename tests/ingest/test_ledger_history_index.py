"""An expense's dedupe history (landed it OR matched it) is found through indexes, not a ledger scan."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from bookbridge.store.book import Book
from bookbridge.store.models import DedupeDecision

from ingest_helpers import many_rows_csv, run_import


def history_query(expense_id: int) -> sa.Select:
    """The statement the expense detail panel runs (ui/models/expense_detail.py)."""
    return (sa.select(DedupeDecision.id, DedupeDecision.outcome)
            .where(sa.or_(DedupeDecision.expense_id == expense_id, DedupeDecision.matched_expense_id == expense_id))
            .order_by(DedupeDecision.id))


def test_history_of_an_imported_and_reimported_expense_uses_both_indexes(book: Book, tmp_path: Path) -> None:
    path = many_rows_csv(tmp_path / "rows.csv", 50)
    run_import(book, path)
    run_import(book, path)  # every row again: a duplicate matching its expense
    with book.engine.connect() as conn:
        compiled = history_query(7).compile(conn, compile_kwargs={"literal_binds": True})
        plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
        history = [(row.id, row.outcome.value) for row in conn.execute(history_query(7))]
    assert "ix_dedupe_decisions_expense_id" in plan and "ix_dedupe_decisions_matched_expense_id" in plan, plan
    assert "SCAN dedupe_decisions" not in plan, plan
    assert history == [(7, "new"), (57, "duplicate")]  # the row that landed it, then the re-import's match
