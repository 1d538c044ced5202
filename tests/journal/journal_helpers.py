"""Small builders for coded expenses and a compact view of built entries, shared by the journal tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bookbridge.journal.model import CodedExpense, CodedLine, Entity, FxRate, JournalEntry, PostingType

D = Decimal


def coded(
    key: str,
    amount: str,
    *lines: CodedLine,
    posting: PostingType = PostingType.COMPANY_CARD,
    credit: str = "Visa 4444",
    on: date = date(2024, 3, 4),
    currency: str = "USD",
    entity: Entity | None = None,
    rate: FxRate | None = None,
    **extra: Any,
) -> CodedExpense:
    """A coded expense; with no lines given, one line 'Expenses' for the whole amount."""
    if not lines:
        lines = (CodedLine("Expenses", D(amount)),)
    return CodedExpense(
        expense_id=key,
        expense_key=key,
        date=on,
        currency=currency,
        amount=D(amount),
        posting_type=posting,
        credit_account=credit,
        lines=tuple(lines),
        credit_entity=entity,
        rate=rate,
        **extra,
    )


def rows(entry: JournalEntry) -> list[tuple[str, str, str]]:
    """(account, debit, credit) as strings in transaction currency, in line order."""
    return [(line.account, str(line.debit), str(line.credit)) for line in entry.lines]


def home_rows(entry: JournalEntry) -> list[tuple[str, str, str]]:
    """(account, home debit, home credit) as strings, in line order."""
    return [(line.account, str(line.home_debit), str(line.home_credit)) for line in entry.lines]
