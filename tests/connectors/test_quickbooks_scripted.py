"""QBO behaviour the local sandbox does not offer, against a scripted loopback server.

The sandbox has no ExchangeRate entity and never fills a CDC answer to QBO's 1,000-object cap,
so these answers are scripted in QBO's documented shapes (ERP_FACTS.md §1.3, §1.4).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from connector_testkit import Reply, ScriptedServer

from bookbridge.connectors.quickbooks import QuickBooksConnector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.core import clock


class StaticAuth:
    def auth_headers(self):
        return {"Authorization": "Bearer scripted-token"}

    def renew(self) -> None:
        raise AssertionError("no renewal expected")


def connector(url: str) -> QuickBooksConnector:
    return QuickBooksConnector(ConnectionSettings("qbo", "t", url, "4620816365", max_attempts=1), StaticAuth())


def sent_query(seen) -> str:
    return parse_qs(urlsplit(seen.path).query)["query"][0]


def test_exchange_rates_are_read_for_the_day_and_filtered(scripted: ScriptedServer):
    """ExchangeRate rows for AsOfDate become exact Decimal rates; unwanted currencies are dropped."""
    # Rates as bare JSON numbers, as QBO writes them.
    scripted.queue(Reply(200, b'{"QueryResponse": {"ExchangeRate": ['
                              b'{"SourceCurrencyCode": "EUR", "TargetCurrencyCode": "USD", "Rate": 1.0812, "AsOfDate": "2025-01-31"},'
                              b'{"SourceCurrencyCode": "CAD", "TargetCurrencyCode": "USD", "Rate": 0.6931, "AsOfDate": "2025-01-31"}'
                              b'], "startPosition": 1}}'))
    rates = list(connector(scripted.url).exchange_rates(date(2025, 1, 31), ["eur"]))
    assert [(r.source_currency, r.rate) for r in rates] == [("EUR", Decimal("1.0812"))]
    assert "AsOfDate = '2025-01-31'" in sent_query(scripted.seen[0])


def test_cdc_at_its_cap_is_completed_by_query(scripted: ScriptedServer):
    """When CDC returns 1,000 objects for an entity, the rest are read with a LastUpdatedTime query."""
    meta = '"MetaData": {"CreateTime": "2025-01-02T03:04:05-08:00", "LastUpdatedTime": "2025-01-03T03:04:05-08:00"}'
    capped = ",".join(f'{{"Id": "{n}", "DisplayName": "V{n}", {meta}}}' for n in range(1000))
    extra = ",".join(f'{{"Id": "{n}", "DisplayName": "V{n}", {meta}}}' for n in (998, 999, 1000, 1001))
    scripted.queue(
        Reply(200, f'{{"CDCResponse": [{{"QueryResponse": [{{"Vendor": [{capped}], "startPosition": 1}}]}}]}}'.encode()),
        Reply(200, f'{{"QueryResponse": {{"Vendor": [{extra}]}}}}'.encode()),
    )
    changes = list(connector(scripted.url).changes_since(clock.now() - timedelta(days=1), kinds=["vendor"]))
    assert len(changes) == 1002 and len({c.remote_id for c in changes}) == 1002
    assert "MetaData.LastUpdatedTime >=" in sent_query(scripted.seen[1])
    assert changes[-1].operation.value == "updated" and changes[-1].record.name == "V1001"
