"""The 0005 migration creates exactly the reconcile tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bookbridge.store.base import Base

RECONCILE_TABLES = {"bank_accounts", "bank_statements", "statement_lines", "matches", "match_targets",
                    "statement_csv_profiles"}


def test_migrated_book_matches_reconcile_models(book) -> None:
    """Autogenerate finds no difference between the migrated book and the models for our tables."""

    def ours(obj, name, type_, reflected, compare_to) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or table.name in RECONCILE_TABLES

    with book.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": ours})
        diff = compare_metadata(context, Base.metadata)
        present = set(conn.dialect.get_table_names(conn))
    assert RECONCILE_TABLES <= present
    assert diff == []
