"""The period-lock triggers, installed while some month is signed off and dropped after.

The triggers (declared in :mod:`bookbridge.store.models.month_end`) refuse any change touching a
signed-off month. They used to exist in every book, and each row written to expenses, their
fields and receipts, coding, approvals, statement lines and matches ran one of them even when
nothing was locked: about a tenth of a 100,000-row import's time. Now sign-off installs them in
the transaction that adds the lock row, and the reopen of the last locked month drops them in the
transaction that deletes it; so whenever a lock exists, its triggers do.

The database holds that promise too: guard triggers on ``period_locks`` (migration 0009, rebuilt
by 0010 when expense_fields and its triggers went) refuse a lock row unless every lock trigger is
installed, so a lock written by hand cannot skip them. They name the triggers in their own SQL, so
a migration that changes :data:`LOCK_TRIGGERS` must rebuild them too (a test compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa

from bookbridge.store.models.month_end import LOCK_TRIGGER_NAMES, LOCK_TRIGGERS


def install_lock_triggers(conn: sa.Connection) -> None:
    """Create every lock trigger that is missing (inside the caller's transaction)."""
    for statement in LOCK_TRIGGERS:  # CREATE TRIGGER IF NOT EXISTS ...
        conn.exec_driver_sql(statement)


def drop_lock_triggers_if_unlocked(conn: sa.Connection) -> bool:
    """Drop the lock triggers when no month is signed off any more; True when they were dropped."""
    if conn.exec_driver_sql("SELECT count(*) FROM period_locks").scalar_one():
        return False
    for name in LOCK_TRIGGER_NAMES:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    return True


def installed_lock_triggers(conn: sa.Connection) -> set[str]:
    """The names of the lock triggers the book holds now."""
    names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
    return set(names) & set(LOCK_TRIGGER_NAMES)
