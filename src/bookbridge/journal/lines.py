"""Turn one coded expense into signed draft lines (transaction currency only).

A draft line carries a signed amount: positive is a debit, negative a credit. Keeping one signed
number until the very end makes refunds free: a negative expense simply produces the mirror
image of its purchase (ACCOUNTING.md example 2), and batching can net a refund against the
purchases on the same account.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bookbridge.coding.coded import CodedExpense, CodedLine, Dimensions, Entity, LineKind, quantity_memo
from bookbridge.coding.fx import FxRate
from bookbridge.coding.tax import split_line_tax
from bookbridge.journal.model import LineRole


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A line before home conversion and merging.

    Attributes:
        account: ledger account.
        amount: signed transaction amount (debit > 0, credit < 0), exact to the minor unit.
        role: why the line exists.
        dimensions: class / department / location / project.
        memo: line description.
        quantity: units (miles, litres) behind the amount, signed like the amount.
        unit: unit of ``quantity``.
        entity: vendor or employee the line is booked against.
        tax_code: tax code of the source line.
        rate: the transaction-to-home rate (home per transaction unit), ``None`` in home currency.
        expense_key: the source expense.
    """

    account: str
    amount: Decimal
    role: LineRole
    dimensions: Dimensions
    memo: str
    quantity: Decimal | None
    unit: str | None
    entity: Entity | None
    tax_code: str | None
    rate: FxRate | None
    expense_key: str


def oriented_rate(expense: CodedExpense, home_currency: str) -> FxRate | None:
    """The expense's rate as home units per transaction unit (inverted if given the other way)."""
    rate = expense.rate
    if expense.currency == home_currency or rate is None:
        return None
    if rate.base == expense.currency:
        return rate
    return rate.inverted()


def expense_memo(expense: CodedExpense) -> str:
    """The expense's description: its memo, else vendor and date, else its id."""
    if expense.memo.strip():
        return expense.memo.strip()
    if expense.vendor:
        return f"{expense.vendor} {expense.date.isoformat()}"
    return f"Expense {expense.expense_id}"


def draft_lines(expense: CodedExpense, home_currency: str) -> list[DraftLine]:
    """The debit-side lines (expense/asset, recoverable tax) then the credit line of ``expense``.

    The credit is the sum of the lines' gross amounts, so the draft balances in the transaction
    currency by construction; validation has already checked that this sum equals the amount paid.
    """
    rate = oriented_rate(expense, home_currency)
    memo = expense_memo(expense)
    drafts: list[DraftLine] = []
    gross_total = Decimal(0)
    for line in expense.lines:
        split = split_line_tax(line.amount, line.tax, expense.currency)
        gross_total += split.gross
        drafts.append(_debit_line(expense, line, split.expense, memo, rate))
        if split.recoverable != 0 and line.tax is not None and line.tax.recoverable_account:
            drafts.append(
                DraftLine(
                    account=line.tax.recoverable_account,
                    amount=split.recoverable,
                    role=LineRole.TAX,
                    # Dimensions follow the tax line so a class/location P&L can still see the
                    # tax its activity reclaimed; batching merges them by the same key anyway.
                    dimensions=line.dimensions,
                    memo=f"{line.tax.code} on {line.memo or memo}",
                    quantity=None,
                    unit=None,
                    entity=None,
                    tax_code=line.tax.code,
                    rate=rate,
                    expense_key=expense.expense_key,
                )
            )
    drafts.append(
        DraftLine(
            account=expense.credit_account,
            amount=-gross_total,
            role=LineRole.CREDIT,
            dimensions=Dimensions(),  # who-paid accounts are balance-sheet: no class (example 1)
            memo=memo,
            quantity=None,
            unit=None,
            entity=expense.credit_entity,
            tax_code=None,
            rate=rate,
            expense_key=expense.expense_key,
        )
    )
    return drafts


def _debit_line(
    expense: CodedExpense, line: CodedLine, amount: Decimal, memo: str, rate: FxRate | None
) -> DraftLine:
    quantity = line.quantity
    if quantity is not None and line.amount < 0 < quantity:
        quantity = -quantity  # a refunded fill-up gives the litres back
    if not line.memo and line.quantity is not None and line.unit:
        memo = f"{memo} ({quantity_memo(line.quantity, line.unit)})"  # fuel: "Pilot 2024-03-01 (78.5 gal)"
    return DraftLine(
        account=line.account,
        amount=amount,
        role=LineRole.ASSET if line.kind is LineKind.ASSET else LineRole.EXPENSE,
        dimensions=line.dimensions,
        memo=line.memo or memo,
        quantity=quantity,
        unit=line.unit,
        entity=None,
        tax_code=line.tax.code if line.tax is not None else None,
        rate=rate,
        expense_key=expense.expense_key,
    )
