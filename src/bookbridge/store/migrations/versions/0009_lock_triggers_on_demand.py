"""lock triggers on demand: the period-lock triggers exist only while some month is signed off

Revision ID: 0009_lock_triggers_on_demand
Revises: 0008_remote_versions

Why: 0007's lock triggers ran a trigger program for every row written to expenses,
expense_fields, ... even in a book where nothing was ever signed off; that was about a tenth of
a 100,000-row import. From here on sign-off installs them (in the transaction that adds the
lock) and reopening the last locked month drops them (bookbridge.reconcile.periods_locks).

So that a lock can never exist without its triggers, two guard triggers on period_locks refuse
a lock row (insert or update) unless every lock trigger is installed: the database still
enforces the lock, whoever writes the lock row.
"""
from alembic import op
import sqlalchemy as sa

from bookbridge.core.errors import BookError

revision = '0009_lock_triggers_on_demand'
down_revision = '0008_remote_versions'
branch_labels = None
depends_on = None

# Inlined (not imported) so this revision stays as it was written even if the models change later.
LOCK_TRIGGER_NAMES = (
    'expenses_lock_insert', 'expenses_lock_delete', 'expenses_lock_update',
    'expense_fields_lock_insert', 'expense_fields_lock_delete', 'expense_fields_lock_update',
    'expense_receipts_lock_insert', 'expense_receipts_lock_delete', 'expense_receipts_lock_update',
    'coding_results_lock_insert', 'coding_results_lock_delete', 'coding_results_lock_update',
    'approval_records_lock_insert', 'approval_records_lock_delete', 'approval_records_lock_update',
    'statement_lines_lock_insert', 'statement_lines_lock_delete', 'statement_lines_lock_update',
    'matches_lock_insert', 'matches_lock_delete', 'matches_lock_update',
    'match_targets_lock_insert', 'match_targets_lock_delete', 'match_targets_lock_update',
    'coding_template_versions_lock_insert',
)
_NAMES_SQL = ", ".join(f"'{name}'" for name in LOCK_TRIGGER_NAMES)
_MISSING = (f"(SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({_NAMES_SQL})) "
            f"< {len(LOCK_TRIGGER_NAMES)}")
GUARD_TRIGGERS = [
    f"CREATE TRIGGER period_locks_need_triggers_insert BEFORE INSERT ON period_locks WHEN {_MISSING} "
    "BEGIN SELECT RAISE(ABORT, 'a period lock needs the lock triggers installed first'); END",
    f"CREATE TRIGGER period_locks_need_triggers_update BEFORE UPDATE ON period_locks WHEN {_MISSING} "
    "BEGIN SELECT RAISE(ABORT, 'a period lock needs the lock triggers installed first'); END",
]


def _lock_trigger_sql(conn: sa.Connection) -> list[str]:
    """The lock triggers as the book holds them (0007's text), in creation order."""
    rows = conn.exec_driver_sql(
        f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({_NAMES_SQL}) ORDER BY rowid")
    return [row[0] for row in rows]


def upgrade() -> None:
    conn = op.get_bind()
    locked = conn.exec_driver_sql("SELECT count(*) FROM period_locks").scalar_one()
    if not locked:
        for name in LOCK_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif len(_lock_trigger_sql(conn)) < len(LOCK_TRIGGER_NAMES):  # pragma: no cover - edited by hand
        raise BookError("This book has a signed-off month but lacks some of its lock triggers; "
                        "restore it from the backup written before this upgrade.")
    for statement in GUARD_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS period_locks_need_triggers_update")
    op.execute("DROP TRIGGER IF EXISTS period_locks_need_triggers_insert")
    # 0007 expects the lock triggers to be always there: put them back from 0007's own text.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_bookbridge_0007", Path(__file__).with_name("0007_month_end.py"))
    assert spec is not None and spec.loader is not None
    month_end = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(month_end)
    for statement in month_end.TRIGGERS:
        if statement.split()[5] in LOCK_TRIGGER_NAMES:
            op.execute(statement)  # IF NOT EXISTS: those of a locked book are still there
