"""reconcile: statements, statement lines, matches

Revision ID: 0005_reconcile
Revises: 0004_ingest
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

revision = '0005_reconcile'
down_revision = '0004_ingest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('statement_csv_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('definition_json', sa.Text(), nullable=False),
    sa.Column('created_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_csv_profiles')),
    sa.UniqueConstraint('name', name=op.f('uq_statement_csv_profiles_name'))
    )

    op.create_table('bank_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('bank', 'card', name='bank_account_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('ref_hash', sa.String(length=64), nullable=True),
    sa.Column('ref_hint', sa.String(length=12), nullable=True),
    sa.Column('institution', sa.String(length=200), nullable=True),
    sa.Column('ledger_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.ForeignKeyConstraint(['ledger_account_id'], ['ledger_accounts.id'], name=op.f('fk_bank_accounts_ledger_account_id_ledger_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_bank_accounts_name')),
    sa.UniqueConstraint('ref_hash', name=op.f('uq_bank_accounts_ref_hash'))
    )

    op.create_table('bank_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('statement_key', sa.String(length=64), nullable=False),
    sa.Column('format', sa.Enum('ofx', 'camt053', 'csv', name='statement_format', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('bank_statement_id', sa.String(length=120), nullable=True),
    sa.Column('sequence', sa.String(length=40), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('opening_minor', sa.Integer(), nullable=True),
    sa.Column('opening_derived', sa.Boolean(), nullable=False),
    sa.Column('closing_minor', sa.Integer(), nullable=True),
    sa.Column('balance_status', sa.Enum('ok', 'mismatch', 'unchecked', name='balance_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('balance_difference_minor', sa.Integer(), nullable=True),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('new_line_count', sa.Integer(), nullable=False),
    sa.Column('imported_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['bank_account_id'], ['bank_accounts.id'], name=op.f('fk_bank_statements_bank_account_id_bank_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statements')),
    sa.UniqueConstraint('statement_key', name=op.f('uq_bank_statements_statement_key'))
    )
    with op.batch_alter_table('bank_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statements_bank_account_id'), ['bank_account_id'], unique=False)

    op.create_table('statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_account_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.String(length=200), nullable=False),
    sa.Column('bank_id_kind', sa.Enum('fitid', 'acct_svcr_ref', 'file_column', 'content', name='bank_id_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('booked_date', sa.Date(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('original_amount_minor', sa.Integer(), nullable=True),
    sa.Column('original_currency', sa.String(length=3), nullable=True),
    sa.Column('payee', sa.String(length=300), nullable=True),
    sa.Column('memo', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('txn_type', sa.String(length=60), nullable=True),
    sa.Column('is_reversal', sa.Boolean(), nullable=False),
    sa.Column('position', sa.String(length=120), nullable=True),
    sa.Column('match_status', sa.Enum('unmatched', 'matched', 'explained', name='line_match_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.ForeignKeyConstraint(['bank_account_id'], ['bank_accounts.id'], name=op.f('fk_statement_lines_bank_account_id_bank_accounts')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statements.id'], name=op.f('fk_statement_lines_statement_id_bank_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_lines')),
    sa.UniqueConstraint('bank_account_id', 'bank_id', name=op.f('uq_statement_lines_bank_account_id_bank_id'))
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_bank_account_id'), ['bank_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_lines_booked_date'), ['booked_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_lines_match_status'), ['match_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_lines_statement_id'), ['statement_id'], unique=False)

    op.create_table('matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_line_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('suggested', 'accepted', 'rejected', 'undone', name='match_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('band', sa.Enum('auto', 'suggest', 'manual', name='match_band', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('shape', sa.String(length=20), nullable=False),
    sa.Column('score_permille', sa.Integer(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.Column('undone_by', sa.String(length=100), nullable=True),
    sa.Column('undone_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['statement_line_id'], ['statement_lines.id'], name=op.f('fk_matches_statement_line_id_statement_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matches'))
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matches_statement_line_id'), ['statement_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_status'), ['status'], unique=False)

    op.create_table('match_targets',
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_match_targets_match_id_matches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('match_id', 'target_kind', 'target_id', name=op.f('pk_match_targets'))
    )
    with op.batch_alter_table('match_targets', schema=None) as batch_op:
        batch_op.create_index('ix_match_targets_target', ['target_kind', 'target_id'], unique=False)


def downgrade() -> None:
    for table in ('match_targets', 'matches', 'statement_lines', 'bank_statements',
                  'statement_csv_profiles', 'bank_accounts'):
        op.drop_table(table)  # indexes go with their tables in SQLite
