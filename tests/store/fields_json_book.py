"""Books as revision 0009 left them, custom fields still rows of ``expense_fields`` (for 0010's tests)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterable, Mapping

import sqlalchemy as sa

from bookbridge.store.book import _alembic_config, initialise_file
from bookbridge.store.engine import make_engine
from tests.conftest import TEST_PASSPHRASE

OLD_HEAD = "0009_lock_triggers_on_demand"
JANUARY_LOCK = ("2026-01", "2026-01-01", "2026-01-31")


def trigger_names(conn: sa.Connection) -> set[str]:
    return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())


def table_names(conn: sa.Connection) -> set[str]:
    return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars())


def add_lock(conn: sa.Connection, event_id: int, period: str, start: str, end: str) -> None:
    """A signed-off month written by hand: its event, then the lock row (which the guards check)."""
    conn.exec_driver_sql("INSERT INTO period_events (id, period, action, actor, at, forced) "
                         "VALUES (?, ?, 'signed_off', 'Ann', '2026-02-02T00:00:00+00:00', 0)", (event_id, period))
    conn.exec_driver_sql("INSERT INTO period_locks (period, start_date, end_date, signoff_event_id, locked_by, "
                         "locked_at) VALUES (?, ?, ?, ?, 'Ann', '2026-02-02T00:00:00+00:00')",
                         (period, start, end, event_id))


def insert_old_expenses(conn: sa.Connection,
                        expenses: Iterable[tuple[int, date, int, str, Mapping[str, str]]]) -> None:
    """(id, date, minor units, currency, fields) rows, each field a row of expense_fields, inserted
    in the mapping's own order (not sorted), as any writer of the old table might have."""
    rows, fields = [], []
    for expense_id, day, minor, currency, named in expenses:
        rows.append((expense_id, f"old:{expense_id}", "old", 0, f"{expense_id:064d}", day.isoformat(), minor,
                     currency, "company_card", "imported", "2026-02-01T00:00:00+00:00"))
        fields.extend((expense_id, name, value) for name, value in named.items())
    conn.exec_driver_sql(
        "INSERT INTO expenses (id, key, source_system, occurrence_index, content_hash, txn_date, amount_minor, "
        "currency, payment_method, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    if fields:
        conn.exec_driver_sql("INSERT INTO expense_fields (expense_id, name, value) VALUES (?, ?, ?)", fields)


def old_book(path: Path, expenses: Iterable[tuple[int, date, int, str, Mapping[str, str]]], *,
             locked: bool) -> None:
    """A book at revision 0009 holding ``expenses``, January 2026 signed off when ``locked``.

    The expenses go in at 0008 (every lock trigger present, as that revision always had them) and
    January is locked there, so 0009 keeps the triggers of a locked book and drops those of an
    unlocked one: the two states a real 0009 book can be in.
    """
    from alembic import command

    initialise_file(path, TEST_PASSPHRASE)
    engine = make_engine(path, TEST_PASSPHRASE)
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0008_remote_versions")
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO book_meta (key, value) VALUES ('book_id', 'old-book')")
            conn.exec_driver_sql("INSERT INTO companies (name, home_currency, created_at) "
                                 "VALUES ('Old Co', 'USD', '2026-01-01T00:00:00+00:00')")
            insert_old_expenses(conn, expenses)
            if locked:
                add_lock(conn, 1, *JANUARY_LOCK)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, OLD_HEAD)
    finally:
        engine.dispose()
