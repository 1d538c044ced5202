"""Documents for the QBO sandbox tests, coded to accounts and vendors read from the sandbox itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    EntityKind,
    EntityRef,
    ExpenseLine,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
)

OPEN_DATE = date(2025, 1, 31)  # after the sandbox's closed-books date


def _first(stored: list[dict], **match) -> dict:
    return next(o for o in stored if all(o.get(k) == v for k, v in match.items()))


def refs(session) -> dict[str, str]:
    """Ids of sandbox records the documents use, found by their properties, not hard-coded."""
    accounts = session.stored("Account")
    return {
        "expense": _first(accounts, AccountType="Expense", Active=True)["Id"],
        "inactive_expense": _first(accounts, AccountType="Expense", Active=False)["Id"],
        "card": _first(accounts, AccountType="Credit Card", Active=True, CurrencyRef={"value": "USD", "name": "United States Dollar"})["Id"],
        "ap": _first(accounts, AccountType="Accounts Payable")["Id"],
        "liability": _first(accounts, AccountType="Other Current Liability", Active=True)["Id"],
        "vendor": _first(session.stored("Vendor"), Active=True)["Id"],
        "class": _first(session.stored("Class"), Active=True)["Id"],
        "department": _first(session.stored("Department"), Active=True)["Id"],
    }


def journal(r: dict[str, str], key: str, amount: str = "100.00", **overrides) -> JournalDocument:
    value = Decimal(amount)
    fields = dict(
        key=key, date=OPEN_DATE, currency="USD", doc_number=None, memo="Expense report",
        lines=(
            JournalLine(Ref(r["expense"]), debit=value, description="Taxi",
                        dimensions=(DimensionRef("class", r["class"]), DimensionRef("department", r["department"]))),
            JournalLine(Ref(r["liability"]), credit=value, description="Taxi",
                        entity=EntityRef(EntityKind.VENDOR, r["vendor"])),
        ),
    )
    fields.update(overrides)
    return JournalDocument(**fields)


def purchase(r: dict[str, str], key: str, **overrides) -> PurchaseDocument:
    fields = dict(
        key=key, date=OPEN_DATE, currency="USD", payment_type=PaymentType.CARD, paying_account=Ref(r["card"]),
        vendor=Ref(r["vendor"]), memo="Lunch with client",
        lines=(ExpenseLine(Ref(r["expense"]), Decimal("92.38"), "Lunch", dimensions=(DimensionRef("class", r["class"]),)),),
    )
    fields.update(overrides)
    return PurchaseDocument(**fields)


def bill(r: dict[str, str], key: str, **overrides) -> BillDocument:
    fields = dict(
        key=key, date=OPEN_DATE, currency="USD", vendor=Ref(r["vendor"]), ap_account=Ref(r["ap"]),
        due_date=date(2025, 2, 14), doc_number=f"INV-{key[-6:]}",
        lines=(ExpenseLine(Ref(r["expense"]), Decimal("1234.56"), "Tyres"),),
        dimensions=(DimensionRef("location", r["department"]),),
    )
    fields.update(overrides)
    return BillDocument(**fields)
