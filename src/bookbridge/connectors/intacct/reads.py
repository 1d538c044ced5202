"""Reading an Intacct company: reference lists, company settings and changes since a time.

Lists are read with ``readByQuery`` (``pagesize`` up to 1000) and continued with ``readMore``
and the ``resultId`` while ``numremaining`` is above zero [I4]; the paging stays inside the
iterators. Changes are records whose ``WHENMODIFIED`` is at or after a time [I9]: Intacct has no
change feed and no record of deletions, so deletions are not seen.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from bookbridge.connectors.dto import (
    AccountRecord,
    ChangeRecord,
    CompanyRecord,
    CurrencyRecord,
    DimensionRecord,
    ExchangeRateRecord,
    TaxCodeRecord,
    TaxRateRecord,
    VendorRecord,
)
from bookbridge.connectors.intacct import records
from bookbridge.connectors.intacct.config import (
    CURRENCY_OBJECT,
    EXCHANGE_RATE_OBJECT,
    LABEL,
    MAX_PAGE_SIZE,
    PREF_BASE_CURRENCY,
    PREF_CLOSED_THROUGH,
    PREF_COMPANY_NAME,
    PREF_COUNTRY,
    PREF_MULTICURRENCY,
    TIMESTAMP_FORMAT,
)
from bookbridge.connectors.intacct.faults import function_error
from bookbridge.core.errors import UsageError
from bookbridge.core.keys import new_id

if TYPE_CHECKING:
    from bookbridge.connectors.intacct.xmlwire import FunctionResult, XmlResponse
    from bookbridge.connectors.settings import ConnectionSettings

ACTIVE_ONLY = "STATUS = 'active'"


def quote(value: str) -> str:
    """A readByQuery string literal: single quotes and backslashes escaped with a backslash [I4]."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class ReadsMixin:
    """The read half of the connector; needs ``read``, ``call`` and ``settings`` from the class."""

    settings: "ConnectionSettings"
    company_id: str

    if TYPE_CHECKING:  # provided by the connector class; declared here for the type checker only
        def read(self, function: Mapping[str, Any]) -> "FunctionResult": ...

        def call(self, functions: Sequence[Mapping[str, Any]], *, write: bool) -> "tuple[XmlResponse, int]": ...

    # --- paging ---------------------------------------------------------------------------------
    def query(self, obj: str, query: str = "", fields: str = "*") -> Iterator[dict[str, Any]]:
        """Every record of ``obj`` matching ``query``, fetched page by page as it is consumed."""
        page_size = max(1, min(self.settings.page_size, MAX_PAGE_SIZE))
        result = self.read({"@controlid": new_id(), "readByQuery": {
            "object": obj, "fields": fields, "query": query, "pagesize": page_size}})
        while True:
            data = result.data
            if data is None:
                return
            yield from data.of(obj)
            if not data.numremaining or not data.result_id:
                return
            result = self.read({"@controlid": new_id(), "readMore": {"resultId": data.result_id}})

    def _list(self, obj: str, include_inactive: bool) -> Iterator[dict[str, Any]]:
        return self.query(obj, "" if include_inactive else ACTIVE_ONLY)

    # --- company ----------------------------------------------------------------------------------
    def _preferences(self) -> dict[tuple[str, str], str]:
        functions = [{"@controlid": f"prefs-{app}-{new_id()[:8]}", "get_companyprefs": {"@application": app}}
                     for app in ("GEN", "GL")]
        response, _ = self.call(functions, write=False)
        prefs: dict[tuple[str, str], str] = {}
        for function in functions:
            result = response.result(str(function["@controlid"]))
            if result is None or not result.ok:
                raise function_error(result.errors if result else (), function="get_companyprefs")
            for pref in result.data.of("companypref") if result.data else []:
                prefs[(records.text(pref, "application").upper(), records.text(pref, "preference").upper())] = \
                    records.text(pref, "prefvalue")
        return prefs

    def company(self) -> CompanyRecord:
        prefs = self._preferences()
        multicurrency = prefs.get(PREF_MULTICURRENCY, "").lower() in ("t", "true", "yes", "1")
        return CompanyRecord(
            company_id=self.company_id, name=prefs.get(PREF_COMPANY_NAME) or self.company_id,
            home_currency=(prefs.get(PREF_BASE_CURRENCY) or "").upper() or None, multicurrency=multicurrency,
            closed_books_date=records.parse_date(prefs.get(PREF_CLOSED_THROUGH)),
            country=prefs.get(PREF_COUNTRY) or None,
        )

    def closed_books_date(self) -> date | None:
        return records.parse_date(self._preferences().get(PREF_CLOSED_THROUGH))

    # --- lists -----------------------------------------------------------------------------------
    def accounts(self, *, include_inactive: bool = True) -> Iterator[AccountRecord]:
        return map(records.account, self._list("GLACCOUNT", include_inactive))

    def vendors(self, *, include_inactive: bool = True) -> Iterator[VendorRecord]:
        return map(records.vendor, self._list("VENDOR", include_inactive))

    def dimensions(self, *, include_inactive: bool = True) -> Iterator[DimensionRecord]:
        for spec in records.DIMENSION_OBJECTS:
            yield from map(records.dimension(spec), self._list(spec.object, include_inactive))

    def tax_codes(self, *, include_inactive: bool = True) -> Iterator[TaxCodeRecord]:
        return map(records.tax_code, self._list("TAXDETAIL", include_inactive))

    def tax_rates(self, *, include_inactive: bool = True) -> Iterator[TaxRateRecord]:
        return map(records.tax_rate, self._list("TAXDETAIL", include_inactive))

    def currencies(self) -> Iterator[CurrencyRecord]:
        home = self.company().home_currency
        if home:
            yield CurrencyRecord(home, home, True)
        for row in self.query(CURRENCY_OBJECT):
            record = records.currency(row)
            if record.code and record.code != home:
                yield record

    def exchange_rates(self, as_of: date, currencies: Iterable[str] | None = None) -> Iterator[ExchangeRateRecord]:
        """The latest daily rate on or before ``as_of`` for each currency pair."""
        wanted = {c.upper() for c in currencies} if currencies is not None else None
        latest: dict[tuple[str, str], ExchangeRateRecord] = {}
        day = as_of.strftime("%m/%d/%Y")
        for row in self.query(EXCHANGE_RATE_OBJECT, f"EFFECTIVE_START_DATE <= {quote(day)}"):
            record = records.exchange_rate(row)
            if wanted is not None and record.source_currency not in wanted:
                continue
            pair = (record.source_currency, record.target_currency)
            if pair not in latest or latest[pair].as_of < record.as_of:
                latest[pair] = record
        return iter(sorted(latest.values(), key=lambda r: (r.source_currency, r.target_currency)))

    # --- changes ---------------------------------------------------------------------------------
    def changes(self, since: datetime, kinds: Iterable[str] | None = None) -> Iterator[ChangeRecord]:
        """Records modified at or after ``since`` (UTC), for our kinds (all modelled ones if ``None``)."""
        if since.tzinfo is None:
            raise UsageError("changes_since needs a timezone-aware time")
        chosen = list(records.CHANGE_OBJECTS) if kinds is None else list(kinds)
        unknown = [kind for kind in chosen if kind not in records.CHANGE_OBJECTS]
        if unknown:
            raise UsageError(f"{LABEL} change tracking does not cover {', '.join(unknown)}")
        stamp = since.astimezone(timezone.utc).strftime(TIMESTAMP_FORMAT)
        return self._changes(chosen, stamp)

    def _changes(self, kinds: list[str], stamp: str) -> Iterator[ChangeRecord]:
        for kind in kinds:
            obj, _parser = records.CHANGE_OBJECTS[kind]
            for row in self.query(obj, f"WHENMODIFIED >= {quote(stamp)}"):
                yield records.change(kind, row)
