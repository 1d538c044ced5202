"""The encrypted book: creation, opening, refusal cases, migrations, re-keying."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from bookbridge.core.errors import BookExists, NotABook, UsageError, WrongPassphrase
from bookbridge.store.book import book_info, create_book, head_revision, open_book, rekey_book
from bookbridge.store.models import AuditEntry, Company, Expense, ExpenseStatus, PaymentMethod
from tests.conftest import TEST_PASSPHRASE


def _all_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def test_create_then_open_keeps_company_and_currency(book_path: Path) -> None:
    """A created book reopens with the same company, home currency and id."""
    with create_book(book_path, TEST_PASSPHRASE, company="Acme Freight", home_currency="eur") as b:
        book_id = b.book_id
    with open_book(book_path, TEST_PASSPHRASE) as b:
        company = b.company()
        assert (company.name, company.home_currency, b.book_id) == ("Acme Freight", "EUR", book_id)


def test_file_is_encrypted_and_not_readable_as_sqlite(book, book_path: Path) -> None:
    """The book is not a plain SQLite file: stdlib sqlite3 cannot read it."""
    with book.unit_of_work() as s:
        s.add(Company(name="Plaintext Probe Co", home_currency="USD", created_at=__import__("bookbridge.core.clock", fromlist=["now"]).now()))
    book.close()
    assert not book_path.read_bytes().startswith(b"SQLite format 3")
    assert b"Plaintext Probe Co" not in _all_bytes(book_path)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(book_path).execute("select count(*) from sqlite_master").fetchone()


def test_wrong_passphrase_is_refused_and_file_untouched(book, book_path: Path) -> None:
    """A wrong passphrase raises WrongPassphrase naming the file and changes no byte."""
    book.close()
    before = book_path.read_bytes()
    with pytest.raises(WrongPassphrase) as err:
        open_book(book_path, "not the passphrase")
    assert str(book_path) in err.value.user_message
    assert book_path.read_bytes() == before


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    """Creating a book over any existing file is refused and the file is left as it was."""
    target = tmp_path / "precious.bbk"
    target.write_bytes(b"someone's data")
    with pytest.raises(BookExists):
        create_book(target, TEST_PASSPHRASE, company="X")
    assert target.read_bytes() == b"someone's data"


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty"),
        (b"SQLite format 3\x00" + b"\x00" * 4080, "unencrypted SQLite"),
        (b"hello, this is a text file\n", "not a Bookbridge book"),
    ],
)
def test_not_a_book_is_named(tmp_path: Path, content: bytes, expected: str) -> None:
    """Files that are not books get a NotABook message naming the file and the reason."""
    target = tmp_path / "odd.bbk"
    target.write_bytes(content)
    with pytest.raises(NotABook) as err:
        open_book(target, TEST_PASSPHRASE)
    assert str(target) in err.value.user_message and expected in err.value.user_message


def test_damaged_book_is_reported(book, book_path: Path) -> None:
    """A book whose pages were overwritten fails with a clear error instead of garbage data."""
    book.close()
    data = bytearray(book_path.read_bytes())
    data[:4096] = b"\x00" * 4096  # destroy the first page (salt + schema)
    book_path.write_bytes(bytes(data))
    with pytest.raises((NotABook, WrongPassphrase)) as err:
        open_book(book_path, TEST_PASSPHRASE)
    assert str(book_path) in err.value.user_message


def test_open_missing_file_does_not_create_it(tmp_path: Path) -> None:
    """Opening a path that does not exist fails and creates nothing."""
    target = tmp_path / "nope.bbk"
    with pytest.raises(NotABook):
        open_book(target, TEST_PASSPHRASE)
    assert not target.exists()


def test_pragmas_foreign_keys_and_wal(book) -> None:
    """Every connection runs with foreign keys on, in WAL mode."""
    with book.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_short_passphrase_refused(book_path: Path) -> None:
    """A passphrase under the minimum length is refused before any file is written."""
    with pytest.raises(UsageError):
        create_book(book_path, "short", company="X")
    assert not book_path.exists()


def test_rekey_changes_passphrase(book, book_path: Path) -> None:
    """After rekey only the new passphrase opens the book, and data survives."""
    book.close()
    rekey_book(book_path, TEST_PASSPHRASE, "a brand new passphrase")
    with pytest.raises(WrongPassphrase):
        open_book(book_path, TEST_PASSPHRASE)
    with open_book(book_path, "a brand new passphrase") as b:
        assert b.company().name == "Test Haulage Ltd"


def test_info_reports_schema_counts_and_fingerprint(book) -> None:
    """book_info gives the head schema revision, per-table counts and a SHA-256 fingerprint."""
    info = book_info(book)
    assert info["schema_version"] == head_revision()
    assert info["counts"]["companies"] == 1  # type: ignore[index]
    assert len(str(info["fingerprint_sha256"])) == 64


def test_audit_log_is_append_only(book) -> None:
    """UPDATE and DELETE on the audit log are refused by the database itself."""
    from bookbridge.store.audit import record

    with book.unit_of_work() as s:
        record(s, "test.event", actor="tester", note="x")
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with book.unit_of_work() as s:
                s.execute(sa.text(statement))
    with book.read() as s:
        assert s.scalars(sa.select(AuditEntry.actor)).all() == ["tester"]


def test_expense_key_is_immutable(book) -> None:
    """Changing an expense's key is refused by a trigger."""
    from bookbridge.core import clock
    import datetime as dt

    with book.unit_of_work() as s:
        s.add(Expense(key="src:id:1", source_system="src", content_hash="h", txn_date=dt.date(2026, 1, 2),
                      amount_minor=100, currency="USD", payment_method=PaymentMethod.CASH,
                      status=ExpenseStatus.IMPORTED, created_at=clock.now()))
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        with book.unit_of_work() as s:
            s.execute(sa.text("UPDATE expenses SET key = 'other'"))


def _book_at_first_revision(path: Path) -> None:
    """Write a book as the first released schema left it (revision 0001, with its rows)."""
    from alembic import command

    from bookbridge.core import clock
    from bookbridge.store.book import _alembic_config, initialise_file
    from bookbridge.store.engine import make_engine

    initialise_file(path, TEST_PASSPHRASE)
    engine = make_engine(path, TEST_PASSPHRASE)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001_foundation")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO book_meta (key, value) VALUES ('book_id', 'old-book')"))
        conn.execute(
            sa.text("INSERT INTO companies (name, home_currency, created_at) VALUES ('Old Co', 'USD', :at)"),
            {"at": clock.now().isoformat()},
        )
    engine.dispose()


def test_migration_backs_up_before_upgrading(tmp_path: Path) -> None:
    """Opening a book at an older schema writes a backup next to it, then upgrades to head."""
    path = tmp_path / "old.bbk"
    _book_at_first_revision(path)
    with open_book(path, TEST_PASSPHRASE) as b:
        assert book_info(b)["schema_version"] == head_revision()
        assert b.company().name == "Old Co"
    backups = list(tmp_path.glob("old.bbk.*.bak"))
    assert len(backups) == 1
    with open_book(backups[0], TEST_PASSPHRASE, migrate=False) as old:
        with old.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001_foundation"


def test_open_at_head_writes_no_backup(book, book_path: Path) -> None:
    """A book already at the newest schema is opened without a backup copy."""
    book.close()
    open_book(book_path, TEST_PASSPHRASE).close()
    assert list(book_path.parent.glob(book_path.name + ".*.bak")) == []


def test_migrations_match_models(book) -> None:
    """The migrated schema equals the models: no table or column is missing from a revision."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bookbridge.store.base import Base

    with book.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_unit_of_work_waits_for_another_writer_instead_of_failing(book) -> None:
    """A write transaction that reads first still succeeds when another writer commits meanwhile."""
    import threading

    from bookbridge.store.models import Setting

    with book.unit_of_work() as s:
        s.add(Setting(key="counter", value_json="0"))
    started, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with book.unit_of_work() as s:
            row = s.get(Setting, "counter")  # first statement: the write lock is ours from here
            started.set()
            release.wait(5)
            row.value_json = "1"

    thread = threading.Thread(target=other_writer)
    thread.start()
    started.wait(5)
    release.set()  # the other writer commits while we are starting to read
    with book.unit_of_work() as s:
        value = int(s.get(Setting, "counter").value_json)
        s.get(Setting, "counter").value_json = str(value + 10)
    thread.join(5)
    with book.read() as s:
        assert s.get(Setting, "counter").value_json == "11"
