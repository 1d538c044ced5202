"""coding: approvals, exchange rates, coding results

Revision ID: 0003_coding_approvals
Revises: 0002_coding_templates
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base
import bookbridge.store.models.approvals

revision = '0003_coding_approvals'
down_revision = '0002_coding_templates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('approval_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('condition_json', sa.Text(), nullable=False),
    sa.Column('approvers_json', sa.Text(), nullable=False),
    sa.Column('created_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_levels')),
    sa.UniqueConstraint('name', name=op.f('uq_approval_levels_name'))
    )
    op.create_table('approver_roles',
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('person', 'role', name=op.f('pk_approver_roles'))
    )
    op.create_table('exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('base', sa.String(length=3), nullable=False),
    sa.Column('quote', sa.String(length=3), nullable=False),
    sa.Column('rate', bookbridge.store.models.approvals.DecimalText(length=40), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
    sa.UniqueConstraint('base', 'quote', 'as_of', 'source', name=op.f('uq_exchange_rates_base_quote_as_of_source')),
    )
    with op.batch_alter_table('exchange_rates', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_rates_pair_date', ['base', 'quote', 'as_of'], unique=False)

    op.create_table('coding_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expense_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('coded', 'blocked', 'skipped', name='coding_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('outcome_hash', sa.String(length=64), nullable=False),
    sa.Column('template_name', sa.String(length=200), nullable=True),
    sa.Column('template_version', sa.Integer(), nullable=True),
    sa.Column('template_version_id', sa.Integer(), nullable=True),
    sa.Column('coded_json', sa.Text(), nullable=True),
    sa.Column('rules_fired_json', sa.Text(), nullable=False),
    sa.Column('flags_json', sa.Text(), nullable=False),
    sa.Column('required_levels_json', sa.Text(), nullable=False),
    sa.Column('problems_json', sa.Text(), nullable=False),
    sa.Column('skip_reason', sa.Text(), nullable=True),
    sa.Column('home_amount_minor', sa.Integer(), nullable=True),
    sa.Column('home_currency', sa.String(length=3), nullable=False),
    sa.Column('coded_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('superseded_at', bookbridge.store.base.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['expense_id'], ['expenses.id'], name=op.f('fk_coding_results_expense_id_expenses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_results'))
    )
    with op.batch_alter_table('coding_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_results_expense_id'), ['expense_id'], unique=False)

    op.create_table('approval_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expense_id', sa.Integer(), nullable=False),
    sa.Column('coding_result_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=100), nullable=False),
    sa.Column('decision', sa.Enum('approved', 'rejected', name='approval_decision', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['coding_result_id'], ['coding_results.id'], name=op.f('fk_approval_records_coding_result_id_coding_results')),
    sa.ForeignKeyConstraint(['expense_id'], ['expenses.id'], name=op.f('fk_approval_records_expense_id_expenses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_records'))
    )
    with op.batch_alter_table('approval_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_records_coding_result_id'), ['coding_result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_records_expense_id'), ['expense_id'], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ('approval_records', ('ix_approval_records_expense_id', 'ix_approval_records_coding_result_id')),
        ('coding_results', ('ix_coding_results_expense_id',)),
        ('exchange_rates', ('ix_exchange_rates_pair_date',)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
    op.drop_table('approver_roles')
    op.drop_table('approval_levels')
