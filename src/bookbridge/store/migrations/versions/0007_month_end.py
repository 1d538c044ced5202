"""month-end: periods, sign-off and reopen, checklist results, packs

Revision ID: 0007_month_end
Revises: 0006_sync
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

revision = '0007_month_end'
down_revision = '0006_sync'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the change that adds these tables


def downgrade() -> None:
    pass
