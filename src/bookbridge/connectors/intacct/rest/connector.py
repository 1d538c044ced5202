"""The Sage Intacct REST connector: OAuth 2.0 tokens, the query service, object creates found again by key.

Implements :class:`bookbridge.connectors.protocol.Connector` for one company. Reads go through
the query service (:mod:`.query`); documents are created with ``POST /objects/<object>``
(answer ``201`` with ``{"ia::result": {"key", "id", "href"}}``), then read back once for their
``audit.modifiedDateTime`` (our version mark).

No REST idempotency header is relied on (UNCONFIRMED in ERP_FACTS §3.5). A create whose answer
was lost (connection cut after sending, 5xx) is looked up by the key marker in its description
before anything is resent, so a retry cannot post it twice; the sync engine does the same lookup
through :meth:`find_by_key` after a crash.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from bookbridge.connectors import jsonwire
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
from bookbridge.connectors.errors import ConnectorError, DuplicateDocument, ServerError, TransportError
from bookbridge.connectors.http import HttpClient
from bookbridge.connectors.intacct.rest import payloads, records
from bookbridge.connectors.intacct.rest.auth import rest_authenticator
from bookbridge.connectors.intacct.rest.config import (
    ACCOUNT, COMPANY, CURRENCY, DIMENSION_OBJECTS, EXCHANGE_RATE, LABEL, LIMITS, MAX_PAGE_SIZE, PROVIDER, QUERY_PATH,
    TAX_DETAIL, THROTTLE_WAIT, VENDOR, api_base,
)
from bookbridge.connectors.intacct.rest.faults import map_response, parse_body
from bookbridge.connectors.intacct.rest.query import Filter, contains, eq, gte, paged
from bookbridge.connectors.limiter import Limiter, shared_limiter
from bookbridge.connectors.protocol import Authenticator
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.core.errors import UsageError
from bookbridge.core.keys import short_key

log = logging.getLogger(__name__)
_JSON = {"Content-Type": "application/json"}

# Change tracking: our kind -> (REST object, fields, parser of list records or None for documents).
CHANGE_OBJECTS: dict[str, tuple[str, tuple[str, ...], Callable[[Mapping[str, Any]], object] | None]] = {
    "account": (ACCOUNT, records.ACCOUNT_FIELDS, records.account),
    "vendor": (VENDOR, records.VENDOR_FIELDS, records.vendor),
    **{kind: (obj, records.DIMENSION_FIELDS, records.dimension(kind)) for kind, obj in DIMENSION_OBJECTS.items()},
    "tax_code": (TAX_DETAIL, records.TAX_FIELDS, records.tax_code),
    DocumentKind.JOURNAL_ENTRY.value: (payloads.OBJECTS[DocumentKind.JOURNAL_ENTRY],
                                        records.DOCUMENT_FIELDS[payloads.OBJECTS[DocumentKind.JOURNAL_ENTRY]], None),
    DocumentKind.BILL.value: (payloads.OBJECTS[DocumentKind.BILL], records.DOCUMENT_FIELDS[payloads.OBJECTS[DocumentKind.BILL]],
                               None),
}


def _ambiguous(error: ConnectorError) -> bool:
    """True when a create may have been committed although no success answer arrived."""
    if isinstance(error, TransportError):
        return error.request_sent
    return isinstance(error, ServerError) and (error.http_status or 500) >= 500


class IntacctRestConnector:
    """One Intacct company over the REST API; see :class:`~bookbridge.connectors.protocol.Connector`."""

    provider = PROVIDER
    # No idempotency header is relied on, so Intacct replays nothing: a send of unknown fate is
    # always looked up by key before it is sent again (the sync engine's recovery step).
    replay_window: timedelta | None = timedelta(0)

    def __init__(
        self,
        settings: ConnectionSettings,
        authenticator: Authenticator,
        *,
        limiter: Limiter | None = None,
        jitter: Jitter = full_jitter,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not settings.company_id:
            raise UsageError(f"a {LABEL} connection needs its company id")
        self.settings = settings
        self.company_id = settings.company_id
        base = api_base(settings.base_url)
        self._auth = rest_authenticator(authenticator, settings)
        self._limiter = limiter or shared_limiter(PROVIDER, self.company_id, base, LIMITS,
                                                  time_scale=settings.time_scale)
        policy = RetryPolicy(max_attempts=settings.max_attempts, throttle_wait=THROTTLE_WAIT,
                             time_scale=settings.time_scale)
        extra = {"sleep": sleep} if sleep is not None else {}
        self._http = HttpClient(
            provider=PROVIDER, label=LABEL, base_url=base, error_mapper=map_response, limiter=self._limiter,
            authenticator=self._auth, timeouts=settings.timeouts, retry_policy=policy, sync_log=settings.sync_log,
            jitter=jitter, default_headers={"Accept": "application/json"}, **extra,
        )
        self._page_size = max(1, min(settings.page_size, MAX_PAGE_SIZE))

    # --- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()
        closer = getattr(self._auth, "close", None)
        if callable(closer):
            closer()

    def __enter__(self) -> "IntacctRestConnector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query_page(self, body: Mapping[str, Any]) -> Any:
        # A query changes nothing, so it is safe to resend.
        result = self._http.request("POST", QUERY_PATH, idempotent=True, headers=_JSON,
                                    data=jsonwire.dumps(dict(body)).encode("utf-8"))
        return parse_body(result.content)

    def rows(self, obj: str, fields: Sequence[str], filters: Sequence[Filter] = ()) -> Iterator[dict[str, Any]]:
        """Every row of ``obj`` matching ``filters``, page by page as consumed."""
        return paged(self._query_page, obj, fields, filters, size=self._page_size)

    def _listed(self, obj: str, fields: Sequence[str], include_inactive: bool) -> Iterator[dict[str, Any]]:
        return self.rows(obj, fields, () if include_inactive else (eq("status", "active"),))

    # --- reference data -----------------------------------------------------------------------
    def _company_row(self) -> dict[str, Any]:
        return next(self.rows(COMPANY, records.COMPANY_FIELDS), {})

    def company(self) -> CompanyRecord:
        row = self._company_row()
        multicurrency = records.value(row, "isMultiCurrency")
        return CompanyRecord(
            company_id=self.company_id, name=records.text(row, "name") or self.company_id,
            home_currency=(records.text(row, "baseCurrency") or "").upper() or None,
            multicurrency=multicurrency is True or str(multicurrency).lower() == "true",
            closed_books_date=records.parse_day(records.optional(row, "booksClosedThroughDate")),
            country=records.optional(row, "country"),
        )

    def closed_books_date(self) -> date | None:
        return records.parse_day(records.optional(self._company_row(), "booksClosedThroughDate"))

    def accounts(self, *, include_inactive: bool = True) -> Iterator[AccountRecord]:
        return map(records.account, self._listed(ACCOUNT, records.ACCOUNT_FIELDS, include_inactive))

    def vendors(self, *, include_inactive: bool = True) -> Iterator[VendorRecord]:
        return map(records.vendor, self._listed(VENDOR, records.VENDOR_FIELDS, include_inactive))

    def dimensions(self, *, include_inactive: bool = True) -> Iterator[DimensionRecord]:
        for kind, obj in DIMENSION_OBJECTS.items():
            yield from map(records.dimension(kind), self._listed(obj, records.DIMENSION_FIELDS, include_inactive))

    def tax_codes(self, *, include_inactive: bool = True) -> Iterator[TaxCodeRecord]:
        return map(records.tax_code, self._listed(TAX_DETAIL, records.TAX_FIELDS, include_inactive))

    def tax_rates(self, *, include_inactive: bool = True) -> Iterator[TaxRateRecord]:
        return map(records.tax_rate, self._listed(TAX_DETAIL, records.TAX_FIELDS, include_inactive))

    def currencies(self) -> Iterator[CurrencyRecord]:
        home = self.company().home_currency
        if home:
            yield CurrencyRecord(home, home, True)
        for row in self.rows(CURRENCY, records.CURRENCY_FIELDS):
            record = records.currency(row)
            if record.code and record.code != home:
                yield record

    def exchange_rates(self, as_of: date, currencies: Iterable[str] | None = None) -> Iterator[ExchangeRateRecord]:
        """The latest rate on or before ``as_of`` for each currency pair."""
        wanted = {c.upper() for c in currencies} if currencies is not None else None
        latest: dict[tuple[str, str], ExchangeRateRecord] = {}
        for row in self.rows(EXCHANGE_RATE, records.RATE_FIELDS, ({"$lte": {"effectiveDate": as_of.isoformat()}},)):
            record = records.exchange_rate(row)
            pair = (record.source_currency, record.target_currency)
            if (wanted is None or record.source_currency in wanted) and (
                    pair not in latest or latest[pair].as_of < record.as_of):
                latest[pair] = record
        return iter(sorted(latest.values(), key=lambda r: (r.source_currency, r.target_currency)))

    def changes_since(self, since: datetime, kinds: Iterable[str] | None = None) -> Iterator[ChangeRecord]:
        """Records whose ``audit.modifiedDateTime`` is at or after ``since`` (Intacct keeps no deletions)."""
        if since.tzinfo is None:
            raise UsageError("changes_since needs a timezone-aware time")
        chosen = list(CHANGE_OBJECTS) if kinds is None else list(kinds)
        unknown = [kind for kind in chosen if kind not in CHANGE_OBJECTS]
        if unknown:
            raise UsageError(f"{LABEL} change tracking does not cover {', '.join(unknown)}")
        stamp = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._changes(chosen, stamp)

    def _changes(self, kinds: list[str], stamp: str) -> Iterator[ChangeRecord]:
        for kind in kinds:
            obj, fields, parser = CHANGE_OBJECTS[kind]
            for row in self.rows(obj, fields, (gte(records.MODIFIED, stamp),)):
                yield records.change(kind, row, parser)

    # --- documents ------------------------------------------------------------------------------
    def build_payload(self, doc: Document) -> dict[str, Any]:
        return {"method": "POST", "path": f"/objects/{payloads.OBJECTS.get(doc.kind, doc.kind.value)}",
                "body": payloads.build_body(doc)}

    def push(self, doc: Document) -> PostResult:
        body = payloads.build_body(doc)
        obj = payloads.OBJECTS[doc.kind]
        attempts = 0
        for attempt in range(1, max(1, self.settings.max_attempts) + 1):
            try:
                result = self._http.request("POST", f"/objects/{obj}", idempotent=False, headers=_JSON,
                                            data=jsonwire.dumps(body).encode("utf-8"))
            except ConnectorError as error:
                attempts += error.attempts
                if not _ambiguous(error):
                    raise
                # The create may have gone through: look before sending it again.
                found = self.find_by_key(doc.kind, doc.key, doc_number=doc.doc_number, txn_date=doc.date)
                if found is not None:
                    return _with_attempts(found, attempts)
                if attempt == self.settings.max_attempts:
                    raise
                continue
            attempts += result.attempts
            created = (parse_body(result.content) or {}).get("ia::result")
            key = str(created.get("key") or "") if isinstance(created, dict) else ""
            if not key:
                raise ServerError(f"{LABEL} accepted the {doc.kind.value} but did not say its key", provider=PROVIDER,
                                  code="answer-shape", retryable=False)
            return self._read_back(doc, obj, key, attempts)
        raise AssertionError("unreachable: the loop returns or raises")

    def _read_back(self, doc: Document, obj: str, key: str, attempts: int) -> PostResult:
        """The created document with its version mark; without it if the read fails (the post stands)."""
        try:
            row = (parse_body(self._http.request("GET", f"/objects/{obj}/{key}", idempotent=True).content)
                   or {}).get("ia::result") or {}
        except ConnectorError as error:
            log.warning("%s %s was created as %s, but reading it back failed (%s); its version is unknown",
                        doc.kind.value, doc.doc_number or "", key, error.code)
            row = {}
        return records.post_result(doc.kind, doc.key, {"key": key, **row}, doc_number=doc.doc_number,
                                   attempts=attempts)

    def push_journal_entry(self, doc: JournalDocument) -> PostResult:
        return self.push(doc)

    def push_purchase(self, doc: PurchaseDocument) -> PostResult:
        return self.push(doc)

    def push_bill(self, doc: BillDocument) -> PostResult:
        return self.push(doc)

    def push_many(self, docs: Sequence[Document]) -> list[PostResult | ConnectorError]:
        """One create per document, in order (the REST bulk form is not used)."""
        results: list[PostResult | ConnectorError] = []
        for doc in docs:
            try:
                results.append(self.push(doc))
            except ConnectorError as error:
                results.append(error)
        return results

    def find_by_key(
        self, kind: DocumentKind, key: str, *, doc_number: str | None = None, txn_date: date | None = None
    ) -> PostResult | None:
        """The document whose description carries the marker of ``key`` (narrowed by number and date)."""
        if kind not in payloads.OBJECTS:
            raise UsageError(f"{LABEL} documents can be found by key; {kind.value} records cannot")
        obj = payloads.OBJECTS[kind]
        marker = payloads.key_marker(key)
        description = payloads.DESCRIPTION_FIELDS[obj]
        filters: list[Filter] = [contains(description, marker)]
        if doc_number:
            filters.append(eq(payloads.NUMBER_FIELDS[obj], doc_number))
        if txn_date:
            filters.append(eq(payloads.DATE_FIELDS[obj], txn_date.isoformat()))
        for row in self.rows(obj, records.DOCUMENT_FIELDS[obj], filters):
            if marker in records.text(row, description):
                number = doc_number or records.optional(row, payloads.NUMBER_FIELDS[obj])
                return records.post_result(kind, key, row, doc_number=number)
        return None

    def create_vendor(self, draft: VendorDraft) -> VendorRecord:
        """Create a vendor with an id from our key (a retry meets its own earlier vendor) and read it."""
        vendor_id = "BB" + short_key("intacct", "vendor", draft.key, length=10).upper()
        body: dict[str, Any] = {"id": vendor_id, "name": draft.name}
        if draft.currency:
            body["currency"] = draft.currency.upper()
        contact: dict[str, Any] = {"printAs": draft.name}
        if draft.email:
            contact["email1"] = draft.email
        body["contacts"] = {"default": contact}
        try:
            self._http.request("POST", f"/objects/{VENDOR}", idempotent=False, headers=_JSON,
                               data=jsonwire.dumps(body).encode("utf-8"))
        except DuplicateDocument:
            pass  # ours from an earlier attempt whose answer was lost: read it below
        except ConnectorError as error:
            if not _ambiguous(error):
                raise
        for row in self.rows(VENDOR, records.VENDOR_FIELDS, (eq("id", vendor_id),)):
            return records.vendor(row)
        raise ServerError(f"{LABEL} did not create vendor {draft.name}", provider=PROVIDER, code="answer-shape",
                          retryable=True)

    def upload_attachment(self, target: RemoteDocument, filename: str, content: bytes, mime_type: str) -> AttachmentResult:
        """Not done over REST: the attachment object is not in ERP_FACTS; the XML connection attaches files."""
        raise ConnectorError(
            f"Bookbridge does not attach files through {LABEL}; attach {filename} to {target.kind.value} "
            f"{target.remote_id} in Intacct, or use the XML connection (provider intacct), which can",
            provider=PROVIDER, code="attachments-unsupported", retryable=False)

    # --- housekeeping -------------------------------------------------------------------------
    def quota(self) -> QuotaSnapshot:
        return self._limiter.snapshot(PROVIDER, self.company_id)


def _with_attempts(found: PostResult, attempts: int) -> PostResult:
    return PostResult(found.kind, found.key, found.remote_id, found.doc_number, found.raw, attempts=attempts,
                      updated_at=found.updated_at, version=found.version)
