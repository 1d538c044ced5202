"""remote versions: the outbox remembers each provider's own version mark, not QBO's SyncToken

Revision ID: 0008_remote_versions
Revises: 0007_month_end
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_remote_versions'
down_revision = '0007_month_end'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Xero, Intacct and NetSuite mark versions with a modification time (up to ~32 characters as
    # ISO text), QBO with a small SyncToken: one neutral, wider column serves all four.
    with op.batch_alter_table('outbox') as batch:
        batch.alter_column('remote_sync_token', new_column_name='remote_version',
                           existing_type=sa.String(length=30), type_=sa.String(length=64))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.alter_column('remote_version', new_column_name='remote_sync_token',
                           existing_type=sa.String(length=64), type_=sa.String(length=30))
