"""The Xero connector: Accounting API 2.0 for one organisation, ``Idempotency-Key`` on every write.

Implements :class:`bookbridge.connectors.protocol.Connector` for one tenant (``Xero-Tenant-Id``).
Pure mapping lives in :mod:`.payloads` (out) and :mod:`.records` (in); the fault table in
:mod:`.faults`; reading Xero's own count of the remaining quota in :mod:`.quota`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote

import requests

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
from bookbridge.connectors.errors import ConnectorError, ServerError
from bookbridge.connectors.http import HttpClient, HttpResult
from bookbridge.connectors.limiter import Limiter, shared_limiter
from bookbridge.connectors.protocol import Authenticator
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.xero import payloads, records
from bookbridge.connectors.xero.config import (
    API_PATH,
    IDEMPOTENCY_WINDOW,
    LABEL,
    LIMITS,
    MAX_PAGE_SIZE,
    PROVIDER,
    THROTTLE_WAIT,
    api_root,
)
from bookbridge.connectors.xero.faults import error_for_messages, item_has_errors, map_response, validation_messages
from bookbridge.connectors.xero.quota import ServerQuota
from bookbridge.core.errors import UsageError
from bookbridge.core.keys import sha256_hex, short_key

MAX_ITEMS_PER_REQUEST = 50  # Xero's cap per POST/PUT is UNCONFIRMED [X4]; 50 keeps requests modest
PAGED = frozenset({"Contacts", "Invoices", "ManualJournals", "BankTransactions"})
_PURCHASE_TYPES = frozenset({"SPEND", "RECEIVE"})


def _where_text(value: str) -> str:
    """A string literal for a ``where`` clause (double quotes; embedded ones escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _where_date(day: date) -> str:
    return f"DateTime({day.year},{day.month:02d},{day.day:02d})"


def _answer_for(doc: Document, position: int, items: Sequence[Any], sent: int) -> Mapping[str, Any] | None:
    """The element of Xero's answer that is ``doc``'s, or ``None`` when none can be told to be.

    Ours carries our key in ``Url``. An element with another document's ``Url`` is never taken
    for this one, whatever its position: recording a remote id that is not this document's
    would mark it posted while Xero does not hold it. Only an element without any ``Url``, at the
    document's position in an answer exactly as long as the request (``summarizeErrors=false``
    keeps the order), is taken by position.
    """
    wanted = payloads.key_url(doc.key)
    for item in items:
        if isinstance(item, Mapping) and str(item.get("Url") or "") == wanted:
            return item
    if len(items) == sent and isinstance(items[position], Mapping) and not items[position].get("Url"):
        return items[position]
    return None


def _modified_since(moment: datetime) -> str:
    """``If-Modified-Since`` as Xero's own example writes it: ISO 8601, here in UTC."""
    return moment.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None).isoformat()


class XeroConnector:
    """One Xero organisation; see :class:`~bookbridge.connectors.protocol.Connector`."""

    provider = PROVIDER
    # ManualJournals refuse bank and system accounts and have no CurrencyCode (ERP_FACTS §2.3): the
    # sync engine sends such entries as spend money or bills instead (bookbridge.sync.shaping).
    journal_accepts_system_accounts = False
    journal_accepts_foreign_currency = False
    replay_window = IDEMPOTENCY_WINDOW  # Xero keeps an Idempotency-Key's answer for minutes only [X9]

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
            raise UsageError(f"a {LABEL} connection needs its organisation's tenant id")
        self.settings = settings
        self.company_id = settings.company_id
        root = api_root(settings.base_url)
        self._limiter = limiter or shared_limiter(PROVIDER, settings.company_id, root, LIMITS, time_scale=settings.time_scale)
        self._server_quota = ServerQuota(time_scale=settings.time_scale)
        policy = RetryPolicy(max_attempts=settings.max_attempts, throttle_wait=THROTTLE_WAIT, time_scale=settings.time_scale)
        extra = {"sleep": sleep} if sleep is not None else {}
        self._http = HttpClient(
            provider=PROVIDER, label=LABEL, base_url=root, error_mapper=self._map_response, limiter=self._limiter,
            authenticator=authenticator, timeouts=settings.timeouts, retry_policy=policy, sync_log=settings.sync_log,
            jitter=jitter, default_headers={"Accept": "application/json", "Xero-Tenant-Id": settings.company_id},
            **extra,
        )
        self._home_currency: str | None = None
        self._page_size = max(1, min(settings.page_size, MAX_PAGE_SIZE))

    # --- plumbing ---------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "XeroConnector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _map_response(self, response: requests.Response) -> ConnectorError | None:
        # Every answer, refusals included, carries Xero's count of what is left.
        self._server_quota.observe(response.headers)
        return map_response(response)

    def _get(self, path: str, params: Mapping[str, str] | None = None, *, since: datetime | None = None) -> Any:
        headers = {"If-Modified-Since": _modified_since(since)} if since is not None else None
        result = self._http.request("GET", f"{API_PATH}/{path}", params=params, headers=headers, idempotent=True)
        return result.json() or {}

    def _write(self, method: str, path: str, body: Any, *, key: str, params: Mapping[str, str] | None = None) -> tuple[Any, HttpResult]:
        result = self._http.request(
            method, f"{API_PATH}/{path}", params=params,
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
            data=jsonwire.dumps(body).encode("utf-8"),
            idempotent=True,  # the Idempotency-Key makes a resend replay the first answer
        )
        return result.json() or {}, result

    def _collection(self, name: str, params: Mapping[str, str] | None = None, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a collection, one page at a time where Xero pages it."""
        if name not in PAGED:
            yield from self._get(name, params, since=since).get(name) or []
            return
        page = 1
        while True:
            query = {**(params or {}), "page": str(page), "pageSize": str(self._page_size)}
            body = self._get(name, query, since=since)
            items = body.get(name) or []
            yield from items
            pagination = body.get("pagination") or {}
            last_page = pagination.get("pageCount")
            if len(items) < self._page_size or (last_page is not None and page >= int(last_page)) or not items:
                return
            page += 1

    # --- reference data -------------------------------------------------------------------------------
    def _organisation(self) -> dict[str, Any]:
        organisations = self._get("Organisation").get("Organisations") or []
        if not organisations:
            raise ServerError(f"{LABEL} answered without the organisation", provider=PROVIDER, code="answer-shape",
                              retryable=False)
        org = organisations[0]
        self._home_currency = org.get("BaseCurrency") or self._home_currency
        return org

    def company(self) -> CompanyRecord:
        org = self._organisation()
        return records.company(self.company_id, org, self._currency_list())

    def closed_books_date(self) -> date | None:
        return records.lock_date(self._organisation())

    def accounts(self, *, include_inactive: bool = True) -> Iterator[AccountRecord]:
        for obj in self._collection("Accounts"):
            record = records.account(obj)
            if include_inactive or record.active:
                yield record

    def vendors(self, *, include_inactive: bool = True) -> Iterator[VendorRecord]:
        params = {"includeArchived": "true"} if include_inactive else None
        for obj in self._collection("Contacts", params):
            if records.is_vendor(obj):
                yield records.contact(obj)

    def dimensions(self, *, include_inactive: bool = True) -> Iterator[DimensionRecord]:
        params = {"includeArchived": "true"} if include_inactive else None
        for category in self._collection("TrackingCategories", params):
            for option in records.tracking_options(category):
                if include_inactive or option.active:
                    yield option

    def tax_codes(self, *, include_inactive: bool = True) -> Iterator[TaxCodeRecord]:
        for obj in self._collection("TaxRates"):
            record = records.tax_code(obj)
            if include_inactive or record.active:
                yield record

    def tax_rates(self, *, include_inactive: bool = True) -> Iterator[TaxRateRecord]:
        for obj in self._collection("TaxRates"):
            record = records.tax_rate(obj)
            if include_inactive or record.active:
                yield record

    def _currency_list(self) -> list[CurrencyRecord]:
        return [records.currency(obj) for obj in self._collection("Currencies")]

    def currencies(self) -> Iterator[CurrencyRecord]:
        listed = self._currency_list()
        home = self._home_currency or self._organisation().get("BaseCurrency")
        if home and home not in {c.code for c in listed}:
            yield CurrencyRecord(home, home, True)
        yield from listed

    def exchange_rates(self, as_of: date, currencies: Iterable[str] | None = None) -> Iterator[ExchangeRateRecord]:
        """Nothing: Xero's Accounting API publishes no exchange rates (it applies XE.com's day rate
        itself when a document in another currency arrives without ``CurrencyRate``) [X3]."""
        return iter(())

    # --- documents ------------------------------------------------------------------------------------
    def build_payload(self, doc: Document) -> dict[str, Any]:
        return payloads.build_payload(doc, home_currency=self._home_currency)

    def _answers(self, kind: DocumentKind, body: Mapping[str, Any]) -> list[Any]:
        collection, _id_field = records.COLLECTIONS[kind]
        items = body.get(collection)
        if not isinstance(items, list):
            raise ServerError(f"{LABEL} accepted the {kind.value} but its answer has no {collection}", provider=PROVIDER,
                              code="answer-shape", retryable=False)
        return items

    def _outcome(self, kind: DocumentKind, doc: Document, item: Mapping[str, Any] | None, result: HttpResult) -> PostResult | ConnectorError:
        if item is None:
            return ServerError(f"{LABEL} gave no answer for {kind.value} {doc.doc_number or doc.key}", provider=PROVIDER,
                               code="answer-missing", retryable=True)
        if item_has_errors(item):
            return error_for_messages(validation_messages(item), http_status=result.status, element=item)
        return records.post_result(kind, doc.key, item, doc_number=doc.doc_number, attempts=result.attempts)

    def push(self, doc: Document) -> PostResult:
        """Post one document; a refusal comes back as Xero's 400 ValidationException (summarised)."""
        collection, _id = records.COLLECTIONS[doc.kind]
        payload = self.build_payload(doc)
        body, result = self._write("PUT", collection, {collection: [payload]},
                                   key=payloads.idempotency_key(doc.kind.value, doc.key))
        items = self._answers(doc.kind, body)
        outcome = self._outcome(doc.kind, doc, _answer_for(doc, 0, items, 1), result)
        if isinstance(outcome, ConnectorError):
            outcome.attempts = result.attempts
            raise outcome
        return outcome

    def push_journal_entry(self, doc: JournalDocument) -> PostResult:
        return self.push(doc)

    def push_purchase(self, doc: PurchaseDocument) -> PostResult:
        return self.push(doc)

    def push_bill(self, doc: BillDocument) -> PostResult:
        return self.push(doc)

    def push_many(self, docs: Sequence[Document]) -> list[PostResult | ConnectorError]:
        """Post documents of one kind in one request each (``summarizeErrors=false``: one outcome per item)."""
        results: list[PostResult | ConnectorError | None] = [None] * len(docs)
        groups: dict[DocumentKind, list[tuple[int, Document, dict[str, Any]]]] = {}
        for n, doc in enumerate(docs):
            try:
                groups.setdefault(doc.kind, []).append((n, doc, self.build_payload(doc)))
            except ConnectorError as error:  # refused locally: reported in its slot, the others still go
                results[n] = error
        for kind, members in groups.items():
            for start in range(0, len(members), MAX_ITEMS_PER_REQUEST):
                chunk = members[start:start + MAX_ITEMS_PER_REQUEST]
                for n, outcome in self._send_chunk(kind, chunk):
                    results[n] = outcome
        # Every slot is filled above (a local refusal, an item's answer, or the request's error); one left
        # empty would shift every later answer onto the wrong document, so it is reported, never dropped.
        return [r if r is not None else ServerError(f"{LABEL} gave no answer for {docs[n].kind.value} "
                                                    f"{docs[n].doc_number or docs[n].key}", provider=PROVIDER,
                                                    code="answer-missing", retryable=True)
                for n, r in enumerate(results)]

    def _send_chunk(self, kind: DocumentKind, chunk: list[tuple[int, Document, dict[str, Any]]]) -> list[tuple[int, PostResult | ConnectorError]]:
        collection, _id = records.COLLECTIONS[kind]
        key = payloads.idempotency_key(f"{kind.value}-batch", *(doc.key for _, doc, _ in chunk))
        try:
            body, result = self._write("PUT", collection, {collection: [p for _, _, p in chunk]}, key=key,
                                       params={"summarizeErrors": "false"})
            items = self._answers(kind, body)
        except ConnectorError as error:
            return [(n, error) for n, _, _ in chunk]
        outcomes = []
        for position, (n, doc, _payload) in enumerate(chunk):
            outcomes.append((n, self._outcome(kind, doc, _answer_for(doc, position, items, len(chunk)), result)))
        return outcomes

    def find_by_key(
        self, kind: DocumentKind, key: str, *, doc_number: str | None = None, txn_date: date | None = None
    ) -> PostResult | None:
        """Search by the narrowest fields Xero filters on, then recognise ours by the key in ``Url``."""
        if kind not in (DocumentKind.JOURNAL_ENTRY, DocumentKind.PURCHASE, DocumentKind.BILL):
            raise UsageError(f"{LABEL} documents can be found by key; {kind.value} records cannot")
        collection, _id = records.COLLECTIONS[kind]
        url = payloads.key_url(key)
        conditions = []
        if kind is DocumentKind.BILL:
            conditions.append('Type=="ACCPAY"')
        if txn_date is not None:
            conditions.append(f"Date=={_where_date(txn_date)}")
        if doc_number:
            number_field = {DocumentKind.BILL: "InvoiceNumber", DocumentKind.PURCHASE: "Reference"}.get(kind)
            conditions.append(f"{number_field}=={_where_text(doc_number)}" if number_field
                              else f"Narration.StartsWith({_where_text(doc_number)})")
        if txn_date is None and not doc_number:
            conditions.append(f"Url=={_where_text(url)}")
        for obj in self._collection(collection, {"where": " AND ".join(conditions)}):
            if str(obj.get("Url") or "") == url:
                return records.post_result(kind, key, obj, doc_number=doc_number)
        return None

    def create_vendor(self, draft: VendorDraft) -> VendorRecord:
        contact: dict[str, Any] = {"Name": draft.name}
        if draft.email:
            contact["EmailAddress"] = draft.email
        if draft.currency:
            contact["DefaultCurrency"] = draft.currency.upper()
        body, result = self._write("PUT", "Contacts", {"Contacts": [contact]},
                                   key=payloads.idempotency_key(DocumentKind.VENDOR.value, draft.key))
        items = self._answers(DocumentKind.VENDOR, body)
        if not items or item_has_errors(items[0]):
            raise error_for_messages(validation_messages(items[0]) if items else [], http_status=result.status)
        return records.contact(items[0])

    def upload_attachment(self, target: RemoteDocument, filename: str, content: bytes, mime_type: str) -> AttachmentResult:
        """Attach a file to a posted document (``PUT /{Collection}/{id}/Attachments/{FileName}``, raw body)."""
        if target.kind not in records.COLLECTIONS or target.kind is DocumentKind.VENDOR:
            raise UsageError(f"{LABEL} attachments go on journals, bills and spend money, not on {target.kind.value}")
        collection, _id = records.COLLECTIONS[target.kind]
        key = short_key("xero-attach", collection, target.remote_id, filename, sha256_hex(content), length=64)
        result = self._http.request(
            "PUT", f"{API_PATH}/{collection}/{quote(target.remote_id, safe='')}/Attachments/{quote(filename, safe='')}",
            headers={"Content-Type": mime_type, "Idempotency-Key": key}, data=content, idempotent=True,
        )
        attachments = (result.json() or {}).get("Attachments") or []
        if not attachments:
            raise ServerError(f"{LABEL} answered the upload without an attachment", provider=PROVIDER,
                              code="answer-shape", retryable=False)
        attachment = attachments[0]
        return AttachmentResult(str(attachment["AttachmentID"]), str(attachment.get("FileName") or filename), target,
                                attachment)

    # --- changes ----------------------------------------------------------------------------------------
    def changes_since(self, since: datetime, kinds: Iterable[str] | None = None) -> Iterator[ChangeRecord]:
        """Objects changed since ``since``, by ``If-Modified-Since`` on each collection that takes it.

        Xero keeps no change window, so there is no :class:`ChangeWindowExpired`; tracking
        categories, tax rates and currencies take no ``If-Modified-Since`` and are pulled in full.
        """
        if since.tzinfo is None:
            raise UsageError("changes_since needs a timezone-aware time")
        wanted = tuple(records.CHANGE_KINDS) if kinds is None else tuple(kinds)
        for kind in wanted:
            if kind not in records.CHANGE_KINDS:
                raise UsageError(f"{LABEL} change tracking does not cover {kind!r}")
        return self._changes(since, wanted)

    def _changes(self, since: datetime, kinds: tuple[str, ...]) -> Iterator[ChangeRecord]:
        for kind in kinds:
            collection, _id, _parser = records.CHANGE_KINDS[kind]
            params: dict[str, str] = {}
            if collection == "Contacts":
                params["includeArchived"] = "true"  # an archived vendor is a change too
            if collection == "Invoices":
                params["where"] = 'Type=="ACCPAY"'
            for obj in self._collection(collection, params, since=since):
                if collection == "BankTransactions" and str(obj.get("Type", "")).upper() not in _PURCHASE_TYPES:
                    continue
                yield records.change(kind, obj)

    # --- housekeeping -------------------------------------------------------------------------------------
    def quota(self) -> QuotaSnapshot:
        """Our limiter's count, lowered to what Xero's last answer said is left (fresh figures only)."""
        return self._server_quota.merge(self._limiter.snapshot(PROVIDER, self.company_id))

    def server_quota(self) -> dict[str, int]:
        """The remaining counts Xero last reported, by window (``per-minute``, ``per-day``, ``app-per-minute``)."""
        return self._server_quota.reported()
