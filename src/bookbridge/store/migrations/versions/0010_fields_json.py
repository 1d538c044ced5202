"""fields json: an expense's custom fields as one canonical JSON column instead of expense_fields rows

Revision ID: 0010_fields_json
Revises: 0009_lock_triggers_on_demand

Why: custom fields are only ever read per expense (and by one vehicle-id lookup in the GUI), yet
each was a row of its own: a 100,000-row Expensify import wrote 139,000 of them, each with its
primary-key index entry and foreign-key check (0.22 s of ~4 s). One TEXT column on the expense
row costs next to nothing to write, and a JSON object is what coding and approvals want anyway.

``expenses.fields_json`` holds exactly ``bookbridge.core.keys.canonical_json`` of the name -> text
mapping (sorted keys, compact separators, non-ASCII kept), or NULL when there are no fields.

The period lock stays whole. expense_fields' own lock triggers go with the table; the guard
triggers on period_locks (0009) are rebuilt to count the lock triggers that remain, so a lock
can still be written only while every one of them is installed. Changing ``fields_json`` is an
UPDATE of expenses, which ``expenses_lock_update`` already refuses in a locked month (it lists no
columns, so it fires on any). In a book with a signed-off month that same trigger would refuse the
backfill below, so it is set aside for the backfill and put back, in this one transaction.
"""
from itertools import groupby
import json

from alembic import op
import sqlalchemy as sa

from bookbridge.core.errors import BookError

revision = '0010_fields_json'
down_revision = '0009_lock_triggers_on_demand'
branch_labels = None
depends_on = None

CHUNK_ROWS = 5000  # expenses updated per executemany while streaming the old rows

# Inlined (not imported) so this revision stays as it was written even if the models change later.
# 0009's list less the three expense_fields_lock_* triggers, which this revision drops with the table.
LOCK_TRIGGER_NAMES = (
    'expenses_lock_insert', 'expenses_lock_delete', 'expenses_lock_update',
    'expense_receipts_lock_insert', 'expense_receipts_lock_delete', 'expense_receipts_lock_update',
    'coding_results_lock_insert', 'coding_results_lock_delete', 'coding_results_lock_update',
    'approval_records_lock_insert', 'approval_records_lock_delete', 'approval_records_lock_update',
    'statement_lines_lock_insert', 'statement_lines_lock_delete', 'statement_lines_lock_update',
    'matches_lock_insert', 'matches_lock_delete', 'matches_lock_update',
    'match_targets_lock_insert', 'match_targets_lock_delete', 'match_targets_lock_update',
    'coding_template_versions_lock_insert',
)
FIELD_TRIGGER_NAMES = ('expense_fields_lock_insert', 'expense_fields_lock_delete', 'expense_fields_lock_update')
GUARD_TRIGGER_NAMES = ('period_locks_need_triggers_insert', 'period_locks_need_triggers_update')


def _guard_triggers(names: tuple[str, ...]) -> list[str]:
    """0009's guards on period_locks, counting ``names``: no lock row unless all of them exist."""
    names_sql = ", ".join(f"'{name}'" for name in names)
    missing = (f"(SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({names_sql})) "
               f"< {len(names)}")
    return [
        f"CREATE TRIGGER {guard} BEFORE {timing} ON period_locks WHEN {missing} "
        "BEGIN SELECT RAISE(ABORT, 'a period lock needs the lock triggers installed first'); END"
        for guard, timing in zip(GUARD_TRIGGER_NAMES, ("INSERT", "UPDATE"))
    ]


def _replace_guards(names: tuple[str, ...]) -> None:
    for guard in GUARD_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {guard}")
    for statement in _guard_triggers(names):
        op.execute(statement)


def _trigger_sql(conn: sa.Connection, names: tuple[str, ...]) -> dict[str, str]:
    names_sql = ", ".join(f"'{name}'" for name in names)
    rows = conn.exec_driver_sql(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names_sql})")
    return dict(rows.all())


def _canonical(pairs: list[tuple[str, str]]) -> str:
    # bookbridge.core.keys.canonical_json of a dict of strings, spelled out so this revision keeps
    # writing what it wrote even if that function changes.
    return json.dumps(dict(pairs), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fill_fields_json(conn: sa.Connection) -> None:
    """Stream expense_fields in key order (its primary key) and write one JSON text per expense."""
    raw = conn.connection.driver_connection
    assert raw is not None
    update = "UPDATE expenses SET fields_json = ? WHERE id = ?"
    rows = raw.execute("SELECT expense_id, name, value FROM expense_fields ORDER BY expense_id, name")
    chunk: list[tuple[str, int]] = []
    for expense_id, group in groupby(rows, key=lambda row: row[0]):
        chunk.append((_canonical([(name, value) for _, name, value in group]), expense_id))
        if len(chunk) >= CHUNK_ROWS:
            raw.executemany(update, chunk)
            chunk.clear()
    if chunk:
        raw.executemany(update, chunk)


def upgrade() -> None:
    conn = op.get_bind()
    locked = conn.exec_driver_sql("SELECT count(*) FROM period_locks").scalar_one()
    if locked and len(_trigger_sql(conn, LOCK_TRIGGER_NAMES)) < len(LOCK_TRIGGER_NAMES):  # pragma: no cover
        raise BookError("This book has a signed-off month but lacks some of its lock triggers; "
                        "restore it from the backup written before this upgrade.")
    # ADD COLUMN, not a batch rebuild: rebuilding expenses would drop the triggers on it.
    op.add_column('expenses', sa.Column('fields_json', sa.Text(), nullable=True))
    update_lock = _trigger_sql(conn, ('expenses_lock_update',)).get('expenses_lock_update')
    if update_lock is not None:
        op.execute("DROP TRIGGER expenses_lock_update")
    _fill_fields_json(conn)
    if update_lock is not None:
        op.execute(update_lock)  # the book's own text, as it was
    op.drop_table('expense_fields')  # its lock triggers and key index go with it
    _replace_guards(LOCK_TRIGGER_NAMES)


def downgrade() -> None:
    conn = op.get_bind()
    op.create_table('expense_fields',
    sa.Column('expense_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['expense_id'], ['expenses.id'], name=op.f('fk_expense_fields_expense_id_expenses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('expense_id', 'name', name=op.f('pk_expense_fields'))
    )
    # Filled before its lock triggers exist, so a locked month's fields come back too.
    op.execute("INSERT INTO expense_fields (expense_id, name, value) "
               "SELECT expenses.id, field.key, field.value FROM expenses, json_each(expenses.fields_json) AS field "
               "WHERE expenses.fields_json IS NOT NULL")
    op.execute("ALTER TABLE expenses DROP COLUMN fields_json")  # no batch rebuild: it would drop triggers
    if conn.exec_driver_sql("SELECT count(*) FROM period_locks").scalar_one():
        # A locked book holds every lock trigger: put back expense_fields' own, in 0007's text.
        import importlib.util
        from pathlib import Path

        spec = importlib.util.spec_from_file_location("_bookbridge_0007", Path(__file__).with_name("0007_month_end.py"))
        assert spec is not None and spec.loader is not None
        month_end = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(month_end)
        for statement in month_end.TRIGGERS:
            if statement.split()[5] in FIELD_TRIGGER_NAMES:
                op.execute(statement)
    _replace_guards(LOCK_TRIGGER_NAMES[:3] + FIELD_TRIGGER_NAMES + LOCK_TRIGGER_NAMES[3:])
