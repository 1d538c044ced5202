"""Migration 0009: period-lock triggers only while a month is signed off, and never a lock without them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bookbridge.store.book import _alembic_config, initialise_file, open_book
from bookbridge.store.engine import make_engine
from bookbridge.store.models.month_end import LOCK_TRIGGER_NAMES
from tests.conftest import TEST_PASSPHRASE

BEFORE = "0008_remote_versions"


def _trigger_names(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())


def _lock_january(conn: sa.Connection) -> None:
    conn.exec_driver_sql("INSERT INTO period_events (id, period, action, actor, at, forced) "
                         "VALUES (1, '2026-01', 'signed_off', 'Ann', '2026-02-02T00:00:00+00:00', 0)")
    conn.exec_driver_sql("INSERT INTO period_locks (period, start_date, end_date, signoff_event_id, locked_by, "
                         "locked_at) VALUES ('2026-01', '2026-01-01', '2026-01-31', 1, 'Ann', "
                         "'2026-02-02T00:00:00+00:00')")


def _book_before_0009(path: Path, *, locked: bool) -> None:
    """A book as revision 0008 left it (every lock trigger present), January locked or not."""
    from alembic import command

    initialise_file(path, TEST_PASSPHRASE)
    engine = make_engine(path, TEST_PASSPHRASE)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, BEFORE)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO book_meta (key, value) VALUES ('book_id', 'old-book')")
        conn.exec_driver_sql("INSERT INTO companies (name, home_currency, created_at) "
                             "VALUES ('Old Co', 'USD', '2026-01-01T00:00:00+00:00')")
        if locked:
            _lock_january(conn)
    assert set(LOCK_TRIGGER_NAMES) <= _trigger_names(engine)
    engine.dispose()


def test_new_book_has_no_lock_trigger(book) -> None:
    """A book with nothing signed off carries none of the per-row lock triggers."""
    assert _trigger_names(book.engine) & set(LOCK_TRIGGER_NAMES) == set()


def test_upgrade_drops_lock_triggers_of_an_unlocked_book(tmp_path: Path) -> None:
    """Upgrading a 0008 book with no lock removes its always-on lock triggers."""
    path = tmp_path / "unlocked.bbk"
    _book_before_0009(path, locked=False)
    with open_book(path, TEST_PASSPHRASE) as book:
        assert _trigger_names(book.engine) & set(LOCK_TRIGGER_NAMES) == set()


def test_upgrade_keeps_lock_triggers_of_a_locked_book(tmp_path: Path) -> None:
    """Upgrading a 0008 book with a signed-off month keeps every lock trigger, so the lock holds."""
    path = tmp_path / "locked.bbk"
    _book_before_0009(path, locked=True)
    with open_book(path, TEST_PASSPHRASE) as book:
        assert set(LOCK_TRIGGER_NAMES) <= _trigger_names(book.engine)


def test_a_lock_row_without_its_triggers_is_refused(book) -> None:
    """Writing a lock row by hand in a book without the lock triggers fails in the database."""
    with pytest.raises(sa.exc.DatabaseError, match="lock triggers installed first"):
        with book.engine.begin() as conn:
            _lock_january(conn)
    with book.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM period_locks").scalar_one() == 0


def test_downgrade_puts_the_lock_triggers_back(book) -> None:
    """Going back to 0008 restores the always-on lock triggers that revision expects."""
    from alembic import command

    cfg = _alembic_config()
    with book.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, BEFORE)
    names = _trigger_names(book.engine)
    assert set(LOCK_TRIGGER_NAMES) <= names
    assert not {n for n in names if n.startswith("period_locks_need_triggers")}
