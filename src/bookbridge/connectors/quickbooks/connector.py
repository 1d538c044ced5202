"""The QuickBooks Online connector: REST v3 with ``minorversion`` pinned and ``requestid`` on every write.

Implements :class:`bookbridge.connectors.protocol.Connector` for one company (``realmId``). Pure
mapping lives in :mod:`.payloads` (out) and :mod:`.records` (in); the fault table in :mod:`.faults`.
"""

from __future__ import annotations

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
from bookbridge.connectors.errors import ChangeWindowExpired, ConnectorError, ServerError
from bookbridge.connectors.http import HttpClient, HttpResult
from bookbridge.connectors.limiter import Limiter, shared_limiter
from bookbridge.connectors.protocol import Authenticator
from bookbridge.connectors.quickbooks import batch as qbatch
from bookbridge.connectors.quickbooks import payloads, records
from bookbridge.connectors.quickbooks.config import (
    CDC_LOOKBACK_DAYS,
    CDC_MAX_OBJECTS,
    DIMENSION_ALIASES,
    LABEL,
    LIMITS,
    MAX_BATCH_ITEMS,
    MINOR_VERSION,
    PROVIDER,
    REPLAY_WINDOW,
    THROTTLE_WAIT,
    api_root,
)
from bookbridge.connectors.quickbooks.faults import error_for_fault, find_fault, map_response, parse_body
from bookbridge.connectors.quickbooks.query import paged, quote
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.core import clock
from bookbridge.core.errors import UsageError
from bookbridge.core.keys import sha256_hex, short_key

REQUEST_ID_LENGTH = 36  # ≤ 50 for single writes [Q8]; 36 keeps one format for batches too
DEFAULT_CHANGE_ENTITIES = tuple(records.CHANGE_KINDS)
_KIND_TO_ENTITY = {kind: entity for entity, (kind, _parser) in records.CHANGE_KINDS.items()}


def request_id(kind: str, key: str) -> str:
    """The ``requestid`` for a write: deterministic from our key, so a resend replays, never duplicates.

    QBO replays the first answer for a requestid, faults included: a corrected document must
    therefore come with a new key (the sync engine keys each document revision).
    """
    return short_key("qbo", kind, key, length=REQUEST_ID_LENGTH)


class QuickBooksConnector:
    """One QBO company over REST v3; see :class:`~bookbridge.connectors.protocol.Connector`."""

    provider = PROVIDER
    replay_window = REPLAY_WINDOW
    dimension_aliases = DIMENSION_ALIASES

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
            raise UsageError(f"a {LABEL} connection needs its company id (realmId)")
        self.settings = settings
        self.company_id = settings.company_id
        root = api_root(settings.base_url)
        self._limiter = limiter or shared_limiter(PROVIDER, settings.company_id, root, LIMITS, time_scale=settings.time_scale)
        policy = RetryPolicy(max_attempts=settings.max_attempts, throttle_wait=THROTTLE_WAIT, time_scale=settings.time_scale)
        extra = {"sleep": sleep} if sleep is not None else {}
        self._http = HttpClient(
            provider=PROVIDER, label=LABEL, base_url=root, error_mapper=map_response, limiter=self._limiter,
            authenticator=authenticator, timeouts=settings.timeouts, retry_policy=policy, sync_log=settings.sync_log,
            jitter=jitter, default_headers={"Accept": "application/json"}, **extra,
        )
        self._company_path = f"/v3/company/{settings.company_id}"

    # --- plumbing ---------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "QuickBooksConnector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _body(self, result: HttpResult) -> Any:
        return parse_body(result.content, result.headers.get("Content-Type", ""))

    def _get(self, suffix: str, params: Mapping[str, str] | None = None) -> tuple[Any, HttpResult]:
        result = self._http.request(
            "GET", f"{self._company_path}/{suffix}", params={**(params or {}), "minorversion": MINOR_VERSION}, idempotent=True
        )
        return self._body(result), result

    def _post(self, suffix: str, body: Mapping[str, Any], *, rid: str, batch: bool = False) -> tuple[Any, HttpResult]:
        result = self._http.request(
            "POST", f"{self._company_path}/{suffix}",
            params={"minorversion": MINOR_VERSION, "requestid": rid},
            headers={"Content-Type": "application/json"},
            data=jsonwire.dumps(body).encode("utf-8"),
            idempotent=True,  # requestid makes a resend replay the first answer
            batch=batch,
        )
        return self._body(result), result

    def query(self, text: str) -> dict[str, Any]:
        """Run one query statement; returns its ``QueryResponse`` object."""
        body, _ = self._get("query", {"query": text})
        return (body or {}).get("QueryResponse") or {}

    def _rows(self, entity: str, where: str | None = None, *, include_inactive: bool = False) -> Iterator[dict[str, Any]]:
        yield from paged(self.query, entity, where, page_size=self.settings.page_size)
        if include_inactive:
            # QBO returns only active list entries unless asked for inactive ones explicitly [Q13].
            inactive = "Active = false" + (f" AND {where}" if where else "")
            yield from paged(self.query, entity, inactive, page_size=self.settings.page_size)

    def _single(self, entity: str) -> dict[str, Any] | None:
        rows = self.query(f"SELECT * FROM {entity}").get(entity) or []
        return rows[0] if rows else None

    # --- reference data -------------------------------------------------------------------------------
    def company(self) -> CompanyRecord:
        return records.company(self.company_id, self._single("CompanyInfo"), self._single("Preferences"))

    def closed_books_date(self) -> date | None:
        prefs = self._single("Preferences") or {}
        return records.parse_date((prefs.get("AccountingInfoPrefs") or {}).get("BookCloseDate"))

    def accounts(self, *, include_inactive: bool = True) -> Iterator[AccountRecord]:
        return map(records.account, self._rows("Account", include_inactive=include_inactive))

    def vendors(self, *, include_inactive: bool = True) -> Iterator[VendorRecord]:
        return map(records.vendor, self._rows("Vendor", include_inactive=include_inactive))

    def dimensions(self, *, include_inactive: bool = True) -> Iterator[DimensionRecord]:
        yield from map(records.dimension("class"), self._rows("Class", include_inactive=include_inactive))
        yield from map(records.dimension("department"), self._rows("Department", include_inactive=include_inactive))

    def tax_codes(self, *, include_inactive: bool = True) -> Iterator[TaxCodeRecord]:
        return map(records.tax_code, self._rows("TaxCode", include_inactive=include_inactive))

    def tax_rates(self, *, include_inactive: bool = True) -> Iterator[TaxRateRecord]:
        return map(records.tax_rate, self._rows("TaxRate", include_inactive=include_inactive))

    def currencies(self) -> Iterator[CurrencyRecord]:
        company = self.company()
        if company.home_currency:
            yield CurrencyRecord(company.home_currency, company.home_currency, True)
        if company.multicurrency:
            # CompanyCurrency lists the currencies added besides the home currency.
            for row in self._rows("CompanyCurrency"):
                record = records.company_currency(row)
                if record.code != company.home_currency:
                    yield record

    def exchange_rates(self, as_of: date, currencies: Iterable[str] | None = None) -> Iterator[ExchangeRateRecord]:
        wanted = {c.upper() for c in currencies} if currencies is not None else None
        for row in self._rows("ExchangeRate", f"AsOfDate = {quote(as_of.isoformat())}"):
            record = records.exchange_rate(row)
            if wanted is None or record.source_currency in wanted:
                yield record

    # --- documents ------------------------------------------------------------------------------------
    def build_payload(self, doc: Document) -> dict[str, Any]:
        return payloads.build_payload(doc)

    def _create(self, kind: DocumentKind, key: str, payload: Mapping[str, Any]) -> PostResult:
        entity = records.ENTITY_NAMES[kind]
        body, result = self._post(entity.lower(), payload, rid=request_id(kind.value, key))
        created = (body or {}).get(entity)
        if not isinstance(created, dict):
            raise ServerError(f"{LABEL} accepted the {kind.value} but its answer has no {entity}", provider=PROVIDER,
                              code="answer-shape", retryable=False)
        return records.post_result(kind, key, created, attempts=result.attempts)

    def push(self, doc: Document) -> PostResult:
        return self._create(doc.kind, doc.key, self.build_payload(doc))

    def push_journal_entry(self, doc: JournalDocument) -> PostResult:
        return self.push(doc)

    def push_purchase(self, doc: PurchaseDocument) -> PostResult:
        return self.push(doc)

    def push_bill(self, doc: BillDocument) -> PostResult:
        return self.push(doc)

    def push_many(self, docs: Sequence[Document]) -> list[PostResult | ConnectorError]:
        """Post through the Batch API, 30 documents per request; one result or error per document."""
        results: list[PostResult | ConnectorError | None] = [None] * len(docs)
        pending: list[tuple[int, qbatch.BatchItem, Document]] = []
        for n, doc in enumerate(docs):
            try:
                pending.append((n, qbatch.BatchItem(records.ENTITY_NAMES[doc.kind], self.build_payload(doc), doc.key), doc))
            except ConnectorError as error:  # refused locally: reported in its slot, others still go
                results[n] = error
        for start in range(0, len(pending), MAX_BATCH_ITEMS):
            chunk = pending[start : start + MAX_BATCH_ITEMS]
            items = [item for _, item, _ in chunk]
            try:
                body, result = self._post("batch", qbatch.batch_body(items), rid=qbatch.batch_request_id(items), batch=True)
                answers = qbatch.parse_batch(body or {}, items)
            except ConnectorError as error:
                answers = [error] * len(items)
                attempts = error.attempts
            else:
                attempts = result.attempts
            for (n, _item, doc), answer in zip(chunk, answers):
                results[n] = answer if isinstance(answer, ConnectorError) else records.post_result(
                    doc.kind, doc.key, answer, attempts=attempts
                )
        # Every slot was filled above: by a local refusal, a batch answer, or the batch's error.
        return [r for r in results if r is not None]

    def find_by_key(
        self, kind: DocumentKind, key: str, *, doc_number: str | None = None, txn_date: date | None = None
    ) -> PostResult | None:
        if kind not in (DocumentKind.JOURNAL_ENTRY, DocumentKind.PURCHASE, DocumentKind.BILL):
            raise UsageError(f"{LABEL} documents can be found by key; {kind.value} records cannot")
        entity = records.ENTITY_NAMES[kind]
        conditions = []
        if doc_number:
            conditions.append(f"DocNumber = {quote(doc_number)}")
        if txn_date:
            conditions.append(f"TxnDate = {quote(txn_date.isoformat())}")
        if not conditions:
            # Without hints, search what changed in the last 30 days (as far back as CDC sees).
            since = clock.now() - timedelta(days=CDC_LOOKBACK_DAYS)
            conditions.append(f"MetaData.LastUpdatedTime >= {quote(_qbo_time(since))}")
        marker = payloads.key_marker(key)
        for row in paged(self.query, entity, " AND ".join(conditions), page_size=self.settings.page_size):
            if marker in str(row.get("PrivateNote") or ""):
                return records.post_result(kind, key, row)
        return None

    def create_vendor(self, draft: VendorDraft) -> VendorRecord:
        body: dict[str, Any] = {"DisplayName": draft.name}
        if draft.currency:
            body["CurrencyRef"] = {"value": draft.currency.upper()}
        if draft.email:
            body["PrimaryEmailAddr"] = {"Address": draft.email}
        answer, _ = self._post("vendor", body, rid=request_id(DocumentKind.VENDOR.value, draft.key))
        return records.vendor((answer or {})["Vendor"])

    def upload_attachment(self, target: RemoteDocument, filename: str, content: bytes, mime_type: str) -> AttachmentResult:
        """Attach a file to a posted document (multipart ``/upload`` with an Attachable metadata part)."""
        entity = records.ENTITY_NAMES[target.kind]
        metadata = {
            "AttachableRef": [{"EntityRef": {"type": entity, "value": target.remote_id}}],
            "FileName": filename,
            "ContentType": mime_type,
        }
        rid = short_key("qbo-upload", entity, target.remote_id, filename, sha256_hex(content), length=REQUEST_ID_LENGTH)
        result = self._http.request(
            "POST", f"{self._company_path}/upload",
            params={"minorversion": MINOR_VERSION, "requestid": rid},
            files={
                "file_metadata_01": (None, jsonwire.dumps(metadata).encode("utf-8"), "application/json"),
                "file_content_01": (filename, content, mime_type),
            },
            idempotent=True,
        )
        body = self._body(result) or {}
        answers = body.get("AttachableResponse") or []
        if not answers:
            raise ServerError(f"{LABEL} answered the upload without an attachment", provider=PROVIDER,
                              code="answer-shape", retryable=False)
        fault = find_fault(answers[0])
        if fault is not None:
            raise error_for_fault(fault, http_status=result.status)
        attachable = answers[0]["Attachable"]
        return AttachmentResult(str(attachable["Id"]), str(attachable.get("FileName") or filename), target, attachable)

    # --- changes ----------------------------------------------------------------------------------------
    def changes_since(self, since: datetime, kinds: Iterable[str] | None = None) -> Iterator[ChangeRecord]:
        if since.tzinfo is None:
            raise UsageError("changes_since needs a timezone-aware time")
        if since < clock.now() - timedelta(days=CDC_LOOKBACK_DAYS):
            raise ChangeWindowExpired(
                f"{LABEL} keeps changes for {CDC_LOOKBACK_DAYS} days only; pull the reference data in full instead",
                provider=PROVIDER, code="cdc-window",
            )
        entities = self._change_entities(kinds)
        return self._changes(since, entities)

    def _change_entities(self, kinds: Iterable[str] | None) -> tuple[str, ...]:
        if kinds is None:
            return DEFAULT_CHANGE_ENTITIES
        entities = []
        for kind in kinds:
            if kind not in _KIND_TO_ENTITY:
                raise UsageError(f"{LABEL} change tracking does not cover {kind!r}")
            entities.append(_KIND_TO_ENTITY[kind])
        return tuple(entities)

    def _changes(self, since: datetime, entities: tuple[str, ...]) -> Iterator[ChangeRecord]:
        body, _ = self._get("cdc", {"entities": ",".join(entities), "changedSince": _qbo_time(since)})
        for block in (body or {}).get("CDCResponse") or []:
            for response in block.get("QueryResponse") or []:
                for entity, rows in response.items():
                    if not isinstance(rows, list):
                        continue  # startPosition, maxResults, totalCount
                    yield from (records.change(entity, row) for row in rows)
                    if len(rows) >= CDC_MAX_OBJECTS:
                        # CDC stops at 1000 objects per entity; read the rest by query (deletions
                        # beyond the cap are not visible this way).
                        seen = {str(row["Id"]) for row in rows}
                        where = f"MetaData.LastUpdatedTime >= {quote(_qbo_time(since))}"
                        for row in paged(self.query, entity, where, page_size=self.settings.page_size):
                            if str(row["Id"]) not in seen:
                                yield records.change(entity, row)

    # --- housekeeping -------------------------------------------------------------------------------------
    def quota(self) -> QuotaSnapshot:
        return self._limiter.snapshot(PROVIDER, self.company_id)


def _qbo_time(moment: datetime) -> str:
    """ISO-8601 with offset, second precision, as QBO's changedSince and MetaData filters take it."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()
