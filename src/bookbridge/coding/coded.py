"""The coded expense: what coding hands to the journal builder (pure data, no database).

These types live in ``coding`` rather than ``journal`` because coding *produces* them and the
layer contract in pyproject.toml lets ``journal`` import ``coding`` but not the reverse.
:mod:`bookbridge.journal.model` re-exports them, so either import path names the same classes.

Sign convention: amounts are in the expense's own (transaction) currency, as paid. A positive
amount is a cost (debit the expense, credit who paid); a negative amount is a refund and the
builder swaps the sides (ACCOUNTING.md example 2).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from bookbridge.coding.fx import FxRate
from bookbridge.coding.tax import TaxTreatment, round_minor
from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import MoneyError


class PostingType(StrEnum):
    """Who paid, which decides the credit side (ACCOUNTING.md, "posting type").

    The credit account itself always comes from the template (``CodedExpense.credit_account``);
    the posting type says what kind of account that is and which entity it needs.
    """

    EXPENSE = "expense"  # company-paid, credit as mapped (e.g. payroll clearing for driver pay)
    REIMBURSABLE = "reimbursable"  # the employee paid: credit employee payable, entity = employee
    COMPANY_CARD = "company_card"  # credit the card's liability account
    CASH = "cash"  # credit petty cash
    BANK = "bank"  # credit the bank account
    BILL = "bill"  # supplier invoice: credit accounts payable, entity = vendor
    ASSET = "asset"  # capitalised purchase (tyre set): lines are assets, credit as mapped


class LineKind(StrEnum):
    """What a debit-side line is, for connectors that post expenses and assets differently."""

    EXPENSE = "expense"
    ASSET = "asset"


class EntityKind(StrEnum):
    """The kind of party a line is booked against in the accounting system's sub-ledger."""

    VENDOR = "vendor"
    EMPLOYEE = "employee"


@dataclass(frozen=True, slots=True)
class Entity:
    """A vendor or employee a line is booked against (A/P with the vendor, payable to the employee)."""

    name: str
    kind: EntityKind

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EntityKind(self.kind))


class Dimensions(Mapping[str, str]):
    """An immutable, hashable mapping of dimension name to value (class, department, location, project).

    Hashable so that batching can use it as part of a grouping key; keys are kept sorted so two
    equal mappings always print and hash the same.
    """

    __slots__ = ("_items",)

    def __init__(self, values: Mapping[str, str] | None = None, /, **kwargs: str) -> None:
        merged = {**(dict(values) if values else {}), **kwargs}
        for key, value in merged.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"dimension {key!r}: names and values must be text")
        self._items: tuple[tuple[str, str], ...] = tuple(sorted(merged.items()))

    def __getitem__(self, key: str) -> str:
        for name, value in self._items:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dimensions):
            return self._items == other._items
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Dimensions({dict(self._items)!r})"

    def as_dict(self) -> dict[str, str]:
        """A plain dict copy, for JSON output."""
        return dict(self._items)


def _as_decimal(owner: str, name: str, value: object) -> Decimal:
    """Accept Decimal or int; refuse floats loudly because money is never a float."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise MoneyError(f"{owner}: {name} must be a Decimal, not {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class CodedLine:
    """One debit-side share of an expense after splits and per-diem.

    Attributes:
        account: the ledger account to debit (expense or asset).
        amount: in the expense currency; gross when the tax mode is inclusive or none, net when
            exclusive (see :mod:`bookbridge.coding.tax`). Negative on a refund.
        dimensions: class / department / location / project values for this line.
        memo: line description; mileage lines read ``"120 mi @ 0.70"``.
        quantity: units behind the amount (miles, litres), when the source gives them.
        unit: what ``quantity`` counts (``"mi"``, ``"km"``, ``"L"``, ``"gal"``).
        unit_price: price per unit, for lines computed as quantity × rate (mileage).
        tax: the line's tax treatment, or ``None`` for no tax.
        kind: expense or asset (a capitalised tyre set).
    """

    account: str
    amount: Decimal
    dimensions: Dimensions = field(default_factory=Dimensions)
    memo: str = ""
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    tax: TaxTreatment | None = None
    kind: LineKind = LineKind.EXPENSE

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _as_decimal(f"line {self.account!r}", "amount", self.amount))
        if not isinstance(self.dimensions, Dimensions):
            object.__setattr__(self, "dimensions", Dimensions(self.dimensions))
        for name in ("quantity", "unit_price"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _as_decimal(f"line {self.account!r}", name, value))
        object.__setattr__(self, "kind", LineKind(self.kind))


@dataclass(frozen=True, slots=True)
class CodedExpense:
    """An approved expense with its coding: everything the journal builder needs, nothing more.

    Attributes:
        expense_id: the book's id of the expense (for messages).
        expense_key: the stable content key from import; journal keys and lineage use it.
        date: the expense (transaction) date; it dates the entry and picks the rate.
        currency: ISO code of the transaction currency.
        amount: the total paid, tax included; negative for a refund. Must equal the sum of the
            lines' gross amounts (:func:`bookbridge.coding.tax.gross_of`).
        posting_type: who paid (decides what the credit account is).
        credit_account: the card liability, employee payable, bank, A/P or payroll clearing.
        lines: the debit-side shares.
        credit_entity: the vendor (bills) or employee (reimbursables) the credit is booked against.
        tax_amount: the tax the source stated, if any; used only to cross-check the computed tax.
        employee: who incurred the expense (grouping per employee per day).
        vendor: merchant or supplier name.
        report_id: the expense report it belongs to (grouping per report).
        memo: entry description; defaults to vendor and date when empty.
        rate: transaction-to-home rate; ``None`` when the expense is in the home currency.
        template_version: the mapping-template version that coded it.
        rules_fired: ids of the rules that changed its coding, in firing order.
    """

    expense_id: str
    expense_key: str
    date: date
    currency: str
    amount: Decimal
    posting_type: PostingType
    credit_account: str
    lines: tuple[CodedLine, ...]
    credit_entity: Entity | None = None
    tax_amount: Decimal | None = None
    employee: str | None = None
    vendor: str | None = None
    report_id: str | None = None
    memo: str = ""
    rate: FxRate | None = None
    template_version: int = 0
    rules_fired: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        owner = f"expense {self.expense_id}"
        object.__setattr__(self, "currency", _currency(self.currency).code)
        object.__setattr__(self, "amount", _as_decimal(owner, "amount", self.amount))
        if self.tax_amount is not None:
            object.__setattr__(self, "tax_amount", _as_decimal(owner, "tax_amount", self.tax_amount))
        object.__setattr__(self, "posting_type", PostingType(self.posting_type))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "rules_fired", tuple(self.rules_fired))


def quantity_memo(quantity: Decimal, unit: str, unit_price: Decimal | None = None) -> str:
    """``"120 mi @ 0.70"`` or ``"45.5 L"``: the memo of a quantity-priced line.

    Trailing zeros of the quantity are dropped (``120`` not ``120.0``); the unit price keeps its
    own decimals as configured (``0.70``), because that is how a mileage rate is quoted.
    """
    shown = quantity.normalize()
    if shown == shown.to_integral_value():
        shown = shown.quantize(Decimal(1))
    text = f"{shown:f} {unit}"
    return f"{text} @ {unit_price:f}" if unit_price is not None else text


def quantity_line(
    account: str,
    quantity: Decimal,
    unit: str,
    unit_price: Decimal,
    currency_code: str,
    *,
    dimensions: Mapping[str, str] | None = None,
    tax: TaxTreatment | None = None,
    kind: LineKind = LineKind.EXPENSE,
) -> CodedLine:
    """A line priced as quantity × unit price (mileage: 120 mi × 0.70 = 84.00).

    The amount is rounded half-up to the currency's minor unit once, on the product, so the
    memo's figures reproduce it.
    """
    amount = round_minor(quantity * unit_price, currency_code)
    return CodedLine(
        account=account,
        amount=amount,
        dimensions=Dimensions(dimensions),
        memo=quantity_memo(quantity, unit, unit_price),
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        tax=tax,
        kind=kind,
    )
