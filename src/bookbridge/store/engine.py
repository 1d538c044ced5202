"""SQLCipher connections and the SQLAlchemy engine over them.

The passphrase is applied with ``PRAGMA key`` on every new DB-API connection, before anything
else touches the file, and is never part of a URL (URLs end up in logs and tracebacks).
Transactions are explicit: the DB-API's own implicit transaction handling is switched off and
SQLAlchemy emits ``BEGIN`` itself, so an import really is one transaction, DDL included.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import event

from bookbridge.core.errors import NotABook, WrongPassphrase

PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000
# SQLCipher 4's default key derivation, which every book is created with.
KDF_ITERATIONS = 256_000
KDF_DIGEST = "sha512"
KEY_BYTES = 32
SALT_BYTES = 16
# New books use 16 KiB pages. A 100,000-row import writes about 70 MB, and with pages four times
# larger there are a quarter as many to encrypt, authenticate and link into b-trees: 0.25 s less
# SQL per 100,000 rows. Books made before have SQLCipher's default 4 KiB pages and keep them.
# The page size is in the encrypted header, so it cannot be read before keying: opening tries the
# new size, then the old one; a wrong size fails on the first page read just as a wrong key does,
# and with a raw key that costs one page read, not another key derivation.
NEW_BOOK_PAGE_SIZE = 16_384
LEGACY_PAGE_SIZE = 4_096
PAGE_SIZES = (NEW_BOOK_PAGE_SIZE, LEGACY_PAGE_SIZE)
# Execution option marking connections whose transactions will write (see make_engine's begin hook).
WRITE_OPTION = "bookbridge_writes"

# sqlcipher3's parameter binding sends every None through the PEP 246 adapter protocol (a registry
# miss, then __adapt__ and __conform__ look-ups) before binding NULL: about 0.9 us per NULL, which
# was 30% of the SQL time of a 100,000-row import (ten nullable columns a row). A registered
# identity adapter turns that into one dict hit; the value bound is still None, i.e. SQL NULL.
sqlcipher.register_adapter(type(None), lambda value: value)


def _quote_literal(text: str) -> str:
    """SQL string literal with quotes doubled (PRAGMA takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def connect_raw(
    path: Path, passphrase: str, *, create: bool = False, raw_key: str | None = None, page_size: int | None = None
) -> sqlcipher.Connection:
    """Open a keyed SQLCipher connection and prove the key works.

    Args:
        raw_key: an already derived key (see :func:`derive_raw_key`); it skips SQLCipher's own
            key derivation, which costs about a third of a second per connection. Without one,
            an existing book's key is derived here, once for every page size tried.
        page_size: the book's page size when already known (pooled connections after the first);
            otherwise each of :data:`PAGE_SIZES` is tried.

    Raises:
        WrongPassphrase: the file is an encrypted database this passphrase does not open.
        NotABook: the file is missing, plain SQLite, too short or damaged.
    """
    mode = "rwc" if create else "rw"
    uri = f"file:{quote(str(path))}?mode={mode}"
    if create:
        attempts = [(_quote_literal(passphrase), NEW_BOOK_PAGE_SIZE)]
    else:
        key = f'"{raw_key or derive_raw_key(path, passphrase)}"'
        attempts = [(key, size) for size in ((page_size,) if page_size else PAGE_SIZES)]
        # A raw key can only be wrong if the file was made with other KDF settings (by another
        # SQLCipher program, so with its default page size): the passphrase itself is tried last.
        attempts.append((_quote_literal(passphrase), LEGACY_PAGE_SIZE))
    for key, size in attempts:
        try:
            conn = sqlcipher.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlcipher.OperationalError as exc:
            raise NotABook(f"Cannot open {path}: {exc}.", str(path)) from None
        conn.execute("PRAGMA cipher_log_level = NONE")  # wrong keys are our message, not stderr noise
        try:
            conn.execute(f"PRAGMA key = {key}")
            conn.execute(f"PRAGMA cipher_page_size = {size}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            break
        except sqlcipher.DatabaseError:
            conn.close()
    else:
        raise _explain_unreadable(path)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")  # no temporary files beside the book
    return conn


def page_size_of(conn: sqlcipher.Connection) -> int:
    """The cipher page size an open connection reads its book with."""
    return int(conn.execute("PRAGMA cipher_page_size").fetchone()[0])


def derive_raw_key(path: Path, passphrase: str) -> str:
    """Derive the page key once, the way SQLCipher would, as a raw-key literal ``x'key salt'``.

    Every pooled connection then keys with it directly instead of repeating the 256,000-round
    PBKDF2: opening a book costs one derivation instead of one per connection.

    Raises:
        NotABook: the file is too short or is a plain SQLite database (no salt to read).
    """
    try:
        with open(path, "rb") as fh:
            salt = fh.read(SALT_BYTES)
    except OSError as exc:
        raise NotABook(f"Cannot read {path}: {exc.strerror}.", str(path)) from None
    if len(salt) < SALT_BYTES or salt == PLAIN_SQLITE_HEADER:
        raise _explain_unreadable(path)
    key = hashlib.pbkdf2_hmac(KDF_DIGEST, passphrase.encode("utf-8"), salt, KDF_ITERATIONS, KEY_BYTES)
    return f"x'{key.hex()}{salt.hex()}'"


def _explain_unreadable(path: Path) -> Exception:
    """Tell a wrong passphrase apart from a file that was never a book."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        return NotABook(f"Cannot read {path}: {exc.strerror}.", str(path))
    if size == 0:
        return NotABook(f"{path} is empty: it is not a Bookbridge book.", str(path))
    if head == PLAIN_SQLITE_HEADER:
        return NotABook(f"{path} is an unencrypted SQLite database, not a Bookbridge book.", str(path))
    if size < 1024 or size % 512:
        return NotABook(f"{path} is not a Bookbridge book, or it is damaged (unexpected size).", str(path))
    return WrongPassphrase(f"Wrong passphrase for {path}.", str(path))


def make_engine(path: Path, passphrase: str) -> sa.Engine:
    """An engine whose every pooled connection is keyed from ``passphrase`` (derived once).

    Raises:
        WrongPassphrase, NotABook: on the first connection, as :func:`connect_raw` does.
    """
    raw_key = derive_raw_key(path, passphrase)
    found: list[int] = []  # the page size the first connection opened the book with

    def connect() -> sqlcipher.Connection:
        conn = connect_raw(path, passphrase, raw_key=raw_key, page_size=found[0] if found else None)
        if not found:
            found.append(page_size_of(conn))
        return conn

    engine = sa.create_engine(
        "sqlite://",
        module=sqlcipher,
        creator=connect,
        poolclass=sa.pool.QueuePool,  # "sqlite://" alone would pick the in-memory pool
        pool_size=4,
        max_overflow=4,
        pool_pre_ping=False,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:  # pragma: no cover - exercised by every test
        # Writers take the write lock up front (BEGIN IMMEDIATE): in WAL mode a transaction that
        # reads first and writes later fails at once with "database is locked" when another
        # connection committed in between, instead of waiting. Readers stay deferred so they
        # never queue behind a long import or sync.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def checkpoint(engine: sa.Engine) -> None:
    """Fold the WAL into the main file (outside any transaction, as SQLite requires)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
