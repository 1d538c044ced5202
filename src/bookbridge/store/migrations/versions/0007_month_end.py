"""month-end: periods, sign-off and reopen, checklist results, packs

Revision ID: 0007_month_end
Revises: 0006_sync
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

# Inlined (not imported) so this revision stays as it was written even if the models change later.
# The first two keep the period history append-only; the others refuse any change that touches a
# signed-off month (see bookbridge.store.models.month_end for why the database enforces it).
# IF NOT EXISTS: triggers on the older tables outlive a rebuild of the newer ones.
TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS period_events_no_update BEFORE UPDATE ON period_events BEGIN SELECT RAISE(ABORT, 'the period history is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS period_events_no_delete BEFORE DELETE ON period_events BEGIN SELECT RAISE(ABORT, 'the period history is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS expenses_lock_insert BEFORE INSERT ON expenses WHEN EXISTS (SELECT 1 FROM period_locks WHERE (NEW.txn_date) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: an expense dated in it cannot be added, changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS expenses_lock_delete BEFORE DELETE ON expenses WHEN EXISTS (SELECT 1 FROM period_locks WHERE (OLD.txn_date) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: an expense dated in it cannot be added, changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS expenses_lock_update BEFORE UPDATE ON expenses WHEN EXISTS (SELECT 1 FROM period_locks WHERE (OLD.txn_date) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE (NEW.txn_date) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: an expense dated in it cannot be added, changed or deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS expense_fields_lock_insert BEFORE INSERT ON expense_fields WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: the fields of its expenses cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS expense_fields_lock_delete BEFORE DELETE ON expense_fields WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: the fields of its expenses cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS expense_fields_lock_update BEFORE UPDATE ON expense_fields WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: the fields of its expenses cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS expense_receipts_lock_insert BEFORE INSERT ON expense_receipts WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: receipts cannot be attached to or removed from its expenses'); END",
    "CREATE TRIGGER IF NOT EXISTS expense_receipts_lock_delete BEFORE DELETE ON expense_receipts WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: receipts cannot be attached to or removed from its expenses'); END",
    "CREATE TRIGGER IF NOT EXISTS expense_receipts_lock_update BEFORE UPDATE ON expense_receipts WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: receipts cannot be attached to or removed from its expenses'); END",
    "CREATE TRIGGER IF NOT EXISTS coding_results_lock_insert BEFORE INSERT ON coding_results WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: its expenses cannot be coded again'); END",
    "CREATE TRIGGER IF NOT EXISTS coding_results_lock_delete BEFORE DELETE ON coding_results WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: its expenses cannot be coded again'); END",
    "CREATE TRIGGER IF NOT EXISTS coding_results_lock_update BEFORE UPDATE ON coding_results WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: its expenses cannot be coded again'); END",
    "CREATE TRIGGER IF NOT EXISTS approval_records_lock_insert BEFORE INSERT ON approval_records WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: approvals of its expenses cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS approval_records_lock_delete BEFORE DELETE ON approval_records WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: approvals of its expenses cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS approval_records_lock_update BEFORE UPDATE ON approval_records WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = OLD.expense_id)) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT txn_date FROM expenses WHERE id = NEW.expense_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: approvals of its expenses cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS statement_lines_lock_insert BEFORE INSERT ON statement_lines WHEN EXISTS (SELECT 1 FROM period_locks WHERE (NEW.booked_date) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS statement_lines_lock_delete BEFORE DELETE ON statement_lines WHEN EXISTS (SELECT 1 FROM period_locks WHERE (OLD.booked_date) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS statement_lines_lock_update BEFORE UPDATE ON statement_lines WHEN EXISTS (SELECT 1 FROM period_locks WHERE (OLD.booked_date) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE (NEW.booked_date) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS matches_lock_insert BEFORE INSERT ON matches WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = NEW.statement_line_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: matches of its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS matches_lock_delete BEFORE DELETE ON matches WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = OLD.statement_line_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: matches of its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS matches_lock_update BEFORE UPDATE ON matches WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = OLD.statement_line_id)) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = NEW.statement_line_id)) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: matches of its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS match_targets_lock_insert BEFORE INSERT ON match_targets WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = (SELECT statement_line_id FROM matches WHERE id = NEW.match_id))) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: matches of its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS match_targets_lock_delete BEFORE DELETE ON match_targets WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = (SELECT statement_line_id FROM matches WHERE id = OLD.match_id))) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: matches of its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS match_targets_lock_update BEFORE UPDATE ON match_targets WHEN EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = (SELECT statement_line_id FROM matches WHERE id = OLD.match_id))) BETWEEN start_date AND end_date) OR EXISTS (SELECT 1 FROM period_locks WHERE ((SELECT booked_date FROM statement_lines WHERE id = (SELECT statement_line_id FROM matches WHERE id = NEW.match_id))) BETWEEN start_date AND end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: matches of its statement lines cannot change'); END",
    "CREATE TRIGGER IF NOT EXISTS coding_template_versions_lock_insert BEFORE INSERT ON coding_template_versions WHEN EXISTS (SELECT 1 FROM period_locks WHERE NEW.effective_from <= end_date) BEGIN SELECT RAISE(ABORT, 'bookbridge period locked: a mapping version effective on or before its last day would change its coding; publish it effective after the locked month'); END",
]

revision = '0007_month_end'
down_revision = '0006_sync'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('period_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('action', sa.Enum('signed_off', 'reopened', name='period_action', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('checklist_json', sa.Text(), nullable=True),
    sa.Column('checklist_sha256', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_events'))
    )
    with op.batch_alter_table('period_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_events_period'), ['period'], unique=False)

    op.create_table('period_locks',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('signoff_event_id', sa.Integer(), nullable=False),
    sa.Column('locked_by', sa.String(length=200), nullable=False),
    sa.Column('locked_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.ForeignKeyConstraint(['signoff_event_id'], ['period_events.id'], name=op.f('fk_period_locks_signoff_event_id_period_events')),
    sa.PrimaryKeyConstraint('period', name=op.f('pk_period_locks'))
    )

    op.create_table('month_end_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('preparer', sa.String(length=200), nullable=False),
    sa.Column('generated_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('book_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('signed_off', sa.Boolean(), nullable=False),
    sa.Column('csv_files_json', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_end_packs'))
    )
    with op.batch_alter_table('month_end_packs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_month_end_packs_period'), ['period'], unique=False)

    for statement in TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for statement in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[5]}")
    for table in ('month_end_packs', 'period_locks', 'period_events'):
        op.drop_table(table)  # indexes go with their tables in SQLite
