"""What a mapping template says, as frozen values (no database, no YAML).

A template maps an expense category, optionally narrowed by vendor, payment method or a custom
field, to a ledger account, a posting type, a tax code and dimensions; it also names the credit
accounts per payment method and per card, the tax codes it uses, and carries the ordered rules.
A :class:`TemplateVersionSpec` is one published (immutable) version of that content.

Account codes are text exactly as the chart of accounts spells them ("6100", "2210-VISA").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from bookbridge.coding.coded import PostingType
from bookbridge.coding.rules import RuleSpec
from bookbridge.coding.tax import TaxMode, TaxTreatment

# The analysis dimensions the book knows (store.models.DimensionKind); templates may use only these.
DIMENSION_NAMES = ("class", "department", "location", "project")

# Payment methods an expense can carry (store.models.PaymentMethod) and the credit they imply.
PAYMENT_METHODS = ("company_card", "reimbursable", "cash", "bank")
CREDIT_SOURCES = ("company_card", "reimbursable", "cash", "bank", "bill")


def _frozen(values: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(sorted((values or {}).items())))


@dataclass(frozen=True, slots=True)
class TaxCodeSpec:
    """A tax code the template uses, with how it is booked.

    Attributes:
        code: the code as the accounting system knows it ("VAT10").
        rate: the rate as a fraction (0.10 for 10 %).
        mode: inclusive, exclusive or none (see :class:`bookbridge.coding.tax.TaxMode`).
        recoverable: the reclaimable fraction of the tax, 0..1.
        account: where the recoverable part is debited; required when ``recoverable`` > 0.
    """

    code: str
    rate: Decimal
    mode: TaxMode = TaxMode.INCLUSIVE
    recoverable: Decimal = Decimal(0)
    account: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", TaxMode(self.mode))

    def treatment(self, recoverable: Decimal | None = None) -> TaxTreatment:
        """The journal contract's treatment, with an optional per-mapping recoverable override."""
        return TaxTreatment(
            code=self.code,
            rate=self.rate,
            mode=self.mode,
            recoverable=self.recoverable if recoverable is None else recoverable,
            recoverable_account=self.account,
        )


@dataclass(frozen=True, slots=True)
class QuantitySpec:
    """A quantity read from a custom field: kept on the line, or pricing it.

    Without ``rate``/``rate_field`` the quantity is informational (fuel litres kept as
    quantity and memo "45.5 L"). With one of them the line is priced as quantity × rate
    (mileage: 120 mi × 0.70 = 84.00) and that product replaces the source amount.

    Attributes:
        field: the custom field holding the quantity ("litres", "miles").
        unit: what it counts ("L", "mi", "km", "gal").
        rate: a fixed price per unit (the per-mile rate).
        rate_field: a custom field holding the price per unit, when the source gives it.
    """

    field: str
    unit: str
    rate: Decimal | None = None
    rate_field: str | None = None

    @property
    def priced(self) -> bool:
        return self.rate is not None or self.rate_field is not None


@dataclass(frozen=True, slots=True)
class FieldLineSpec:
    """An extra line made from a custom field: quantity × rate on its own account.

    Example: a TMS trip record carries driver pay as its amount and ``miles`` as a field; the
    template adds a mileage allowance line of miles × 0.70 to account 6300.
    """

    field: str
    unit: str
    account: str
    rate: Decimal | None = None
    rate_field: str | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", _frozen(self.dimensions))


@dataclass(frozen=True, slots=True)
class MappingSpec:
    """How one category (optionally narrowed) is coded.

    Attributes:
        category: the category it applies to (compared case-insensitively).
        account: the debit account code (expense or asset).
        vendor: narrows the mapping to one vendor (case-insensitive equality).
        payment_method: narrows it to one payment method.
        field_name: with ``field_value``, narrows it to expenses whose custom field has that value.
        field_value: see ``field_name``.
        posting_type: overrides the posting type the payment method implies (``asset`` for a
            capitalised tyre set, ``expense`` for driver pay credited to payroll clearing).
        credit_account: an explicit credit account (payroll clearing, A/P for an asset bill).
        tax_code: a code from the template's ``tax_codes``.
        tax_recoverable: overrides the tax code's recoverable fraction for this mapping.
        dimensions: fixed dimension values.
        dimension_fields: dimension name → custom field that feeds it (class ← vehicle_id).
        quantity: a quantity kept on, or pricing, the line.
        field_lines: extra lines made from custom fields.
        memo: a memo for the line; empty keeps the expense memo.
    """

    category: str
    account: str
    vendor: str | None = None
    payment_method: str | None = None
    field_name: str | None = None
    field_value: str | None = None
    posting_type: PostingType | None = None
    credit_account: str | None = None
    tax_code: str | None = None
    tax_recoverable: Decimal | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)
    dimension_fields: Mapping[str, str] = field(default_factory=dict)
    quantity: QuantitySpec | None = None
    field_lines: tuple[FieldLineSpec, ...] = ()
    memo: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", _frozen(self.dimensions))
        object.__setattr__(self, "dimension_fields", _frozen(self.dimension_fields))
        if self.posting_type is not None:
            object.__setattr__(self, "posting_type", PostingType(self.posting_type))
        object.__setattr__(self, "field_lines", tuple(self.field_lines))

    @property
    def selector(self) -> tuple[str, str, str, str, str]:
        """What the mapping matches on, normalised: two mappings may not share one."""
        return (
            self.category.casefold(),
            (self.vendor or "").casefold(),
            self.payment_method or "",
            (self.field_name or "").casefold(),
            (self.field_value or "").casefold(),
        )

    @property
    def label(self) -> str:
        """How diffs and messages name the mapping: ``Fuel [vendor Shell, card]``."""
        narrowing = []
        if self.vendor:
            narrowing.append(f"vendor {self.vendor}")
        if self.payment_method:
            narrowing.append(self.payment_method.replace("_", " "))
        if self.field_name:
            narrowing.append(f"{self.field_name}={self.field_value}")
        return f"{self.category} [{', '.join(narrowing)}]" if narrowing else self.category

    @property
    def specificity(self) -> int:
        """How many narrowing criteria the mapping has; the most specific match wins."""
        return sum(1 for value in (self.vendor, self.payment_method, self.field_name) if value)


@dataclass(frozen=True, slots=True)
class CreditAccounts:
    """The credit side per payment method, and per card for company-card spend.

    Attributes:
        company_card: the default card liability account when a card is not listed in ``cards``.
        reimbursable: employee reimbursements payable.
        cash: petty cash.
        bank: the bank account.
        bill: accounts payable.
        cards: card name ("Visa 4444") → its liability account.
    """

    company_card: str | None = None
    reimbursable: str | None = None
    cash: str | None = None
    bank: str | None = None
    bill: str | None = None
    cards: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cards", _frozen(self.cards))

    def for_source(self, source: str) -> str | None:
        """The account for a payment method or ``bill``."""
        return getattr(self, source) if source in CREDIT_SOURCES else None

    def for_card(self, card: str | None) -> str | None:
        """The card's own account (names compare case-insensitively), else the default."""
        if card:
            wanted = card.strip().casefold()
            for name, account in self.cards.items():
                if name.strip().casefold() == wanted:
                    return account
        return self.company_card


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """The whole content of a template version (what export writes and import reads).

    Attributes:
        name: the template's name ("Fleet").
        effective_from: the version applies to expenses dated on or after this date.
        credit_accounts: the credit side per payment method and card.
        tax_codes: the tax codes mappings may use, by code.
        mappings: the category mappings, in file order.
        rules: the rules, in file order (they run by ``precedence``).
        description: free text for people.
    """

    name: str
    effective_from: date
    credit_accounts: CreditAccounts = field(default_factory=CreditAccounts)
    tax_codes: Mapping[str, TaxCodeSpec] = field(default_factory=dict)
    mappings: tuple[MappingSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tax_codes", MappingProxyType(dict(self.tax_codes)))
        object.__setattr__(self, "mappings", tuple(self.mappings))
        object.__setattr__(self, "rules", tuple(self.rules))


@dataclass(frozen=True, slots=True)
class TemplateVersionSpec:
    """One published, immutable version of a template.

    Attributes:
        number: 1, 2, 3... per template.
        spec: the content.
        id: the version's row id in the book (``None`` for a draft being previewed).
    """

    number: int
    spec: TemplateSpec
    id: int | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def effective_from(self) -> date:
        return self.spec.effective_from

    @property
    def rules(self) -> tuple[RuleSpec, ...]:
        return self.spec.rules


def select_version(versions: Sequence[TemplateVersionSpec], on: date) -> TemplateVersionSpec | None:
    """The version in effect on ``on``: the newest one whose effective date is on or before it.

    "Newest" is the highest version number, not the latest effective date: a later publish with an
    earlier effective date (a correction back-dated to the start of the year) wins for every
    date it covers, which is what publishing a correction means.
    """
    candidates = [v for v in versions if v.effective_from <= on]
    return max(candidates, key=lambda v: v.number, default=None)
