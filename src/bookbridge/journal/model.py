"""The journal builder's contract: what goes in (re-exported from coding) and what comes out.

Inputs (defined in ``coding`` because coding produces them and may not import ``journal``):
:class:`CodedExpense` with its :class:`CodedLine` shares, :class:`TaxTreatment`, :class:`FxRate`.
Outputs: :class:`JournalEntry` made of :class:`JournalLine`. All frozen: a built entry is a value,
and a posted one is never edited (a correction is a reversing entry, see ``journal.reversal``).

Amounts: ``debit``/``credit`` are in the entry's transaction currency and ``home_debit``/
``home_credit`` in the book's home currency, each rounded to its currency's minor unit; on every
line at most one of debit/credit is non-zero (same for the home pair, which always sits on the
same side as the transaction pair).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bookbridge.coding.coded import (
    CodedExpense,
    CodedLine,
    Dimensions,
    Entity,
    EntityKind,
    LineKind,
    PostingType,
    quantity_line,
    quantity_memo,
)
from bookbridge.coding.fx import FxRate
from bookbridge.coding.tax import TaxMode, TaxTreatment

__all__ = [
    "CodedExpense",
    "CodedLine",
    "Dimensions",
    "Entity",
    "EntityKind",
    "FxRate",
    "Grouping",
    "JournalEntry",
    "JournalLine",
    "LineKind",
    "LineRole",
    "PostingType",
    "TaxMode",
    "TaxTreatment",
    "quantity_line",
    "quantity_memo",
]


class Grouping(StrEnum):
    """How expenses are gathered into entries (the options the best expense tools offer)."""

    PER_EXPENSE = "expense"  # one entry per expense
    PER_REPORT = "report"  # one entry per expense report (no report: its own entry)
    PER_EMPLOYEE_DAY = "employee_day"  # one entry per employee per day
    DAY = "day"  # one batched entry per day
    WEEK = "week"  # one batched entry per ISO week, cut at month ends
    MONTH = "month"  # one batched entry per calendar month


class LineRole(StrEnum):
    """Why a journal line exists, so connectors and the GUI can treat lines by purpose."""

    EXPENSE = "expense"  # debit side: expense account (net + non-recoverable tax)
    ASSET = "asset"  # debit side: capitalised asset
    TAX = "tax"  # recoverable tax (VAT receivable / sales tax receivable)
    CREDIT = "credit"  # who paid: card, employee payable, bank, A/P, payroll clearing
    SETTLEMENT = "settlement"  # the bank side of a reimbursement or payment
    FX = "fx"  # realised foreign-exchange gain or loss


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One line of a journal entry.

    Attributes:
        account: ledger account name or code, as the template gave it.
        debit: transaction-currency debit (0 when the line is a credit).
        credit: transaction-currency credit (0 when the line is a debit).
        home_debit: home-currency debit.
        home_credit: home-currency credit.
        currency: the transaction currency (same as the entry's).
        rate: home units per transaction unit used for this line (1 in the home currency).
        rate_source: where the rate came from (``"ECB"``, ``"manual"``, ``"home currency"``).
        rate_date: the rate's as-of date; ``None`` for the home currency.
        role: why the line exists (expense, tax, credit...).
        dimensions: class / department / location / project.
        memo: line description.
        quantity: summed units (miles, litres) when every source line had the same unit.
        unit: the unit of ``quantity``.
        entity: the vendor or employee the line is booked against.
        tax_code: the tax code of the source line(s), for systems that want it on the line.
        source_expense_keys: the expenses whose amounts make up this line (lineage), sorted.
    """

    account: str
    debit: Decimal
    credit: Decimal
    home_debit: Decimal
    home_credit: Decimal
    currency: str
    rate: Decimal
    rate_source: str
    rate_date: date | None
    role: LineRole
    dimensions: Dimensions = field(default_factory=Dimensions)
    memo: str = ""
    quantity: Decimal | None = None
    unit: str | None = None
    entity: Entity | None = None
    tax_code: str | None = None
    source_expense_keys: tuple[str, ...] = ()

    @property
    def amount(self) -> Decimal:
        """Signed transaction amount: positive for a debit, negative for a credit."""
        return self.debit - self.credit

    @property
    def home_amount(self) -> Decimal:
        """Signed home amount: positive for a debit, negative for a credit."""
        return self.home_debit - self.home_credit


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced journal entry built from one or more coded expenses.

    Attributes:
        key: deterministic id from the grouping and the sorted source expense keys; the outbox
            uses it as the idempotency key, so the same sources always give the same key.
        date: the entry date (see ``journal.grouping`` for how batches are dated).
        memo: entry description.
        currency: transaction currency shared by every line.
        home_currency: the book's home currency.
        lines: the lines, debits first in source order, then credits.
        template_versions: the distinct template versions that coded the sources, ascending.
        source_expense_keys: every expense the entry carries (lineage), sorted.
        grouping: how the sources were gathered.
        reverses_key: for a reversing entry, the key of the entry it cancels.
    """

    key: str
    date: date
    memo: str
    currency: str
    home_currency: str
    lines: tuple[JournalLine, ...]
    template_versions: tuple[int, ...] = ()
    source_expense_keys: tuple[str, ...] = ()
    grouping: Grouping = Grouping.PER_EXPENSE
    reverses_key: str | None = None

    @property
    def template_version(self) -> int | None:
        """The single template version that coded the entry, or the newest one in a batch."""
        return max(self.template_versions) if self.template_versions else None

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal(0))

    @property
    def home_total_debit(self) -> Decimal:
        return sum((line.home_debit for line in self.lines), Decimal(0))

    @property
    def home_total_credit(self) -> Decimal:
        return sum((line.home_credit for line in self.lines), Decimal(0))

    def is_balanced(self) -> bool:
        """True when debits equal credits in both the transaction and the home currency."""
        return self.total_debit == self.total_credit and self.home_total_debit == self.home_total_credit
