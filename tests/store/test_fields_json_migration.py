"""Migration 0010: custom fields move from expense_fields rows to expenses.fields_json; the lock stays whole."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from bookbridge.core.errors import PeriodLocked
from bookbridge.core.keys import canonical_json
from bookbridge.reconcile.periods_locks import install_lock_triggers
from bookbridge.store.book import _alembic_config, open_book
from bookbridge.store.engine import make_engine
from bookbridge.store.models import Expense
from bookbridge.store.models.month_end import LOCK_TRIGGER_NAMES
from tests.conftest import TEST_PASSPHRASE
from tests.store.fields_json_book import OLD_HEAD, add_lock, old_book, table_names, trigger_names

JAN, FEB = date(2026, 1, 14), date(2026, 2, 9)
FIELD_TRIGGERS = {"expense_fields_lock_insert", "expense_fields_lock_delete", "expense_fields_lock_update"}
# id -> fields, inserted unsorted; 3 has none; 2 holds what JSON must escape or keep as it is.
FIELDS = {
    1: {"vehicle_id": "Truck 12", "mcc": "5542", "litres": "61.5"},
    2: {"note": 'said "fill up" \\ twice', "projet": "Élan ☕", "z": "\u0007"},
    3: {},
    4: {"odometer": "120345"},
}
EXPENSES = [(1, JAN, 8540, "USD", FIELDS[1]), (2, JAN, 450, "EUR", FIELDS[2]), (3, FEB, 1200, "USD", FIELDS[3]),
            (4, FEB, 9900, "USD", FIELDS[4])]


def _stored(conn: sa.Connection) -> dict[int, str | None]:
    return dict(conn.exec_driver_sql("SELECT id, fields_json FROM expenses ORDER BY id").all())


def test_upgrade_stores_each_expense_fields_as_canonical_json(tmp_path: Path) -> None:
    """After 0010 each expense's fields are exactly canonical_json of its old rows; none gives NULL."""
    path = tmp_path / "old.bbk"
    old_book(path, EXPENSES, locked=False)
    with open_book(path, TEST_PASSPHRASE) as book, book.engine.connect() as conn:
        stored = _stored(conn)
        assert "expense_fields" not in table_names(conn)
    assert stored == {1: '{"litres":"61.5","mcc":"5542","vehicle_id":"Truck 12"}',
                      2: canonical_json(FIELDS[2]), 3: None, 4: '{"odometer":"120345"}'}
    assert "Élan ☕" in stored[2] and '\\"fill up\\"' in stored[2]  # UTF-8 kept, quotes escaped


def test_upgrade_streams_a_large_book_in_chunks(tmp_path: Path) -> None:
    """Every one of 12,345 expenses (more than two update chunks) gets its own fields, none another's."""
    expected = {i: {"vehicle_id": f"T-{i % 37}", "trip": str(i)} if i % 3 else {} for i in range(1, 12_346)}
    path = tmp_path / "large.bbk"
    old_book(path, [(i, FEB, i, "USD", f) for i, f in expected.items()], locked=False)
    with open_book(path, TEST_PASSPHRASE) as book, book.engine.connect() as conn:
        stored = _stored(conn)
    assert stored == {i: canonical_json(f) if f else None for i, f in expected.items()}


def test_upgrade_of_a_locked_book_fills_the_locked_month_and_keeps_the_lock(tmp_path: Path) -> None:
    """A book with January signed off: January's fields move too, expense_fields' triggers go, the
    others stay (expenses_lock_update as it was), and a field change in January is refused."""
    path = tmp_path / "locked.bbk"
    old_book(path, EXPENSES, locked=True)
    engine = make_engine(path, TEST_PASSPHRASE)
    with engine.connect() as conn:
        update_trigger = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'expenses_lock_update'").scalar_one()
    engine.dispose()
    with open_book(path, TEST_PASSPHRASE) as book:
        with book.engine.connect() as conn:
            assert _stored(conn)[1] == canonical_json(FIELDS[1])
            names = trigger_names(conn)
            assert conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'expenses_lock_update'").scalar_one() == update_trigger
        assert set(LOCK_TRIGGER_NAMES) <= names and not names & FIELD_TRIGGERS
        with pytest.raises(PeriodLocked, match="an expense dated in it"):
            with book.unit_of_work() as session:
                expense = session.get(Expense, 1)
                expense.set_fields({**expense.fields, "vehicle_id": "Truck 9"})
        with book.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE expenses SET fields_json = NULL WHERE id = 4")  # February is open
            add_lock(conn, 2, "2026-02", "2026-02-01", "2026-02-28")  # the guards count today's triggers
        with book.engine.connect() as conn:
            assert _stored(conn)[1] == canonical_json(FIELDS[1])
            assert conn.exec_driver_sql("SELECT count(*) FROM period_locks").scalar_one() == 2


def test_upgrade_of_an_unlocked_book_guards_the_new_trigger_set(tmp_path: Path) -> None:
    """Without a lock no lock trigger remains; a lock row by hand is refused until today's triggers
    are installed, and then accepted (0009's guards counted expense_fields' three as well)."""
    path = tmp_path / "unlocked.bbk"
    old_book(path, EXPENSES, locked=False)
    with open_book(path, TEST_PASSPHRASE) as book:
        with book.engine.connect() as conn:
            assert not trigger_names(conn) & (set(LOCK_TRIGGER_NAMES) | FIELD_TRIGGERS)
        with pytest.raises(sa.exc.DatabaseError, match="lock triggers installed first"):
            with book.engine.begin() as conn:
                add_lock(conn, 1, "2026-01", "2026-01-01", "2026-01-31")
        with book.engine.begin() as conn:
            install_lock_triggers(conn)
            add_lock(conn, 1, "2026-01", "2026-01-01", "2026-01-31")
        with pytest.raises(PeriodLocked):
            with book.engine.begin() as conn:
                conn.exec_driver_sql("""UPDATE expenses SET fields_json = '{"mcc":"0000"}' WHERE id = 1""")


def test_guard_triggers_name_exactly_the_model_lock_triggers(book) -> None:
    """A new book's guards count the lock triggers the model declares, no more and no fewer."""
    with book.engine.connect() as conn:
        guards = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                      "AND name LIKE 'period_locks_need_triggers_%'").scalars().all()
    assert len(guards) == 2
    for sql in guards:
        counted = re.search(r"name IN \((.*?)\)\) < (\d+)", sql)
        assert counted is not None
        assert re.findall(r"'(\w+)'", counted.group(1)) == LOCK_TRIGGER_NAMES
        assert int(counted.group(2)) == len(LOCK_TRIGGER_NAMES)


@pytest.mark.parametrize("locked", [False, True])
def test_downgrade_puts_the_field_rows_back(tmp_path: Path, locked: bool) -> None:
    """Going back to 0009 restores every field row and drops the column; a locked book gets
    expense_fields' lock triggers back, and 0009's guards still accept its lock."""
    from alembic import command

    path = tmp_path / "round-trip.bbk"
    old_book(path, EXPENSES, locked=locked)
    with open_book(path, TEST_PASSPHRASE) as book:
        cfg = _alembic_config()
        with book.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, OLD_HEAD)
        with book.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT expense_id, name, value FROM expense_fields").all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("expenses")}
            names = trigger_names(conn)
        if locked:  # the guards demand all 25 of 0009's triggers for a lock row to be written
            with book.engine.begin() as conn:
                conn.exec_driver_sql("UPDATE period_locks SET locked_by = 'Ann A.'")
    assert sorted(rows) == sorted((i, n, v) for i, f in FIELDS.items() for n, v in f.items())
    assert "fields_json" not in columns
    assert (FIELD_TRIGGERS <= names) is locked and (set(LOCK_TRIGGER_NAMES) <= names) is locked
