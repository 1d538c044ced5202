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
    pass  # reserved: filled in by the change that adds these tables


def downgrade() -> None:
    pass
