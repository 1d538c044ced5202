"""coding: approvals, exchange rates, coding results

Revision ID: 0003_coding_approvals
Revises: 0002_coding_templates
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

revision = '0003_coding_approvals'
down_revision = '0002_coding_templates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the change that adds these tables


def downgrade() -> None:
    pass
