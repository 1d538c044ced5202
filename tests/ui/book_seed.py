"""Fill a real book with many plausible expenses fast (SQLAlchemy Core bulk inserts).

Used by the GUI tests (a few hundred rows) and by ``benchmarks/gui_bench.py`` (100,000). Rows are
deterministic for a seed, spread over statuses, currencies (including zero- and three-decimal
ones, so typed amount sorting is exercised), categories, vehicles and employees.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from bookbridge.core.keys import canonical_json, content_hash
from bookbridge.store.book import Book
from bookbridge.store.models import Category, Employee, Expense, ExpenseStatus, ImportBatch, PaymentMethod, Vendor
from bookbridge.ui.models.expense_query import VEHICLE_FIELD

VENDORS = ["Shell", "Pilot Flying J", "Love's", "E-ZPass", "Speedy Tyres", "Marriott", "Denny's", "Staples",
           "Petro-Canada", "Autobahn Maut", "Uber", "Delta Air Lines"]
CATEGORIES = ["Fuel", "Tolls", "Maintenance", "Lodging", "Meals", "Office supplies", "Travel", "Driver pay"]
EMPLOYEES = ["Ana Ruiz", "Ben Okafor", "Chloe Martin", "Dev Patel"]
VEHICLES = ["T-01", "T-02", "T-07", "T-12", "T-15"]
# Mostly USD; a few others so sorting has to compare across minor units.
CURRENCIES = ["USD"] * 12 + ["EUR", "CAD", "JPY", "KWD"]
STATUSES = [ExpenseStatus.IMPORTED] * 4 + [ExpenseStatus.AWAITING_APPROVAL] * 3 + [
    ExpenseStatus.APPROVED, ExpenseStatus.POSTED, ExpenseStatus.POSTED, ExpenseStatus.CONFLICT,
    ExpenseStatus.REJECTED]


@dataclass(frozen=True)
class Seeded:
    """What was inserted (ids are dense from ``first_id``)."""

    count: int
    first_id: int
    batch_id: int


def _lookup_ids(conn: sa.Connection, model, names: list[str]) -> list[int]:
    now = datetime.now(timezone.utc)
    rows = []
    for name in names:
        row = {"name": name, "norm_key": name.lower()}
        if model is Vendor:
            row["created_at"] = now
        rows.append(row)
    conn.execute(sa.insert(model), rows)
    found = dict(conn.execute(sa.select(model.name, model.id).where(model.name.in_(names))).all())
    return [found[n] for n in names]


def seed_expenses(book: Book, count: int, *, seed: int = 7, start: date = date(2024, 1, 1),
                  source_file: str = "seed.csv", chunk: int = 20_000) -> Seeded:
    """Insert ``count`` expenses (with vendors, categories, employees, vehicles) in one transaction."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    with book.unit_of_work() as session:
        conn = session.connection()
        vendor_ids = _lookup_ids(conn, Vendor, VENDORS)
        category_ids = _lookup_ids(conn, Category, CATEGORIES)
        employee_ids = _lookup_ids(conn, Employee, EMPLOYEES)
        batch_id = conn.execute(sa.insert(ImportBatch).values(
            source_system="seed", file_name=source_file, file_sha256="0" * 64, profile="generic", actor="seed",
            started_at=now, finished_at=now, status="completed", rows_read=count, new_count=count,
        )).inserted_primary_key[0]
        first_id = (conn.execute(sa.select(sa.func.max(Expense.id))).scalar() or 0) + 1
        created = now.isoformat(timespec="microseconds")
        # Plain DB-API executemany with values already in their stored form (ISO dates and
        # timestamps, enum values): the per-row type processing of an ORM/Core insert would
        # dominate a 100,000-row seed.
        columns = ("id", "key", "source_system", "source_id", "occurrence_index", "content_hash", "batch_id",
                   "source_file", "source_line", "txn_date", "employee_id", "vendor_id", "category_id",
                   "category_raw", "amount_minor", "currency", "payment_method", "memo", "status", "created_at",
                   "fields_json")
        insert_expense = (f"INSERT INTO expenses ({', '.join(columns)}) "
                          f"VALUES ({', '.join('?' for _ in columns)})")
        for offset in range(0, count, chunk):
            expenses = []
            for i in range(offset, min(count, offset + chunk)):
                currency = rng.choice(CURRENCIES)
                minor = rng.randint(100, 90_000) if currency == "JPY" else rng.randint(100, 250_000)
                category_index = rng.randrange(len(CATEGORIES))
                expense_id = first_id + i
                row = (
                    expense_id, f"seed:{seed}:{i}", "seed", str(i), 0, content_hash([seed, i]), batch_id,
                    source_file, i + 2, (start + timedelta(days=rng.randrange(365))).isoformat(),
                    rng.choice(employee_ids), rng.choice(vendor_ids), category_ids[category_index],
                    CATEGORIES[category_index], minor, currency, PaymentMethod.COMPANY_CARD.value,
                    f"seeded expense {i}", rng.choice(STATUSES).value, created,
                )
                # The vehicle is drawn after the row, as before, so a seed gives the same book.
                expenses.append((*row, canonical_json({VEHICLE_FIELD: rng.choice(VEHICLES)})))
            conn.exec_driver_sql(insert_expense, expenses)
    return Seeded(count, first_id, int(batch_id))
