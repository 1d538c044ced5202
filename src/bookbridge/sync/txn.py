"""Write transactions that take SQLite's write lock first.

In WAL mode a transaction that *reads* first and *writes* later fails at once ("database is
locked") when another connection committed in between: its snapshot is stale, and SQLite does
not wait in that case. The sync engine always has another writer around (the lock's heartbeat,
a GUI, a second process), so every sync transaction that writes starts with a no-op UPDATE: the
write lock is taken before the first read, other writers wait for us (busy timeout), and our
reads can never go stale.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.store.book import Book

_TAKE_WRITE_LOCK = sa.text("UPDATE sync_locks SET name = name WHERE 0")


@contextmanager
def write_unit(book: Book) -> Iterator[Session]:
    """Like :meth:`Book.unit_of_work`, holding the write lock from the first statement."""
    with book.unit_of_work() as session:
        session.execute(_TAKE_WRITE_LOCK)
        yield session
