"""coding: mapping templates, versions and rules

Revision ID: 0002_coding_templates
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
import bookbridge.store.base

# Inlined (not imported) so this revision stays as it was written even if models change later.
VERSION_IMMUTABLE_TRIGGERS = [
    "CREATE TRIGGER coding_template_versions_no_update BEFORE UPDATE ON coding_template_versions "
    "BEGIN SELECT RAISE(ABORT, 'a published template version is immutable; publish a new version'); END",
    "CREATE TRIGGER coding_template_versions_no_delete BEFORE DELETE ON coding_template_versions "
    "BEGIN SELECT RAISE(ABORT, 'a published template version is immutable; publish a new version'); END",
]

revision = '0002_coding_templates'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coding_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_templates')),
    sa.UniqueConstraint('name', name=op.f('uq_coding_templates_name'))
    )
    op.create_table('coding_template_drafts',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('updated_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['coding_templates.id'], name=op.f('fk_coding_template_drafts_template_id_coding_templates')),
    sa.PrimaryKeyConstraint('template_id', name=op.f('pk_coding_template_drafts'))
    )
    op.create_table('coding_template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('published_at', bookbridge.store.base.UTCDateTime(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('rolled_back_from', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['template_id'], ['coding_templates.id'], name=op.f('fk_coding_template_versions_template_id_coding_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_template_versions')),
    sa.UniqueConstraint('template_id', 'number', name=op.f('uq_coding_template_versions_template_id_number'))
    )
    with op.batch_alter_table('coding_template_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_template_versions_template_id'), ['template_id'], unique=False)
    for statement in VERSION_IMMUTABLE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS coding_template_versions_no_delete")
    op.execute("DROP TRIGGER IF EXISTS coding_template_versions_no_update")
    with op.batch_alter_table('coding_template_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_template_versions_template_id'))
    op.drop_table('coding_template_versions')
    op.drop_table('coding_template_drafts')
    op.drop_table('coding_templates')
