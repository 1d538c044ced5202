"""The NetSuite connector: REST record API upserts by ``externalId``, SuiteQL reads.

Implements :class:`bookbridge.connectors.protocol.Connector` for one account. Every document
goes out as ``PUT /services/rest/record/v1/{type}/eid:{externalId}`` (create if absent, update
if present): resending after a lost answer updates the same record, it cannot add a second one
[N9]. Success is ``204 No Content`` with the record's URL in ``Location``. Reads are SuiteQL.
Pure mapping lives in :mod:`.payloads` (out) and :mod:`.records` (in); the error table in
:mod:`.faults`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit

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
from bookbridge.connectors.errors import ConnectorError, ServerError, UnknownReference
from bookbridge.connectors.http import HttpClient, HttpResult
from bookbridge.connectors.limiter import Limiter, RateLimits, shared_limiter
from bookbridge.connectors.protocol import NO_ALIASES, Authenticator
from bookbridge.connectors.netsuite import payloads, records
from bookbridge.connectors.netsuite.account import account_from_host, parse_account
from bookbridge.connectors.netsuite.changes import change_rows
from bookbridge.connectors.netsuite.config import (
    GOVERNANCE_PATH,
    LABEL,
    LIMITS,
    MAX_PAGE_SIZE,
    PROVIDER,
    RECORD_PATH,
    REPLAY_WINDOW,
    SUITEQL_PATH,
    THROTTLE_WAIT,
    api_root,
)
from bookbridge.connectors.netsuite.faults import map_response, parse_body, record_id_from_location
from bookbridge.connectors.netsuite.lookups import FactsCache, closed_through
from bookbridge.connectors.netsuite.references import reclassify
from bookbridge.connectors.netsuite.suiteql import date_literal, paged, quote
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.core.errors import UsageError

log = logging.getLogger(__name__)

_WRITE_HEADERS = {
    "Content-Type": "application/json",
    # Unknown field names are refused instead of silently dropped [N13].
    "X-NetSuite-PropertyNameValidation": "error",
}


@dataclass(frozen=True, slots=True)
class GovernanceLimits:
    """``GET /services/rest/system/v1/governanceLimits`` [N11]."""

    account_limit: int
    unallocated_limit: int | None
    integration_limit: int | None
    limit_type: str

    @property
    def effective(self) -> int:
        """Requests this integration may have in flight at once."""
        return self.integration_limit or self.account_limit


class NetSuiteConnector:
    """One NetSuite account over REST web services; see :class:`~bookbridge.connectors.protocol.Connector`."""

    provider = PROVIDER
    replay_window = REPLAY_WINDOW
    # NetSuite has real department, class and location dimensions: every kind means itself.
    dimension_aliases: Mapping[str, str] = NO_ALIASES

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
            raise UsageError(f"a {LABEL} connection needs its account id")
        account = parse_account(settings.company_id)
        root = api_root(settings.base_url)
        host_account = account_from_host(urlsplit(root).hostname)
        if host_account is not None and host_account != account:
            raise UsageError(f"{root} is the address of account {host_account.realm}, not {account.realm}")
        self.settings = settings
        self.company_id = account.realm
        self._root = root
        self._limiter = limiter or shared_limiter(PROVIDER, account.realm, root, LIMITS, time_scale=settings.time_scale)
        policy = RetryPolicy(max_attempts=settings.max_attempts, throttle_wait=THROTTLE_WAIT, time_scale=settings.time_scale)
        extra = {"sleep": sleep} if sleep is not None else {}
        self._http = HttpClient(
            provider=PROVIDER, label=LABEL, base_url=root, error_mapper=map_response, limiter=self._limiter,
            authenticator=authenticator, timeouts=settings.timeouts, retry_policy=policy, sync_log=settings.sync_log,
            jitter=jitter, default_headers={"Accept": "application/json"}, **extra,
        )
        self._page_size = max(1, min(settings.page_size, MAX_PAGE_SIZE))
        self._facts = FactsCache(self.rows)

    # --- plumbing ---------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "NetSuiteConnector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _suiteql_page(self, statement: str, limit: int, offset: int) -> Mapping[str, Any]:
        result = self._http.request(
            "POST", SUITEQL_PATH, params={"limit": str(limit), "offset": str(offset)},
            headers={"Content-Type": "application/json", "Prefer": "transient"},
            data=jsonwire.dumps({"q": statement}).encode("utf-8"), idempotent=True,  # a query changes nothing
        )
        return parse_body(result.content) or {}

    def suiteql(self, statement: str) -> Iterator[dict[str, Any]]:
        """Every row of a SuiteQL statement (which needs a unique ORDER BY to page reliably)."""
        return paged(self._suiteql_page, statement, page_size=self._page_size)

    def rows(self, listing: records.Listing, where: str | None = None) -> Iterator[dict[str, Any]]:
        return self.suiteql(listing.statement(where))

    def _parsed(self, listing: records.Listing, include_inactive: bool) -> Iterator[Any]:
        codes = self._facts.get().currency_codes
        assert listing.parse is not None
        for row in self.rows(listing, None if include_inactive else "isinactive = 'F'"):
            yield listing.parse(row, codes)

    # --- reference data -------------------------------------------------------------------------------
    def company(self) -> CompanyRecord:
        facts = self._facts.get()
        subsidiary = facts.subsidiary or {}
        return CompanyRecord(
            company_id=self.company_id, name=records.text(subsidiary, "name") or "",
            home_currency=facts.home_currency, multicurrency=len(facts.active_currencies) > 1,
            closed_books_date=self.closed_books_date(), country=records.text(subsidiary, "country"),
        )

    def closed_books_date(self) -> date | None:
        return closed_through(list(self.rows(records.PERIODS)))

    def accounts(self, *, include_inactive: bool = True) -> Iterator[AccountRecord]:
        return self._parsed(records.ACCOUNTS, include_inactive)

    def vendors(self, *, include_inactive: bool = True) -> Iterator[VendorRecord]:
        return self._parsed(records.VENDORS, include_inactive)

    def dimensions(self, *, include_inactive: bool = True) -> Iterator[DimensionRecord]:
        for listing in records.DIMENSIONS:
            yield from self._parsed(listing, include_inactive)

    def tax_codes(self, *, include_inactive: bool = True) -> Iterator[TaxCodeRecord]:
        return self._parsed(records.TAX_CODES, include_inactive)

    def tax_rates(self, *, include_inactive: bool = True) -> Iterator[TaxRateRecord]:
        codes = self._facts.get().currency_codes
        for row in self.rows(records.TAX_CODES, None if include_inactive else "isinactive = 'F'"):
            yield records.tax_rate(row, codes)

    def currencies(self) -> Iterator[CurrencyRecord]:
        for row in self.rows(records.CURRENCIES):
            yield CurrencyRecord(str(row.get("symbol") or "").upper(), records.text(row, "name") or "",
                                 not records.flag(row.get("isinactive")))

    def exchange_rates(self, as_of: date, currencies: Iterable[str] | None = None) -> Iterator[ExchangeRateRecord]:
        """The latest ``currencyrate`` on or before ``as_of`` for each currency, to the home currency."""
        facts = self._facts.get()
        home = facts.home_currency
        home_id = next((cid for cid, code in facts.currency_codes.items() if code == home), None)
        if home_id is None:
            return
        wanted = {c.upper() for c in currencies} if currencies is not None else None
        statement = (
            "SELECT id, transactioncurrency, exchangerate, TO_CHAR(effectivedate, 'YYYY-MM-DD') AS effectivedate "
            f"FROM currencyrate WHERE basecurrency = {quote(home_id)} AND effectivedate <= {date_literal(as_of)} "
            "ORDER BY effectivedate DESC, id DESC"
        )
        seen: set[str] = set()
        for row in self.suiteql(statement):
            code = facts.currency_codes.get(str(row.get("transactioncurrency")), "")
            if not code or code in seen or (wanted is not None and code not in wanted):
                continue
            seen.add(code)
            yield ExchangeRateRecord(code, home or "", records.parse_rate(row.get("exchangerate")),
                                     records.parse_date(row.get("effectivedate")) or as_of)

    # --- documents ------------------------------------------------------------------------------------
    def build_payload(self, doc: Document) -> dict[str, Any]:
        return payloads.build_payload(doc, self._facts.get().payload_context())

    def _upsert(self, record_type: str, payload: Mapping[str, Any]) -> tuple[str, HttpResult]:
        result = self._http.request(
            "PUT", f"{RECORD_PATH}/{record_type}/eid:{payload['externalId']}", headers=_WRITE_HEADERS,
            data=jsonwire.dumps(payload).encode("utf-8"), idempotent=True,  # an upsert by externalId
        )
        remote_id = record_id_from_location(result.headers.get("Location"))
        if remote_id is None:
            raise ServerError(f"{LABEL} accepted the {record_type} but did not say where it is (no Location)",
                              provider=PROVIDER, code="answer-shape", retryable=False)
        return remote_id, result

    def _post(self, doc: Document) -> PostResult:
        payload = self.build_payload(doc)
        try:
            remote_id, result = self._upsert(payloads.RECORD_TYPES[doc.kind], payload)
        except UnknownReference as error:
            raise reclassify(error, self.suiteql) from None
        raw = {"id": remote_id, "externalId": payload["externalId"], "location": result.headers.get("Location")}
        return PostResult(doc.kind, doc.key, remote_id, doc.doc_number, raw, attempts=result.attempts)

    def versions(self, remote_ids: Sequence[str]) -> dict[str, str]:
        """Each transaction's version mark (``lastmodifieddate`` as SuiteQL shows it), by internal id."""
        if not remote_ids:
            return {}
        where = f"id IN ({', '.join(quote(i) for i in remote_ids)})"
        return {str(row["id"]): mark for row in self.rows(records.TRANSACTIONS, where)
                if (mark := records.version(row)) is not None}

    def _with_versions(self, results: list[PostResult | ConnectorError]) -> list[PostResult | ConnectorError]:
        """Posts with the version mark they left, read in one query, so the change feed knows them as ours.

        The upsert answers 204 with a Location only [N9]. When the read fails the posts still
        stand (they are in NetSuite); they just carry no mark, and a later edit check reports
        the first version it sees.
        """
        posted = [r.remote_id for r in results if isinstance(r, PostResult)]
        try:
            marks = self.versions(posted)
        except ConnectorError as error:
            log.warning("%s: version marks of %d posted record(s) could not be read: %s", LABEL, len(posted),
                        error.user_message)
            return results
        return [replace(r, version=marks.get(r.remote_id)) if isinstance(r, PostResult) else r for r in results]

    def push(self, doc: Document) -> PostResult:
        answer = self._with_versions([self._post(doc)])[0]
        assert isinstance(answer, PostResult)
        return answer

    def push_journal_entry(self, doc: JournalDocument) -> PostResult:
        return self.push(doc)

    def push_purchase(self, doc: PurchaseDocument) -> PostResult:
        return self.push(doc)

    def push_bill(self, doc: BillDocument) -> PostResult:
        return self.push(doc)

    def push_many(self, docs: Sequence[Document]) -> list[PostResult | ConnectorError]:
        """One upsert per document, in order (the record API has no batch endpoint [N11]), then one version read."""
        results: list[PostResult | ConnectorError] = []
        for doc in docs:
            try:
                results.append(self._post(doc))
            except ConnectorError as error:
                results.append(error)
        return self._with_versions(results)

    def find_by_key(
        self, kind: DocumentKind, key: str, *, doc_number: str | None = None, txn_date: date | None = None
    ) -> PostResult | None:
        """The record whose ``externalId`` our key makes (``doc_number``/``txn_date`` are not needed)."""
        if kind not in payloads.RECORD_TYPES:
            raise UsageError(f"{LABEL} records can be found by key; {kind.value} records cannot")
        external = payloads.external_id(kind, key)
        try:
            result = self._http.request(
                "GET", f"{RECORD_PATH}/{payloads.RECORD_TYPES[kind]}/eid:{external}",
                params={"fields": "id,externalId,tranId,lastModifiedDate"}, idempotent=True,
            )
        except ConnectorError as error:
            if error.http_status == 404:
                return None
            raise
        body = parse_body(result.content) or {}
        updated = body.get("lastModifiedDate")
        found = PostResult(kind, key, str(body["id"]), body.get("tranId"), dict(body), attempts=result.attempts,
                           updated_at=datetime.fromisoformat(str(updated).replace("Z", "+00:00")) if updated else None)
        # The mark comes from SuiteQL, like the change feed's, not from REST's UTC lastModifiedDate.
        return replace(found, version=self.versions([found.remote_id]).get(found.remote_id))

    def create_vendor(self, draft: VendorDraft) -> VendorRecord:
        """Upsert a vendor by ``externalId`` (a retry finds the one it made) and read it back."""
        facts = self._facts.get()
        body: dict[str, Any] = {"externalId": payloads.external_id(DocumentKind.VENDOR, draft.key),
                                "companyName": draft.name, "isPerson": False}
        context = facts.payload_context()
        if context.subsidiary_id:
            body["subsidiary"] = {"id": context.subsidiary_id}
        if draft.currency and draft.currency.upper() in context.currency_ids:
            body["currency"] = {"id": context.currency_ids[draft.currency.upper()]}
        if draft.email:
            body["email"] = draft.email
        remote_id, _ = self._upsert("vendor", body)
        row = next(self.rows(records.VENDORS, f"id = {quote(remote_id)}"), None)
        if row is None:
            raise ServerError(f"{LABEL} created vendor {draft.name} but cannot find it", provider=PROVIDER,
                              code="answer-shape", retryable=True)
        return records.vendor(row, facts.currency_codes)

    def upload_attachment(self, target: RemoteDocument, filename: str, content: bytes, mime_type: str) -> AttachmentResult:
        """Not possible: REST web services have no file upload for records (SuiteScript or SOAP only)."""
        raise ConnectorError(
            f"{LABEL}'s REST web services cannot attach files to records; attach {filename} to "
            f"{target.kind.value} {target.remote_id} by hand in {LABEL}",
            provider=PROVIDER, code="attachments-unsupported", retryable=False,
        )

    # --- changes ----------------------------------------------------------------------------------------
    def changes_since(self, since: datetime, kinds: Iterable[str] | None = None) -> Iterator[ChangeRecord]:
        if since.tzinfo is None:
            raise UsageError("changes_since needs a timezone-aware time")
        return change_rows(self.suiteql, since, kinds, self._facts.get().currency_codes)

    # --- housekeeping -------------------------------------------------------------------------------------
    def governance(self) -> GovernanceLimits:
        """The account's concurrency limits; the limiter adopts the figure this integration may use."""
        result = self._http.request("GET", GOVERNANCE_PATH, idempotent=True)
        body = parse_body(result.content) or {}
        limits = GovernanceLimits(
            account_limit=int(body.get("accountConcurrencyLimit") or LIMITS.max_concurrent or 1),
            unallocated_limit=_int(body.get("accountUnallocatedConcurrencyLimit")),
            integration_limit=_int(body.get("integrationConcurrencyLimit")),
            limit_type=str(body.get("integrationLimitType") or ""),
        )
        self._limiter = shared_limiter(PROVIDER, self.company_id, self._root,
                                       RateLimits(windows=(), max_concurrent=limits.effective),
                                       time_scale=self.settings.time_scale)
        self._http.limiter = self._limiter
        return limits

    def quota(self) -> QuotaSnapshot:
        return self._limiter.snapshot(PROVIDER, self.company_id)


def _int(value: Any) -> int | None:
    return int(value) if value is not None and str(value).strip() else None
