"""Builders for mapping-template tests: specs, expense views, and a seeded real book.

Reference data (chart of accounts, categories, dimensions, employees, vendors) and expenses are
inserted through the store models, as the import pipeline would leave them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.spec import CreditAccounts, MappingSpec, QuantitySpec, TaxCodeSpec, TemplateSpec, TemplateVersionSpec
from bookbridge.coding.view import ExpenseView
from bookbridge.core import clock
from bookbridge.core.money import Money
from bookbridge.store.models import (
    AccountKind,
    Category,
    Dimension,
    DimensionKind,
    Employee,
    Expense,
    ExpenseStatus,
    LedgerAccount,
    PaymentMethod,
    Vendor,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "coding"
FLEET_YAML = DATA / "fleet.yaml"

D = Decimal


def fleet_spec(**overrides: Any) -> TemplateSpec:
    """A small fleet template: fuel, meals (VAT 10 %, half recoverable), mileage, driver pay."""
    values: dict[str, Any] = dict(
        name="Fleet",
        effective_from=date(2026, 1, 1),
        credit_accounts=CreditAccounts(
            company_card="2200", reimbursable="2100", cash="1010", bank="1000", bill="2000", cards={"Visa 4444": "2210"}
        ),
        tax_codes={"VAT10": TaxCodeSpec("VAT10", D("0.10"), recoverable=D("1"), account="1400")},
        mappings=(
            MappingSpec("Fuel", "6100", dimension_fields={"class": "vehicle_id"}, quantity=QuantitySpec("litres", "L")),
            MappingSpec("Meals", "6200", tax_code="VAT10", tax_recoverable=D("0.5")),
            MappingSpec("Mileage", "6300", quantity=QuantitySpec("miles", "mi", rate=D("0.70"))),
            MappingSpec("Driver pay", "6400", posting_type="expense", credit_account="2300"),  # type: ignore[arg-type]
        ),
    )
    values.update(overrides)
    return TemplateSpec(**values)


def version(spec: TemplateSpec | None = None, number: int = 1) -> TemplateVersionSpec:
    return TemplateVersionSpec(number, spec or fleet_spec())


def view(
    amount: str = "62.10",
    *,
    category: str | None = "Fuel",
    vendor: str | None = "Shell",
    day: date = date(2026, 2, 3),
    payment: str = "company_card",
    currency: str = "USD",
    fields: dict[str, str] | None = None,
    ident: str = "1",
    **kwargs: Any,
) -> ExpenseView:
    """An expense view with sensible defaults: fuel on the Visa 4444 card."""
    kwargs.setdefault("card", "Visa 4444" if payment == "company_card" else None)
    return ExpenseView(
        id=ident,
        key=f"key-{ident}",
        date=day,
        vendor=vendor,
        category=category,
        amount=Money(D(amount), currency),
        payment_method=payment,
        fields=fields or {},
        **kwargs,
    )


# --- a real book -------------------------------------------------------------------------


def seed_reference_data(session: Session) -> None:
    """Chart of accounts, categories and dimension values the fleet template uses."""
    accounts = [
        ("6100", "Fuel", AccountKind.EXPENSE), ("6150", "Fuel - trucks", AccountKind.EXPENSE),
        ("6200", "Meals", AccountKind.EXPENSE), ("6300", "Mileage", AccountKind.EXPENSE),
        ("6400", "Driver wages", AccountKind.EXPENSE), ("6500", "Lodging", AccountKind.EXPENSE),
        ("6600", "Office supplies", AccountKind.EXPENSE), ("1600", "Vehicles - equipment", AccountKind.ASSET),
        ("1400", "VAT receivable", AccountKind.ASSET), ("1000", "Operating bank", AccountKind.BANK),
        ("1010", "Petty cash", AccountKind.BANK), ("2000", "Accounts payable", AccountKind.PAYABLE),
        ("2100", "Employee reimbursements payable", AccountKind.LIABILITY),
        ("2200", "Company cards", AccountKind.CREDIT_CARD), ("2210", "Visa 4444", AccountKind.CREDIT_CARD),
        ("2300", "Payroll clearing", AccountKind.LIABILITY),
    ]
    session.add_all(LedgerAccount(code=c, name=n, kind=k) for c, n, k in accounts)
    for name in ("Fuel", "Meals", "Mileage", "Driver pay", "Tyres", "Lodging", "Office supplies", "Tolls"):
        session.add(Category(name=name, norm_key=name.casefold()))
    for code in ("Truck 12", "Truck 7"):
        session.add(Dimension(kind=DimensionKind.CLASS, code=code, name=code))
    session.flush()


def _named(session: Session, model: type, name: str) -> int:
    key = name.casefold()
    found = session.scalars(sa.select(model.id).where(model.norm_key == key)).first()
    if found is not None:
        return found
    extra = {"created_at": clock.now()} if model is Vendor else {}
    row = model(name=name, norm_key=key, **extra)
    session.add(row)
    session.flush()
    return row.id


def add_expense(
    session: Session,
    amount: str,
    *,
    category: str | None = "Fuel",
    vendor: str | None = "Shell",
    day: date = date(2026, 2, 3),
    payment: str = "company_card",
    card: str | None = "Visa 4444",
    employee: str | None = None,
    memo: str | None = None,
    fields: dict[str, str] | None = None,
    status: ExpenseStatus = ExpenseStatus.IMPORTED,
) -> int:
    """Insert one expense as import leaves it; returns its id."""
    money = Money(D(amount), "USD")
    count = session.scalar(sa.select(sa.func.count()).select_from(Expense)) or 0
    row = Expense(
        key=f"exp-{count + 1:04d}",
        source_system="test",
        source_id=str(count + 1),
        content_hash=f"{count + 1:064d}",
        txn_date=day,
        vendor_id=_named(session, Vendor, vendor) if vendor else None,
        vendor_raw=vendor,
        category_id=_named(session, Category, category) if category else None,
        category_raw=category,
        employee_id=_named(session, Employee, employee) if employee else None,
        amount_minor=money.minor_units(),
        currency="USD",
        payment_method=PaymentMethod(payment),
        card=card if payment == "company_card" else None,
        memo=memo,
        status=status,
        created_at=clock.now(),
    )
    row.set_fields(fields or {})
    session.add(row)
    session.flush()
    return row.id
