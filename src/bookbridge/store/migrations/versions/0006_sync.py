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


def upgrade() -> None:
    pass  # reserved: filled in by the change that adds these tables


def downgrade() -> None:
    pass
