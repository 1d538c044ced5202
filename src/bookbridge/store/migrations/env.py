"""Alembic environment: always runs on a connection the book service hands in."""

from __future__ import annotations

from alembic import context

import bookbridge.store.models  # noqa: F401  (registers every table on the metadata)
from bookbridge.store.base import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - misuse guard
    raise RuntimeError("book migrations run only through bookbridge.store.book (needs the passphrase)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables safely
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
