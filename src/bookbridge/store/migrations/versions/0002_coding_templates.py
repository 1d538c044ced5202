"""coding: mapping templates, versions and rules

Revision ID: 0002_coding_templates
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

revision = '0002_coding_templates'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the change that adds these tables


def downgrade() -> None:
    pass
