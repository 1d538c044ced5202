"""ingest: reserved for import pipeline additions

Revision ID: 0004_ingest
Revises: 0003_coding_approvals
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

revision = '0004_ingest'
down_revision = '0003_coding_approvals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the change that adds these tables


def downgrade() -> None:
    pass
