"""Provider-neutral data that crosses the connector boundary, in both directions.

Documents going out (:class:`JournalDocument`, :class:`PurchaseDocument`, :class:`BillDocument`)
say *what* to post in our own terms; each connector maps them to its vendor's payload. Records
coming back (accounts, vendors, dimensions, tax, currencies, changes) are plain frozen values, so
they can cross threads and never drag an HTTP session or an ORM object along.

Conventions:
    * Money is ``Decimal`` (see :mod:`bookbridge.core.money`), never float; ``currency`` is ISO 4217.
    * ``exchange_rate`` is home-currency units per one unit of the document currency; ``None``
      means "the document is in the home currency" (or "let the accounting system decide").
    * ``id`` fields hold the identifier the accounting system itself uses (QBO/NetSuite internal
      id, Xero account code or UUID, Intacct ACCOUNTNO...).
    * ``key`` is our idempotency key for a document: stable across retries, unique per document
      revision. Connectors derive the vendor's idempotency token from it deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Mapping, Union


class DocumentKind(StrEnum):
    """What a posted or changed object is, in our vocabulary."""

    JOURNAL_ENTRY = "journal_entry"
    PURCHASE = "purchase"
    BILL = "bill"
    VENDOR = "vendor"
    ATTACHMENT = "attachment"


class AccountClass(StrEnum):
    """What an account is for, in every provider's chart (the values of the book's ``AccountKind``)."""

    EXPENSE = "expense"
    ASSET = "asset"
    LIABILITY = "liability"
    CREDIT_CARD = "credit_card"
    BANK = "bank"
    PAYABLE = "payable"
    INCOME = "income"
    EQUITY = "equity"


class PaymentType(StrEnum):
    """How an expense was paid (QBO PaymentType; Xero SPEND money; Intacct charge card...)."""

    CARD = "card"
    CASH = "cash"
    CHECK = "check"


class TaxMode(StrEnum):
    """Whether line amounts include tax (QBO GlobalTaxCalculation, Xero LineAmountTypes)."""

    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"
    NOT_APPLICABLE = "not_applicable"


class EntityKind(StrEnum):
    """Who a journal line is about (QBO Entity, NetSuite entity, Intacct vendorid/employeeid)."""

    VENDOR = "vendor"
    CUSTOMER = "customer"
    EMPLOYEE = "employee"


class ChangeOperation(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# --- references inside outgoing documents ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A pointer to a list entry in the accounting system (account, vendor, tax code...)."""

    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class DimensionRef:
    """A value of one analysis dimension on a line.

    ``kind`` is ours: ``class``, ``department``, ``location``, ``project``, ``customer``, or
    ``tracking:<category name>`` for Xero tracking categories and ``custom:<id>`` for NetSuite
    custom segments / Intacct user-defined dimensions. A connector rejects kinds its system lacks.
    """

    kind: str
    id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class EntityRef:
    """The vendor, customer or employee a line or document concerns."""

    kind: EntityKind
    id: str
    name: str | None = None


# --- outgoing documents --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One debit or credit; exactly one of ``debit`` and ``credit`` is non-zero."""

    account: Ref
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    description: str = ""
    dimensions: tuple[DimensionRef, ...] = ()
    entity: EntityRef | None = None
    tax_code: Ref | None = None
    tax_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class JournalDocument:
    """A balanced journal entry (QBO JournalEntry, Xero ManualJournal, Intacct GLBATCH...)."""

    kind: ClassVar[DocumentKind] = DocumentKind.JOURNAL_ENTRY

    key: str
    date: dt.date
    currency: str
    lines: tuple[JournalLine, ...]
    doc_number: str | None = None
    memo: str = ""
    exchange_rate: Decimal | None = None
    tax_mode: TaxMode | None = None


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    """One expense line of a purchase or bill; ``amount`` is positive."""

    account: Ref
    amount: Decimal
    description: str = ""
    dimensions: tuple[DimensionRef, ...] = ()
    tax_code: Ref | None = None
    tax_amount: Decimal | None = None
    customer: Ref | None = None
    billable: bool = False


@dataclass(frozen=True, slots=True)
class PurchaseDocument:
    """An expense paid at once from a bank, cash or card account (QBO Purchase, Xero SPEND).

    ``is_refund`` turns it into money coming back to the card (QBO ``Credit: true``).
    ``dimensions`` are header-level (QBO puts Department/Location on the header).
    """

    kind: ClassVar[DocumentKind] = DocumentKind.PURCHASE

    key: str
    date: dt.date
    currency: str
    payment_type: PaymentType
    paying_account: Ref
    lines: tuple[ExpenseLine, ...]
    vendor: Ref | None = None
    doc_number: str | None = None
    memo: str = ""
    exchange_rate: Decimal | None = None
    tax_mode: TaxMode | None = None
    is_refund: bool = False
    dimensions: tuple[DimensionRef, ...] = ()


@dataclass(frozen=True, slots=True)
class BillDocument:
    """A supplier bill to be paid later (QBO Bill, Xero ACCPAY invoice, Intacct APBILL)."""

    kind: ClassVar[DocumentKind] = DocumentKind.BILL

    key: str
    date: dt.date
    currency: str
    vendor: Ref
    lines: tuple[ExpenseLine, ...]
    due_date: dt.date | None = None
    ap_account: Ref | None = None
    doc_number: str | None = None
    memo: str = ""
    exchange_rate: Decimal | None = None
    tax_mode: TaxMode | None = None
    dimensions: tuple[DimensionRef, ...] = ()


Document = Union[JournalDocument, PurchaseDocument, BillDocument]


@dataclass(frozen=True, slots=True)
class VendorDraft:
    """A vendor to create remotely (when coding meets a payee the books do not know yet)."""

    key: str
    name: str
    currency: str | None = None
    email: str | None = None


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RemoteDocument:
    """Where a document lives in the accounting system."""

    kind: DocumentKind
    remote_id: str


@dataclass(frozen=True, slots=True)
class PostResult:
    """What the accounting system answered to a successful post.

    ``raw`` is the vendor's parsed answer (Decimals for numbers), kept for the sync log and for
    fields we do not model yet; treat it as read-only.
    """

    kind: DocumentKind
    key: str
    remote_id: str
    doc_number: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    attempts: int = 1
    updated_at: dt.datetime | None = None
    # The provider's own mark of this version of the document (QBO SyncToken, Xero UpdatedDateUTC,
    # Intacct WHENMODIFIED, NetSuite lastModifiedDate): a later change with another mark is an edit.
    version: str | None = None

    @property
    def remote(self) -> RemoteDocument:
        return RemoteDocument(self.kind, self.remote_id)


@dataclass(frozen=True, slots=True)
class AttachmentResult:
    """A file attached to a posted document."""

    remote_id: str
    filename: str
    attached_to: RemoteDocument
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


# --- reference data pulled from the accounting system ---------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: str
    name: str
    active: bool
    type: str = ""
    subtype: str = ""
    classification: str = ""
    number: str | None = None
    currency: str | None = None
    full_name: str | None = None
    parent_id: str | None = None
    # The provider's own type folded into one neutral class by the connector, so the sync engine
    # can copy any system's chart of accounts; ``None`` for a type no class fits.
    account_class: AccountClass | None = None


@dataclass(frozen=True, slots=True)
class VendorRecord:
    id: str
    name: str
    active: bool
    currency: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class DimensionRecord:
    """A value of an analysis dimension (QBO Class or Department, Xero tracking option...)."""

    kind: str
    id: str
    name: str
    active: bool
    full_name: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaxRateRecord:
    id: str
    name: str
    rate: Decimal
    active: bool
    agency_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaxCodeRecord:
    id: str
    name: str
    active: bool
    description: str = ""
    taxable: bool | None = None
    purchase_rate_ids: tuple[str, ...] = ()
    sales_rate_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CurrencyRecord:
    code: str
    name: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class ExchangeRateRecord:
    """``rate`` target-currency (home) units per one source-currency unit on ``as_of``."""

    source_currency: str
    target_currency: str
    rate: Decimal
    as_of: dt.date


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    """The company behind a connection, with the settings posting depends on."""

    company_id: str
    name: str
    home_currency: str | None
    multicurrency: bool
    closed_books_date: dt.date | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One object created, changed or deleted remotely since a point in time.

    ``record`` is the parsed reference record when the connector models that kind (accounts,
    vendors, dimensions...), else ``None``; ``raw`` is always the vendor's object.
    """

    kind: str
    remote_id: str
    operation: ChangeOperation
    changed_at: dt.datetime | None
    record: object | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Same mark as :attr:`PostResult.version`, so the sync engine compares versions without knowing
    # which system it talks to; ``None`` when the provider gives none.
    version: str | None = None


@dataclass(frozen=True, slots=True)
class QuotaWindow:
    """Requests left in one of the vendor's rate windows, as our limiter counts them."""

    name: str
    limit: int
    remaining: int
    seconds: float


@dataclass(frozen=True, slots=True)
class QuotaSnapshot:
    """How much of the vendor's published limits this connection has left right now."""

    provider: str
    company_id: str
    windows: tuple[QuotaWindow, ...]
    max_concurrent: int | None
    in_flight: int

    def remaining(self, name: str) -> int | None:
        """Requests left in the window called ``name`` (``None`` when there is no such window)."""
        for window in self.windows:
            if window.name == name:
                return window.remaining
        return None


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found by a check: data, not an exception (ARCHITECTURE principle 4)."""

    severity: Severity
    field: str
    message: str
