"""matched expense index: the dedupe ledger found by the expense a duplicate matched

Revision ID: 0011_matched_expense_index
Revises: 0010_fields_json

Why: an expense's duplicate checks (the GUI's detail panel, the reconciliation pack's lineage)
are the ledger rows that landed it or matched it: ``expense_id = ? OR matched_expense_id = ?``.
Only expense_id was indexed, so the OR scanned the whole ledger, which grows by a row per row of
every import, re-imports included: 50-125 ms per click on a book of 100,000 expenses imported
twice. With both columns indexed SQLite answers the OR from the two indexes. Partial, like
ix_dedupe_decisions_expense_id: only duplicates and conflicts carry a matched expense, so a first
import's new rows add nothing to it; a re-import of 100,000 rows adds about 0.05 s.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011_matched_expense_index'
down_revision = '0010_fields_json'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_dedupe_decisions_matched_expense_id', 'dedupe_decisions', ['matched_expense_id'],
                    sqlite_where=sa.text('matched_expense_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_dedupe_decisions_matched_expense_id', table_name='dedupe_decisions')
