"""Schema of the bulk-inserted tables: enum CHECKs as OR chains, same in models and migrations; indexes."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

from bookbridge.store.models import DedupeDecision, Expense

BULK_TABLES = {"expenses": Expense, "dedupe_decisions": DedupeDecision}


def _checks(create_sql: str) -> list[str]:
    return sorted(re.findall(r"CONSTRAINT (ck_\w+) CHECK \((.*?)\)(?:,|\s*\))", create_sql))


@pytest.mark.parametrize("table", sorted(BULK_TABLES))
def test_migrated_checks_equal_the_models(book, table: str) -> None:
    """The migration creates exactly the CHECK constraints the model declares."""
    with book.engine.connect() as conn:
        migrated = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).scalar_one()
    declared = str(CreateTable(BULK_TABLES[table].__table__).compile(dialect=sqlite.dialect()))
    assert _checks(migrated) and _checks(migrated) == _checks(declared)


@pytest.mark.parametrize("table", sorted(BULK_TABLES))
def test_bulk_tables_have_no_in_list_checks(book, table: str) -> None:
    """No CHECK of these tables uses IN (SQLite rebuilds an index for it on every inserted row)."""
    with book.engine.connect() as conn:
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).scalar_one()
    assert " IN (" not in sql.upper()


@pytest.mark.parametrize(("column", "value"), [("status", "bogus"), ("payment_method", "cheque")])
def test_a_value_outside_the_enum_is_refused(book, column: str, value: str) -> None:
    """The OR-chain check still refuses what the enum does not name."""
    row = {"key": "t:1", "source_system": "t", "occurrence_index": 0, "content_hash": "0" * 64,
           "txn_date": "2024-01-01", "amount_minor": 1, "currency": "USD", "payment_method": "cash",
           "status": "imported", "created_at": "2024-01-01T00:00:00.000000+00:00", column: value}
    names = ", ".join(row)
    with pytest.raises(sa.exc.IntegrityError, match="CHECK constraint failed"), book.engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO expenses ({names}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))


def test_ledger_lookup_by_expense_uses_the_partial_index(book) -> None:
    """Decisions about one expense are found through the index that leaves duplicates out."""
    with book.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT id FROM dedupe_decisions WHERE expense_id = ?", (7,)).all()
    assert "USING COVERING INDEX ix_dedupe_decisions_expense_id" in " ".join(str(step[-1]) for step in plan)
