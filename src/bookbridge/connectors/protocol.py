"""The one protocol every accounting-system connector implements.

The sync engine talks only to this protocol: documents and reference data go through it as the
DTOs of :mod:`bookbridge.connectors.dto`, failures come out as the typed errors of
:mod:`bookbridge.connectors.errors`. Its shape was fixed against all four systems in ERP_FACTS.md:

* **Company**: QBO realmId, Xero tenantId, Intacct companyid(+entity), NetSuite account id all
  become ``company_id``.
* **Idempotency**: every write takes our ``key`` (in the document); the connector turns it into
  QBO ``requestid``, Xero ``Idempotency-Key``, Intacct function ``controlid``, NetSuite
  ``externalId``. ``find_by_key`` is the fallback when a vendor's replay window has passed.
* **Dimensions**: by kind (class, department, location, project, ``tracking:<name>``,
  ``custom:<id>``); each connector maps the kinds its system has and rejects the others. A system
  whose screens call a dimension by another kind's name says so in an optional
  ``dimension_aliases`` attribute (QBO: ``{"location": "department"}``), read through
  :func:`dimension_aliases`.
* **Replay window**: ``replay_window`` is how long the system answers a resend of the same key
  with what it did the first time; older sends of unknown fate are looked up by key before
  anything is sent again. ``None`` means a resend can never duplicate (NetSuite's upsert by
  ``externalId``).
* **Paging** is hidden: every listing is an iterator that fetches pages as it is consumed.
* **Authentication** is not part of a connector's surface: it receives an :class:`Authenticator`
  (OAuth tokens from the keyring for QBO/Xero/NetSuite, a session for Intacct's XML API).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping, Protocol, Sequence, runtime_checkable

from bookbridge.connectors.dto import (
    AccountRecord,
    AttachmentResult,
    BillDocument,
    ChangeRecord,
    CompanyRecord,
    CurrencyRecord,
    DimensionRecord,
    Document,
    DocumentKind,
    ExchangeRateRecord,
    JournalDocument,
    PostResult,
    PurchaseDocument,
    QuotaSnapshot,
    RemoteDocument,
    TaxCodeRecord,
    TaxRateRecord,
    VendorDraft,
    VendorRecord,
)
from bookbridge.connectors.errors import ConnectorError

NO_ALIASES: Mapping[str, str] = MappingProxyType({})


@runtime_checkable
class Authenticator(Protocol):
    """Supplies credentials for API calls and renews them when the server rejects them.

    An authenticator may also say whether a renewal that failed may be sent again within the same
    API call, in a ``renewal_is_repeatable`` attribute read through :func:`renewal_is_repeatable`:
    an Intacct XML sign-in opens one more session and spends nothing, but an OAuth refresh spends
    a refresh token that QBO and Xero rotate. Without it a renewal is assumed not repeatable.
    """

    def auth_headers(self) -> Mapping[str, str]:
        """Headers to add to the next request, renewing credentials first when they are about to expire.

        Raises:
            ReconnectRequired: the credentials cannot be renewed; the user must connect again.
        """
        ...

    def renew(self) -> None:
        """Renew credentials now, because the server answered 401 to the current ones."""
        ...


@runtime_checkable
class Connector(Protocol):
    """One company in one accounting system, as the sync engine sees it."""

    provider: str
    company_id: str
    # How long the system replays its first answer to a resend with the same key; ``None``: a
    # resend cannot duplicate at any age. Connection settings may override it.
    replay_window: timedelta | None

    # --- reference data (pull) ------------------------------------------------------------------
    def company(self) -> CompanyRecord:
        """The company's name, home currency, multicurrency setting and closed-books date."""
        ...

    def accounts(self, *, include_inactive: bool = True) -> Iterator[AccountRecord]: ...

    def vendors(self, *, include_inactive: bool = True) -> Iterator[VendorRecord]: ...

    def dimensions(self, *, include_inactive: bool = True) -> Iterator[DimensionRecord]:
        """Every value of every analysis dimension the system has (classes, departments...)."""
        ...

    def tax_codes(self, *, include_inactive: bool = True) -> Iterator[TaxCodeRecord]: ...

    def tax_rates(self, *, include_inactive: bool = True) -> Iterator[TaxRateRecord]: ...

    def currencies(self) -> Iterator[CurrencyRecord]:
        """Currencies enabled in the company (the home currency included)."""
        ...

    def exchange_rates(self, as_of: date, currencies: Iterable[str] | None = None) -> Iterator[ExchangeRateRecord]:
        """The system's own rates to the home currency on ``as_of`` (all enabled currencies if ``None``)."""
        ...

    def closed_books_date(self) -> date | None:
        """The last date of the closed period; documents dated on or before it are refused."""
        ...

    def changes_since(self, since: datetime, kinds: Iterable[str] | None = None) -> Iterator[ChangeRecord]:
        """Objects created, changed or deleted remotely since ``since`` (all modelled kinds if ``None``).

        Raises:
            ChangeWindowExpired: ``since`` is older than the vendor keeps changes; pull in full.
        """
        ...

    # --- documents (push) -------------------------------------------------------------------------
    def build_payload(self, doc: Document) -> dict:
        """The exact vendor payload ``doc`` would be posted as (for dry runs and the outbox).

        Raises:
            DocumentRejected: the document fails our own checks or this system's limits.
        """
        ...

    def push_journal_entry(self, doc: JournalDocument) -> PostResult: ...

    def push_purchase(self, doc: PurchaseDocument) -> PostResult: ...

    def push_bill(self, doc: BillDocument) -> PostResult: ...

    def push(self, doc: Document) -> PostResult:
        """Post any document kind (dispatches to the three methods above)."""
        ...

    def push_many(self, docs: Sequence[Document]) -> list[PostResult | ConnectorError]:
        """Post several documents, in bulk where the system allows; one result or error per document, in order."""
        ...

    def find_by_key(
        self, kind: DocumentKind, key: str, *, doc_number: str | None = None, txn_date: date | None = None
    ) -> PostResult | None:
        """A document we posted earlier with idempotency ``key``, or ``None``.

        ``doc_number`` and ``txn_date`` narrow the search where the system cannot search by key.
        """
        ...

    def create_vendor(self, draft: VendorDraft) -> VendorRecord: ...

    def upload_attachment(
        self, target: RemoteDocument, filename: str, content: bytes, mime_type: str
    ) -> AttachmentResult: ...

    # --- housekeeping ------------------------------------------------------------------------------
    def quota(self) -> QuotaSnapshot:
        """Requests left under the vendor's published limits, as this process counts them."""
        ...

    def close(self) -> None:
        """Release the HTTP session."""
        ...


def renewal_is_repeatable(authenticator: object) -> bool:
    """Whether the HTTP layer's retries may run a failed renewal of ``authenticator``'s credentials again.

    Optional on an authenticator, hence read here rather than declared as a protocol member that
    every one (tests' included) would have to carry; without it the answer is the safe one, no.
    """
    return bool(getattr(authenticator, "renewal_is_repeatable", False))


def dimension_aliases(connector: object) -> Mapping[str, str]:
    """Our dimension kinds that ``connector``'s system files under another kind (``location`` → ``department``).

    Optional on a connector (most systems have none), hence read here rather than declared as a
    protocol member that every connector would have to carry.
    """
    return getattr(connector, "dimension_aliases", NO_ALIASES)
