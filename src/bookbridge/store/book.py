"""Creating, opening, migrating and re-keying books.

A *book* is one SQLCipher-encrypted SQLite file per company. Opening one:

1. refuses a missing file (we never create a book by opening), a plain SQLite file, a damaged
   file or a wrong passphrase, each with a one-line message naming the file;
2. applies pending Alembic migrations, after writing a backup copy next to the file;
3. returns a :class:`Book` holding the engine and a session factory.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from bookbridge import __version__
from bookbridge.core import clock
from bookbridge.core.currency import currency as _check_currency
from bookbridge.core.errors import BookExists, NotABook, UsageError
from bookbridge.store.engine import WRITE_OPTION, _quote_literal, checkpoint, connect_raw, make_engine
from bookbridge.store.models import BookMeta, Company

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BOOK_SUFFIX = ".bbk"
MIN_PASSPHRASE_LENGTH = 8


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of Bookbridge knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


@dataclass
class Book:
    """An open book: its path, engine and session factory."""

    path: Path
    engine: sa.Engine
    sessions: sessionmaker[Session]
    book_id: str

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any exception (services own it).

        It holds the book's write lock from its first statement, so its reads cannot go stale
        under another writer; other writers wait for it (busy timeout), readers do not.
        """
        writer = self.engine.execution_options(**{WRITE_OPTION: True})
        with Session(writer, expire_on_commit=False) as session, session.begin():
            yield session

    def read(self) -> Session:
        """A session for reading (the caller closes it; nothing is committed)."""
        return self.sessions()

    def company(self) -> Company:
        with self.sessions() as s:
            company = s.scalars(sa.select(Company)).one()
            s.expunge(company)
            return company

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Book":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _schema_revision(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _migrate(engine: sa.Engine, path: Path) -> None:
    """Bring the schema to head, writing a backup copy first when an existing book changes."""
    with engine.connect() as conn:
        current = _schema_revision(conn)
    head = head_revision()
    if current == head:
        return
    if current is not None:
        backup = backup_book(engine, path, reason=f"before-{head}")
        log.info("Backed up %s to %s before migrating %s -> %s", path, backup, current, head)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def backup_book(engine: sa.Engine, path: Path, *, reason: str) -> Path:
    """Copy the (checkpointed) book file next to itself; the copy keeps the same passphrase."""
    checkpoint(engine)
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}.{reason}.bak")
    shutil.copy2(path, target)
    return target


def initialise_file(path: Path, passphrase: str) -> None:
    """Create the encrypted file itself (salt, header, WAL mode) with no schema yet."""
    conn = connect_raw(path, passphrase, create=True)
    try:
        conn.execute("PRAGMA journal_mode = WAL")  # persisted in the file header
    finally:
        conn.close()


def create_book(path: Path, passphrase: str, *, company: str, home_currency: str = "USD") -> Book:
    """Create a new, encrypted, migrated book. Never overwrites an existing file."""
    path = Path(path)
    if path.exists():
        raise BookExists(f"{path} already exists; refusing to create a book over it.", str(path))
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise UsageError(f"The passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long.")
    code = _check_currency(home_currency).code
    if not path.parent.exists():
        raise UsageError(f"The folder {path.parent} does not exist.")
    initialise_file(path, passphrase)
    engine = make_engine(path, passphrase)
    try:
        _migrate(engine, path)
        book_id = uuid.uuid4().hex
        with Session(engine) as s, s.begin():
            s.add(Company(name=company, home_currency=code, created_at=clock.now()))
            s.add_all([BookMeta(key="book_id", value=book_id), BookMeta(key="created_by", value=__version__)])
    except BaseException:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    log.info("Created book %s for %s (%s)", path, company, code)
    return Book(path, engine, sessionmaker(engine, expire_on_commit=False), book_id)


def open_book(path: Path, passphrase: str, *, migrate: bool = True) -> Book:
    """Open an existing book (see the module docstring for what is refused)."""
    path = Path(path)
    if not path.is_file():
        raise NotABook(f"{path} does not exist or is not a file.", str(path))
    if path.stat().st_size == 0:
        raise NotABook(f"{path} is empty: it is not a Bookbridge book.", str(path))
    engine = make_engine(path, passphrase)
    try:
        with engine.connect() as conn:  # the first connection proves the passphrase
            if _schema_revision(conn) is None:  # never "migrate" a foreign database into a book
                raise NotABook(f"{path} is an encrypted database but not a Bookbridge book.", str(path))
        if migrate:
            _migrate(engine, path)
        with engine.connect() as conn:
            try:
                row = conn.execute(sa.select(BookMeta.value).where(BookMeta.key == "book_id")).first()
            except sa.exc.OperationalError:
                row = None
        if row is None:
            raise NotABook(f"{path} is an encrypted database but not a Bookbridge book.", str(path))
    except BaseException:
        engine.dispose()
        raise
    return Book(path, engine, sessionmaker(engine, expire_on_commit=False), row[0])


def rekey_book(path: Path, old_passphrase: str, new_passphrase: str) -> None:
    """Change a book's passphrase in place (SQLCipher re-encrypts every page in one transaction)."""
    if len(new_passphrase) < MIN_PASSPHRASE_LENGTH:
        raise UsageError(f"The new passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long.")
    book = open_book(path, old_passphrase)
    book.close()
    conn = connect_raw(Path(path), old_passphrase)
    try:
        conn.execute(f"PRAGMA rekey = {_quote_literal(new_passphrase)}")
    finally:
        conn.close()
    connect_raw(Path(path), new_passphrase).close()  # prove the new key opens it


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the book file as it is on disk now (after a checkpoint, WAL folded in)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def book_info(book: Book) -> dict[str, object]:
    """Schema version, row counts per table and the file fingerprint, for `book info`."""
    from bookbridge.store.base import Base

    with book.engine.connect() as conn:
        revision = _schema_revision(conn)
        counts = {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in sorted(Base.metadata.tables.items())
        }
    checkpoint(book.engine)
    company = book.company()
    return {
        "path": str(book.path),
        "book_id": book.book_id,
        "company": company.name,
        "home_currency": company.home_currency,
        "schema_version": revision,
        "schema_head": head_revision(),
        "counts": counts,
        "fingerprint_sha256": file_fingerprint(book.path),
        "size_bytes": book.path.stat().st_size,
    }
