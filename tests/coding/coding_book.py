"""Helpers for coding-service, approval and journal-preview tests: fill a real book.

Expenses are inserted as the import pipeline leaves them (status IMPORTED, names normalised into
vendors/categories/employees); templates go through the template service (draft → publish) and
the approval policy through the approvals service, so every test runs on the real parts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.keys import short_key
from bookbridge.core.money import Money
from bookbridge.store.models import Category, Employee, Expense, PaymentMethod, Vendor


def _named(session: Session, model: type, name: str) -> int:
    key = " ".join(name.split()).casefold()
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
    *,
    day: date,
    category: str | None,
    amount: str,
    currency: str = "USD",
    vendor: str | None = None,
    payment: str = "company_card",
    employee: str | None = None,
    card: str | None = None,
    fields: dict[str, str] | None = None,
    report_id: str | None = None,
    memo: str | None = None,
    key: str | None = None,
    tax: str | None = None,
) -> int:
    """Insert one imported expense; returns its id."""
    money = Money(Decimal(amount), currency)
    count = session.scalar(sa.select(sa.func.count()).select_from(Expense)) or 0
    expense = Expense(
        key=key or f"test-{count + 1:03d}",
        source_system="test",
        source_id=str(count + 1),
        content_hash=short_key(str(count), amount, length=64),
        txn_date=day,
        vendor_id=_named(session, Vendor, vendor) if vendor else None,
        vendor_raw=vendor,
        category_id=_named(session, Category, category) if category else None,
        category_raw=category,
        employee_id=_named(session, Employee, employee) if employee else None,
        amount_minor=money.minor_units(),
        currency=currency,
        tax_minor=None if tax is None else Money(Decimal(tax), currency).minor_units(),
        payment_method=PaymentMethod(payment),
        card=card,
        memo=memo,
        report_id=report_id,
        created_at=clock.now(),
    )
    expense.set_fields(fields or {})
    session.add(expense)
    session.flush()
    return expense.id


def publish_template(book, text: str, *, actor: str = "Tess Template", note: str = "test") -> None:
    """Import ``text`` as the draft of its template and publish it as the next version."""
    from bookbridge.coding.templates import get_template, publish, save_draft
    from bookbridge.coding.yaml_io import load_template

    spec, issues = load_template(text)
    assert spec is not None, issues
    with book.unit_of_work() as session:
        save_draft(session, spec, actor=actor, source_text=text)
        publish(session, get_template(session, spec.name), actor=actor, note=note)


def set_policy(book, text: str, *, actor: str = "Olga Owner") -> None:
    """Replace the book's approval policy with the YAML ``text``."""
    from bookbridge.coding.approval_policy import parse_policy_text
    from bookbridge.coding.approvals import replace_policy

    replace_policy(book, parse_policy_text(text), actor=actor)


def status_of(book, expense_id: int) -> str:
    with book.read() as session:
        return session.get(Expense, expense_id).status.value


FLEET_TEMPLATE = """\
template: Fleet
effective_from: 2026-01-01
credit_accounts: {company_card: "2210", reimbursable: "2100", bill: "2000", bank: "1000"}
cards: {Visa 4444: "2210"}
mappings:
  - category: Fuel
    account: "6100"
    dimension_fields: {class: vehicle_id}
    quantity: {field: litres, unit: L}
  - category: Meals
    account: "6400"
  - category: Lodging
    account: "6500"
rules:
  - id: fuel-over-300-litres
    precedence: 10
    when:
      all:
        - category: {equals: Fuel}
        - field: {name: litres, min: 300.01}
    then:
      - require_approval: fleet manager
  - id: skip-personal
    precedence: 20
    when:
      memo: {contains: personal}
    then:
      - skip: personal spend, not a company expense
"""

POLICY = """\
levels:
  - name: manager
    approvers: {roles: [manager]}
  - name: second approver
    when: {amount_over: "500.00"}
    approvers: {roles: [manager, finance]}
  - name: fleet manager
    when: {category: [Fuel], fields: [{name: litres, op: ">", value: "300"}]}
    approvers: {names: [Dana Fleet]}
people:
  Alice Manager: [manager]
  Mark Manager: [manager]
  Bob Finance: [finance]
"""
