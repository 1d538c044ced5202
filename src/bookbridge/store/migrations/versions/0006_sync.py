"""sync: outbox, sync runs, locks, reference-data cache, exception queue

Revision ID: 0006_sync
Revises: 0005_reconcile
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

revision = '0006_sync'
down_revision = '0005_reconcile'
branch_labels = None
depends_on = None

# Children before parents, so downgrade can drop in this order.
_TABLES = [
    'outbox_expenses', 'outbox_attachments', 'sync_state', 'sync_runs', 'remote_references', 'outbox',
    'exception_items', 'exception_events', 'sync_locks', 'exceptions',
]


def upgrade() -> None:
    op.create_table('exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.Enum('blocker', 'warning', 'info', name='exception_severity', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('category', sa.Enum('mapping', 'validation', 'approval', 'auth', 'rate_limit', 'conflict', 'closed_period', 'rejected', name='exception_category', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('detail_json', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('connection_name', sa.String(length=100), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('open', 'resolved', name='exception_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('created_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('last_seen_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('due_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('repetitions', sa.Integer(), nullable=False),
    sa.Column('resolved_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('resolved_by', sa.String(length=200), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exceptions'))
    )
    with op.batch_alter_table('exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exceptions_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index('ix_exceptions_status_category', ['status', 'category'], unique=False)

    op.create_table('sync_locks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('process_start', sa.String(length=40), nullable=True),
    sa.Column('acquired_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('heartbeat_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_locks'))
    )
    op.create_table('exception_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exception_id', sa.Integer(), nullable=False),
    sa.Column('at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['exception_id'], ['exceptions.id'], name=op.f('fk_exception_events_exception_id_exceptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exception_events'))
    )
    with op.batch_alter_table('exception_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exception_events_exception_id'), ['exception_id'], unique=False)

    op.create_table('exception_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exception_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('ref', sa.String(length=120), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=True),
    sa.Column('added_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('released_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['exception_id'], ['exceptions.id'], name=op.f('fk_exception_items_exception_id_exceptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exception_items')),
    sa.UniqueConstraint('exception_id', 'kind', 'ref', name=op.f('uq_exception_items_exception_id_kind_ref'))
    )
    with op.batch_alter_table('exception_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exception_items_exception_id'), ['exception_id'], unique=False)
        batch_op.create_index('ix_exception_items_kind_ref', ['kind', 'ref'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.String(length=64), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('doc_kind', sa.String(length=24), nullable=False),
    sa.Column('doc_number', sa.String(length=30), nullable=True),
    sa.Column('txn_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('memo', sa.Text(), nullable=True),
    sa.Column('document_json', sa.Text(), nullable=False),
    sa.Column('payload_json', sa.Text(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'in_flight', 'posted', 'failed_retryable', 'needs_attention', 'superseded', name='outbox_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('key_spent', sa.Boolean(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_code', sa.String(length=60), nullable=True),
    sa.Column('batch_key', sa.String(length=64), nullable=True),
    sa.Column('batch_position', sa.Integer(), nullable=True),
    sa.Column('exception_id', sa.Integer(), nullable=True),
    sa.Column('remote_id', sa.String(length=100), nullable=True),
    sa.Column('remote_doc_number', sa.String(length=60), nullable=True),
    sa.Column('remote_sync_token', sa.String(length=30), nullable=True),
    sa.Column('remote_updated_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('remote_state', sa.Enum('live', 'changed', 'deleted', name='remote_state', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('created_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('updated_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('last_attempt_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('posted_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('last_run_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_outbox_connection_id_connections')),
    sa.ForeignKeyConstraint(['exception_id'], ['exceptions.id'], name=op.f('fk_outbox_exception_id_exceptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('connection_id', 'key', name=op.f('uq_outbox_connection_id_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_connection_entry', ['connection_id', 'entry_key'], unique=False)
        batch_op.create_index('ix_outbox_connection_status', ['connection_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_exception_id'), ['exception_id'], unique=False)

    op.create_table('remote_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('remote_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('detail_json', sa.Text(), nullable=True),
    sa.Column('updated_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_remote_references_connection_id_connections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_references')),
    sa.UniqueConstraint('connection_id', 'kind', 'remote_id', name=op.f('uq_remote_references_connection_id_kind_remote_id'))
    )
    with op.batch_alter_table('remote_references', schema=None) as batch_op:
        batch_op.create_index('ix_remote_references_lookup', ['connection_id', 'kind', 'name'], unique=False)

    op.create_table('sync_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('running', 'completed', 'failed', 'abandoned', name='run_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('started_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('finished_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('posted', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('exceptions', sa.Integer(), nullable=False),
    sa.Column('would_post', sa.Integer(), nullable=False),
    sa.Column('api_calls', sa.Integer(), nullable=False),
    sa.Column('quota_json', sa.Text(), nullable=True),
    sa.Column('errors_json', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_sync_runs_connection_id_connections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_runs_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_runs_started_at'), ['started_at'], unique=False)

    op.create_table('sync_state',
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('home_currency', sa.String(length=3), nullable=True),
    sa.Column('multicurrency', sa.Boolean(), nullable=True),
    sa.Column('closed_books_date', sa.Date(), nullable=True),
    sa.Column('reference_pulled_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('changes_since', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('last_success_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('last_run_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_sync_state_connection_id_connections')),
    sa.PrimaryKeyConstraint('connection_id', name=op.f('pk_sync_state'))
    )
    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'uploading', 'uploaded', 'failed', name='attachment_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('uploaded_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_outbox_attachments_outbox_id_outbox'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_outbox_attachments_receipt_id_receipts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments')),
    sa.UniqueConstraint('outbox_id', 'receipt_id', name=op.f('uq_outbox_attachments_outbox_id_receipt_id'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachments_outbox_id'), ['outbox_id'], unique=False)

    op.create_table('outbox_expenses',
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('expense_id', sa.Integer(), nullable=False),
    sa.Column('coding_result_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['expense_id'], ['expenses.id'], name=op.f('fk_outbox_expenses_expense_id_expenses')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_outbox_expenses_outbox_id_outbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outbox_id', 'expense_id', name=op.f('pk_outbox_expenses'))
    )
    with op.batch_alter_table('outbox_expenses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_expenses_expense_id'), ['expense_id'], unique=False)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
