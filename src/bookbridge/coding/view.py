"""The expense as the coding engine sees it: a frozen, database-free snapshot.

The engine, rules and previews work on :class:`ExpenseView` rather than on ORM rows so they stay
pure (testable without a book) and can run on a worker thread; :mod:`bookbridge.coding.loading`
builds views from the book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from bookbridge.core.money import Money


def _frozen_fields(values: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, slots=True)
class ExpenseView:
    """One expense, as imported and normalised, ready to be coded.

    Attributes:
        id: the book's id of the expense, as text (for messages and lineage).
        key: the stable content key from import.
        date: the transaction date; it picks the template version in effect.
        vendor: the normalised vendor name (or the raw one when none was matched).
        category: the expense category as the source named it.
        amount: the total paid, tax included; negative for a refund.
        tax: the tax the source stated, if any.
        payment_method: ``company_card``, ``reimbursable``, ``cash`` or ``bank``.
        employee: who incurred it.
        card: the card's name or last digits (``"Visa 4444"``) for card spend.
        report_id: the expense report it belongs to.
        memo: the source's description.
        fields: custom fields (vehicle id, litres, miles, city...) as canonical text.
    """

    id: str
    key: str
    date: date
    vendor: str | None
    category: str | None
    amount: Money
    tax: Money | None = None
    payment_method: str = "company_card"
    employee: str | None = None
    card: str | None = None
    report_id: str | None = None
    memo: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "fields", _frozen_fields(self.fields))

    @property
    def currency(self) -> str:
        return self.amount.currency

    def field(self, name: str) -> str | None:
        """A custom field's value; names compare case-insensitively (sources disagree on case)."""
        if name in self.fields:
            return self.fields[name]
        wanted = name.casefold()
        return next((value for key, value in self.fields.items() if key.casefold() == wanted), None)

    def with_category(self, category: str | None) -> "ExpenseView":
        """A copy with another category (what a ``set_category`` rule produces)."""
        return replace(self, category=category)

    def __hash__(self) -> int:
        return hash((self.id, self.key))
