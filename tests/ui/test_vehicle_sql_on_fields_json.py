"""The vehicle-id reads (dashboard spend by vehicle, the grid's vehicle column, sort and filter)
give after migration 0010, through json_extract, exactly what the old join on expense_fields gave."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from bookbridge.store.book import open_book
from bookbridge.store.engine import make_engine
from bookbridge.ui.models.book_facts import dashboard_facts
from bookbridge.ui.models.expense_query import R_ID, R_VEHICLE, Column, ExpenseFilter, fetch_rows, ordered_ids
from tests.conftest import TEST_PASSPHRASE
from tests.store.fields_json_book import old_book

# Vehicles with awkward spellings, expenses in the home currency and not, some with no vehicle
# (no fields at all, or other fields only), and case that lower() folds.
VEHICLES = ["T-01", "t-01", 'Lkw "Ö" 3', "Truck 12", "truck 9"]
OLD_FIELD = "LEFT JOIN expense_fields f ON f.expense_id = e.id AND f.name = 'vehicle_id'"


def _expenses() -> list[tuple[int, date, int, str, dict[str, str]]]:
    out = []
    for i in range(1, 61):
        fields: dict[str, str] = {}
        if i % 4:
            fields["vehicle_id"] = VEHICLES[i % len(VEHICLES)]
        if i % 3 == 0:
            fields["mcc"] = "5542"
        out.append((i, date(2026, 1, 1) + timedelta(days=i % 40), 1000 + 37 * i * i, "USD" if i % 7 else "EUR",
                    fields))
    return out


def _old_reads(path: Path) -> tuple[list, dict, dict, list]:
    engine = make_engine(path, TEST_PASSPHRASE)
    with engine.connect() as conn:
        by_vehicle = conn.exec_driver_sql(
            "SELECT f.value, sum(e.amount_minor), count(*) FROM expenses e JOIN expense_fields f "
            "ON f.expense_id = e.id AND f.name = 'vehicle_id' WHERE e.currency = 'USD' "
            "GROUP BY f.value ORDER BY sum(e.amount_minor) DESC").all()
        order = {descending: conn.exec_driver_sql(
            f"SELECT e.id FROM expenses e {OLD_FIELD} ORDER BY lower(coalesce(f.value, '')) {direction}, e.id {direction}"
        ).scalars().all() for descending, direction in ((False, "ASC"), (True, "DESC"))}
        filtered = {vehicle: conn.exec_driver_sql(
            f"SELECT e.id FROM expenses e {OLD_FIELD} WHERE coalesce(f.value, '') = ? ORDER BY e.txn_date, e.id",
            (vehicle,)).scalars().all() for vehicle in VEHICLES}
        shown = conn.exec_driver_sql(f"SELECT e.id, coalesce(f.value, '') FROM expenses e {OLD_FIELD} ORDER BY e.id").all()
    engine.dispose()
    return by_vehicle, order, filtered, shown


def test_vehicle_reads_match_the_old_join(tmp_path: Path) -> None:
    """Spend by vehicle, the vehicle sort both ways, each vehicle filter and the shown vehicle agree."""
    path = tmp_path / "vehicles.bbk"
    old_book(path, _expenses(), locked=False)
    by_vehicle, order, filtered, shown = _old_reads(path)
    assert len(by_vehicle) == len(VEHICLES) and len(filtered['Lkw "Ö" 3']) > 0  # the data exercises each read
    with open_book(path, TEST_PASSPHRASE) as book:
        facts = dashboard_facts(book)
        with book.engine.connect() as conn:
            new_order = {d: ordered_ids(conn, ExpenseFilter(), Column.VEHICLE, d) for d in (False, True)}
            new_filtered = {v: ordered_ids(conn, ExpenseFilter(vehicle=v), Column.DATE, False) for v in VEHICLES}
            rows = fetch_rows(conn, [i for i, _ in shown])
            assert conn.execute(sa.text("SELECT count(*) FROM expenses WHERE fields_json IS NULL")).scalar_one() > 0
    assert [(g.name, g.amount.minor_units(), g.count) for g in facts.by_vehicle] == [tuple(r) for r in by_vehicle]
    assert new_order == order
    assert new_filtered == filtered
    assert [(row[R_ID], row[R_VEHICLE]) for row in rows] == [tuple(r) for r in shown]
