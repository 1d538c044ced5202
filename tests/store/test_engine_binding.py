"""Parameter binding on book connections: NULLs take the registered fast path and stay NULL."""

from __future__ import annotations

import sqlcipher3.dbapi2 as sqlcipher

import bookbridge.store.engine  # noqa: F401 - importing the engine registers the adapter


def test_none_has_a_registered_adapter() -> None:
    """None is in sqlcipher3's adapter registry, so binding it skips the slow protocol look-ups."""
    assert (type(None), sqlcipher.PrepareProtocol) in sqlcipher.adapters


def test_bound_none_is_stored_as_sql_null(book) -> None:
    """A None bound through a book's connection (executemany, as the import writes) is SQL NULL."""
    with book.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE probe (a, b)")
        conn.exec_driver_sql("INSERT INTO probe VALUES (?, ?)", [(None, 1), (2, None)])
        kinds = conn.exec_driver_sql("SELECT typeof(a), typeof(b) FROM probe ORDER BY rowid").all()
    assert kinds == [("null", "integer"), ("integer", "null")]
