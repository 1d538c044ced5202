"""Turning book rows into the matcher's values: statement lines and targets.

Only expenses are targets today; posted journal lines join once the outbox keeps them (add a
function beside :func:`expense_targets` returning ``Target(kind=JOURNAL_LINE, ...)`` and list it
in :data:`TARGET_SOURCES`). The engine needs nothing else.

Which expenses can settle which account (ACCOUNTING.md, "who paid decides the credit side"):

* a **card** account: company-card expenses, each one-to-one with a card line (narrowed to the
  card when both the expense's card label and the account's last four digits are known);
* a **bank** account: expenses paid from the bank, one-to-one; reimbursable expenses, one-to-one
  (paid back alone) or grouped by employee and by expense report (paid back together, the
  payee being the employee); company-card expenses only as a group per card (the monthly card
  payment); driver pay (category like "driver pay", "wages", "payroll") also as one payroll
  group;
* cash expenses never appear on a statement.

Amounts: an expense in the account's currency is compared exactly; if it was converted from a
foreign charge (``original_currency`` differs) it is marked approximate and compared within the
tolerance; an expense whose original currency is the account's is compared on that original
amount; any other currency cannot be compared without a rate and is left out.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Callable, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core.money import Money
from bookbridge.reconcile.matching.model import LineView, Target, TargetKind
from bookbridge.store.models import (
    BankAccount,
    BankAccountKind,
    Employee,
    Expense,
    ExpenseStatus,
    LineMatchStatus,
    PaymentMethod,
    StatementLine,
    Vendor,
)

TargetKey = tuple[str, int]
_NOT_MATCHABLE = (ExpenseStatus.CONFLICT, ExpenseStatus.REJECTED, ExpenseStatus.SKIPPED)
_PAYROLL = re.compile(r"driver\s*pay|wage|payroll|salar", re.IGNORECASE)


def statement_lines(
    session: Session, account: BankAccount, start: date | None, end: date | None, *, only_unmatched: bool = True
) -> list[LineView]:
    """The account's statement lines booked within ``[start, end]`` (all dates when None).

    A Core select of the few columns the matcher reads, not ORM objects: a year of a busy account
    is tens of thousands of lines, and building (and identity-mapping) an object per line cost
    about four times as much as the select itself.
    """
    query = sa.select(*_LINE_COLUMNS).where(StatementLine.bank_account_id == account.id)
    if only_unmatched:
        query = query.where(StatementLine.match_status == LineMatchStatus.UNMATCHED)
    if start is not None:
        query = query.where(StatementLine.booked_date >= start)
    if end is not None:
        query = query.where(StatementLine.booked_date <= end)
    return [
        LineView(id=row_id, amount=Money.from_minor(minor, currency), booked_date=booked, value_date=valued,
                 payee=payee, memo=memo, reference=reference)
        for row_id, minor, currency, booked, valued, payee, memo, reference
        in session.execute(query.order_by(StatementLine.booked_date, StatementLine.id))
    ]


_LINE_COLUMNS = (
    StatementLine.id, StatementLine.amount_minor, StatementLine.currency, StatementLine.booked_date,
    StatementLine.value_date, StatementLine.payee, StatementLine.memo, StatementLine.reference,
)


def line_view(row: StatementLine) -> LineView:
    """One ORM statement line as the matcher sees it (for decisions on a single line)."""
    return LineView(
        id=row.id, amount=row.amount, booked_date=row.booked_date, value_date=row.value_date,
        payee=row.payee, memo=row.memo, reference=row.reference,
    )


def expense_targets(session: Session, account: BankAccount, start: date, end: date, exclude: set[TargetKey]) -> list[Target]:
    """Expenses dated within ``[start, end]`` that could settle lines of ``account``.

    Reads only the columns a target needs (Core rows, not ORM objects: see :func:`statement_lines`).
    """
    rows = session.execute(
        sa.select(*_EXPENSE_COLUMNS, Vendor.name.label("vendor_name"), Employee.name.label("employee_name"))
        .outerjoin(Vendor, Vendor.id == Expense.vendor_id)
        .outerjoin(Employee, Employee.id == Expense.employee_id)
        .where(Expense.txn_date >= start, Expense.txn_date <= end, Expense.status.not_in(_NOT_MATCHABLE))
        .order_by(Expense.txn_date, Expense.id)
    )
    kind = TargetKind.EXPENSE.value
    targets = []
    for row in rows:
        if (kind, row.id) in exclude:
            continue
        target = _expense_target(row, account)
        if target is not None:
            targets.append(target)
    return targets


class _ExpenseFacts(Protocol):
    """What :func:`_expense_target` reads of an expense (a row of :data:`_EXPENSE_COLUMNS` plus names)."""

    id: int
    txn_date: date
    amount_minor: int
    currency: str
    original_amount_minor: int | None
    original_currency: str | None
    payment_method: PaymentMethod
    card: str | None
    category_raw: str | None
    vendor_raw: str | None
    employee_id: int | None
    report_id: str | None
    reference: str | None
    vendor_name: str | None
    employee_name: str | None


# The columns behind :class:`_ExpenseFacts`, under the model's attribute names.
_EXPENSE_COLUMNS = (
    Expense.id, Expense.txn_date, Expense.amount_minor, Expense.currency, Expense.original_amount_minor,
    Expense.original_currency, Expense.payment_method, Expense.card, Expense.category_raw, Expense.vendor_raw,
    Expense.employee_id, Expense.report_id, Expense.reference,
)


def _expense_target(expense: _ExpenseFacts, account: BankAccount) -> Target | None:
    amount = _comparable_amount(expense, account.currency)
    if amount is None:
        return None
    signed, approximate = amount
    vendor = expense.vendor_name or expense.vendor_raw
    person = expense.employee_name or (f"employee {expense.employee_id}" if expense.employee_id else None)
    method = expense.payment_method
    make = partial(Target, TargetKind.EXPENSE, expense.id, signed, expense.txn_date,
                   reference=expense.reference, employee_id=expense.employee_id, approximate=approximate)
    if account.kind is BankAccountKind.CARD:
        if method is not PaymentMethod.COMPANY_CARD or not _same_card(expense.card, account.ref_hint):
            return None
        return make(payee=vendor)
    if method is PaymentMethod.CASH:
        return None
    if method is PaymentMethod.COMPANY_CARD:
        card = (expense.card or "").strip()
        label = f"{card} card payment" if card else "card payment"
        return make(payee=vendor, one_to_one=False, groups=((f"card:{card.lower()}", label),))
    groups: list[tuple[str, str]] = []
    if _PAYROLL.search(expense.category_raw or ""):
        groups.append(("payroll", "payroll driver pay"))
    if method is PaymentMethod.REIMBURSABLE or groups:
        if expense.employee_id is not None:
            groups.append((f"employee:{expense.employee_id}", person or "employee"))
        if expense.report_id:
            groups.append((f"report:{expense.report_id}", f"expense report {expense.report_id} {person or ''}".strip()))
        return make(payee=person or vendor, groups=tuple(groups))
    return make(payee=vendor)


def _comparable_amount(expense: _ExpenseFacts, currency: str) -> tuple[Money, bool] | None:
    """The expense as money leaving the account (negative), and whether it was converted."""
    if expense.currency == currency:
        converted = expense.original_currency is not None and expense.original_currency != expense.currency
        return Money.from_minor(-expense.amount_minor, currency), converted
    if expense.original_currency == currency and expense.original_amount_minor is not None:
        return -Money.from_minor(expense.original_amount_minor, currency), False
    return None


def _same_card(card: str | None, last_four: str | None) -> bool:
    """True unless both sides name a card and the digits disagree."""
    digits = re.sub(r"\D", "", card or "")
    theirs = re.sub(r"\D", "", last_four or "")
    if not digits or not theirs:
        return True
    return digits.endswith(theirs)


TARGET_SOURCES: list[Callable[[Session, BankAccount, date, date, set[TargetKey]], list[Target]]] = [expense_targets]


def all_targets(session: Session, account: BankAccount, start: date, end: date, exclude: set[TargetKey]) -> list[Target]:
    """Targets from every source (expenses today; journal lines later)."""
    return [t for source in TARGET_SOURCES for t in source(session, account, start, end, exclude)]
