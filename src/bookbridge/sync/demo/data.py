"""`bookbridge demo-data`: a book for a demo trucking company, filled as the real pipeline would fill it.

Two months of spending by three drivers and the company cards (fuel, tolls, driver pay,
maintenance bills, meals, lodging, mileage, permits, a Canadian hotel, fuel refunds), a few
hundred expenses with receipts, inserted as the import leaves them; then the real services take
over: the mapping template and its rules are published, the approval policy set, a CAD rate
entered, everything coded, and the managers approve most of what waits for them. A few items
stay awaiting approval and a few fail on purpose (an unmapped category, an inactive account, a
date in the closed period), so every screen of the app has something to show.

Deterministic for a given seed and start month.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.approval_policy import parse_policy_text
from bookbridge.coding.approvals import approve, replace_policy
from bookbridge.coding.rates import set_rate
from bookbridge.coding.service import code_expenses
from bookbridge.coding.templates import get_template, publish, save_draft
from bookbridge.coding.yaml_io import load_template
from bookbridge.core import clock
from bookbridge.core.keys import sha256_hex, short_key
from bookbridge.core.money import Money
from bookbridge.ingest.normalise import name_key, vendor_key
from bookbridge.store.book import Book, create_book
from bookbridge.store.models import (
    Category,
    Employee,
    Expense,
    ExpenseReceipt,
    ExpenseStatus,
    PaymentMethod,
    Receipt,
    Vendor,
)
from bookbridge.sync.demo import content

ACTOR = "demo-data"


@dataclass(frozen=True, slots=True)
class DemoExpense:
    day: date
    category: str
    amount: Decimal
    payment: PaymentMethod
    vendor: str | None = None
    employee: str | None = None
    currency: str = "USD"
    card: str | None = None
    memo: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    receipt: bool = False


def demo_months(today: date) -> tuple[date, date]:
    """The first and last day of the two calendar months before ``today``'s month."""
    first_of_this = today.replace(day=1)
    last = first_of_this - timedelta(days=1)
    start = (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    return start, last


def _money(rng: random.Random, low: str, high: str) -> Decimal:
    cents = rng.randint(int(Decimal(low) * 100), int(Decimal(high) * 100))
    return Decimal(cents).scaleb(-2)


def _driver_day(rng: random.Random, day: date, driver: str, truck: str) -> list[DemoExpense]:
    gallons = Decimal(rng.randint(600, 1400)).scaleb(-1)  # 60.0-140.0 gallons
    price = _money(rng, "3.49", "4.29")
    items = [
        DemoExpense(day, "Fuel", (gallons * price).quantize(Decimal("0.01")), PaymentMethod.COMPANY_CARD,
                    rng.choice(content.FUEL_VENDORS), driver, card="Comdata 0042",
                    fields=(("gallons", str(gallons)), ("truck", truck)), receipt=rng.random() < 0.25),
        DemoExpense(day, "Tolls", _money(rng, "4.50", "38.00"), PaymentMethod.COMPANY_CARD, "E-ZPass", driver,
                    card="Visa 4444", fields=(("truck", truck),)),
        DemoExpense(day, "Meals", _money(rng, "9.00", "27.50"), PaymentMethod.REIMBURSABLE, None, driver,
                    memo="driver meal on the road"),
    ]
    if rng.random() < 0.3:
        items.append(DemoExpense(day, "Lodging", _money(rng, "89.00", "149.00"), PaymentMethod.COMPANY_CARD,
                                 "Marriott", driver, card="Visa 4444", receipt=True))
    return items


def build_expenses(start: date, end: date, seed: int = 7) -> list[DemoExpense]:
    """The demo company's spending between ``start`` and ``end`` (inclusive)."""
    rng = random.Random(seed)
    items: list[DemoExpense] = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            for driver, truck in zip(content.DRIVERS, content.TRUCKS):
                if rng.random() < 0.62:
                    items.extend(_driver_day(rng, day, driver, truck))
        if day.weekday() == 4:  # Friday: the week's driver pay through payroll clearing
            for driver in content.DRIVERS:
                items.append(DemoExpense(day, "Driver pay", _money(rng, "1150.00", "1480.00"), PaymentMethod.BANK,
                                         None, driver, memo=f"weekly settlement {driver}"))
        day += timedelta(days=1)
    middle = start + (end - start) / 2
    items += [
        DemoExpense(start + timedelta(days=6 + 9 * i), "Maintenance", _money(rng, "180.00", "640.00"),
                    PaymentMethod.BANK, "Speedco Truck Lube", fields=(("truck", content.TRUCKS[i % 3]),), receipt=True)
        for i in range(5)
    ]
    items += [
        DemoExpense(start + timedelta(days=3 + 8 * i), "Mileage", Decimal(0), PaymentMethod.REIMBURSABLE, None,
                    content.DRIVERS[i % 3], memo="own car to the yard", fields=(("miles", str(40 + 17 * i)),))
        for i in range(6)
    ]
    items += [
        DemoExpense(start + timedelta(days=11), "Permits", Decimal("375.00"), PaymentMethod.BANK, None, None,
                    memo="oversize permit IL"),
        DemoExpense(middle, "Lodging", Decimal("212.40"), PaymentMethod.REIMBURSABLE, None, content.DRIVERS[1],
                    currency="CAD", memo="Montreal delivery, Hotel Bonaventure", receipt=True),
        # Refunds: a fuel charge reversed by the card issuer.
        *[DemoExpense(start + timedelta(days=15 + 14 * i), "Fuel", Decimal("-42.18") - i, PaymentMethod.COMPANY_CARD,
                      "Pilot Flying J", content.DRIVERS[i], card="Comdata 0042",
                      fields=(("gallons", "-11.0"), ("truck", content.TRUCKS[i])), memo="refund: pump overcharge")
          for i in range(3)],
        # Waiting for approval: big fuel stops (fleet manager) and a large repair bill (manager).
        *[DemoExpense(end - timedelta(days=2 + i), "Fuel", Decimal("689.50") + i, PaymentMethod.COMPANY_CARD,
                      "Love's Travel Stops", content.DRIVERS[i], card="Comdata 0042",
                      fields=(("gallons", "171.0"), ("truck", content.TRUCKS[i]))) for i in range(2)],
        DemoExpense(end - timedelta(days=1), "Maintenance", Decimal("2480.00"), PaymentMethod.BANK,
                    "Speedco Truck Lube", fields=(("truck", content.TRUCKS[2]),), memo="new steer tyres",
                    receipt=True),
        # On purpose: an unmapped category, an account inactive in QuickBooks, a late receipt in a
        # closed period, and personal spend a rule skips.
        DemoExpense(middle, "Truck wash", Decimal("65.00"), PaymentMethod.COMPANY_CARD, "Blue Beacon",
                    content.DRIVERS[0], card="Visa 4444"),
        DemoExpense(start + timedelta(days=1), "Equipment lease", Decimal("950.00"), PaymentMethod.BANK, None, None,
                    memo="reefer trailer lease (old contract)"),
        DemoExpense(content.LATE_RECEIPT_DAY, "Tolls", Decimal("14.25"), PaymentMethod.COMPANY_CARD, "E-ZPass",
                    content.DRIVERS[2], card="Visa 4444", memo="late receipt, books already closed"),
        DemoExpense(middle + timedelta(days=2), "Meals", Decimal("31.80"), PaymentMethod.COMPANY_CARD, None,
                    content.DRIVERS[2], card="Visa 4444", memo="personal dinner"),
    ]
    return sorted(items, key=lambda e: (e.day, e.category, e.amount))


def _named(session: Session, model: Any, name: str, key: str, cache: dict) -> int:
    if (model, key) in cache:
        return cache[(model, key)]
    found = session.scalars(sa.select(model.id).where(model.norm_key == key)).first()
    if found is None:
        row = model(name=name, norm_key=key, **({"created_at": clock.now()} if model is Vendor else {}))
        session.add(row)
        session.flush()
        found = row.id
    cache[(model, key)] = found
    return found


def _receipt_bytes(item: DemoExpense, key: str) -> bytes:
    """A tiny but real PDF naming the purchase (unique per expense, so receipts never deduplicate)."""
    text = f"{item.vendor or item.category} {item.day.isoformat()} {item.amount} {item.currency} ({key})"
    stream = f"BT /F1 10 Tf 36 90 Td ({text}) Tj ET".encode("latin-1", "replace")
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream endobj\n%%EOF\n")


def insert_expenses(book: Book, items: list[DemoExpense]) -> list[int]:
    """Insert the expenses (and receipts) as the import pipeline leaves them; returns their ids."""
    ids: list[int] = []
    cache: dict = {}
    now = clock.now()
    with book.unit_of_work() as session:
        for n, item in enumerate(items, start=1):
            key = f"demo-{n:05d}"
            amount = item.amount if item.category != "Mileage" else Decimal(dict(item.fields)["miles"]) * Decimal("0.70")
            expense = Expense(
                key=key, source_system="demo", source_id=str(n), content_hash=short_key(key, str(amount), length=64),
                txn_date=item.day, amount_minor=Money(amount, item.currency).quantize().minor_units(),
                currency=item.currency, payment_method=item.payment, card=item.card, memo=item.memo,
                vendor_raw=item.vendor, category_raw=item.category, created_at=now,
                vendor_id=_named(session, Vendor, item.vendor, vendor_key(item.vendor), cache) if item.vendor else None,
                category_id=_named(session, Category, item.category, name_key(item.category), cache),
                employee_id=_named(session, Employee, item.employee, name_key(item.employee), cache)
                if item.employee else None,
            )
            expense.set_fields(dict(item.fields))
            session.add(expense)
            session.flush()
            if item.receipt:
                data = _receipt_bytes(item, key)
                receipt = Receipt(sha256=sha256_hex(data), file_name=f"{key}.pdf", mime_type="application/pdf",
                                  size=len(data), content=data, created_at=now)
                session.add(receipt)
                session.flush()
                session.add(ExpenseReceipt(expense_id=expense.id, receipt_id=receipt.id))
            ids.append(expense.id)
    return ids


def set_up_coding(book: Book, items: list[DemoExpense]) -> None:
    """Template, rules and approval policy through the real services, plus the CAD rate."""
    spec, issues = load_template(content.TEMPLATE)
    if spec is None:
        raise AssertionError(f"the demo template does not load: {issues}")
    with book.unit_of_work() as session:
        save_draft(session, spec, actor=ACTOR, source_text=content.TEMPLATE)
        publish(session, get_template(session, spec.name), actor=ACTOR, note="demo company template")
    replace_policy(book, parse_policy_text(content.POLICY), actor=ACTOR)
    for item in items:
        if item.currency == "CAD":
            set_rate(book, "CAD", "USD", content.CAD_RATE, item.day, actor=ACTOR)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    path: Path
    expenses: int
    statuses: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {"book": str(self.path), "company": content.COMPANY, "expenses": self.expenses,
                "statuses": self.statuses}


def fill_demo_book(book: Book, *, today: date | None = None, seed: int = 7) -> dict[str, int]:
    """Fill an empty book with the demo company; returns how many expenses are in each status."""
    start, end = demo_months(today or clock.today())
    items = build_expenses(start, end, seed)
    ids = insert_expenses(book, items)
    set_up_coding(book, items)
    code_expenses(book, actor=ACTOR)
    with book.read() as session:
        waiting = list(session.scalars(
            sa.select(Expense.id).where(Expense.status == ExpenseStatus.AWAITING_APPROVAL).order_by(Expense.id)))
    # The manager approves all but the newest big bill; the fleet manager is on holiday.
    approve(book, actor=content.MANAGER, expense_ids=[i for i in waiting if i != max(waiting, default=0)])
    with book.read() as session:
        rows = session.execute(sa.select(Expense.status, sa.func.count()).where(Expense.id.in_(ids))
                               .group_by(Expense.status)).all()
    return {status.value: count for status, count in sorted(rows, key=lambda r: r[0].value)}


def create_demo_book(path: Path, passphrase: str, *, today: date | None = None, seed: int = 7) -> DemoSummary:
    """A new book at ``path`` holding the demo company (refuses an existing file)."""
    with create_book(path, passphrase, company=content.COMPANY, home_currency=content.HOME_CURRENCY) as book:
        statuses = fill_demo_book(book, today=today, seed=seed)
    return DemoSummary(Path(path), sum(statuses.values()), statuses)
