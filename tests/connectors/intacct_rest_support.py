"""Helpers for the Intacct REST tests: a sandbox connection made through the real OAuth flow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import ConnectResult, connect
from bookbridge.connectors.dto import BillDocument, DimensionRef, ExpenseLine, JournalDocument, JournalLine, Ref
from bookbridge.connectors.intacct.rest.connector import IntacctRestConnector
from bookbridge.connectors.registry import open_connector, provider
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore, TokenStore
from bookbridge.sandbox.intacct import IntacctSandbox

CLIENT = ClientCredentials("bookbridge-rest-test")
SPEC = provider("intacct-rest")


def sign_in(sandbox: IntacctSandbox, store: TokenStore | None = None) -> tuple[TokenStore, ConnectResult]:
    """Authorise over the loopback redirect with PKCE, as `bookbridge connect` does."""
    store = store if store is not None else MemoryTokenStore()
    result = connect(SPEC, base_url=sandbox.base_url, client=CLIENT, store=store, open_url=open_without_browser())
    return store, result


def open_rest(sandbox: IntacctSandbox, store: TokenStore | None = None, *, name: str = "main",
              **settings: object) -> IntacctRestConnector:
    """A connector opened through the registry, exactly as the sync engine opens one."""
    store, result = sign_in(sandbox, store)
    values: dict = {"time_scale": 100.0, "max_attempts": 4, **settings}
    connection = ConnectionSettings(provider="intacct-rest", name=name, base_url=result.base_url,
                                    company_id=result.company_id, **values)
    connector = open_connector(connection, store)
    assert isinstance(connector, IntacctRestConnector)
    return connector


def journal(key: str, *, number: str = "EXP-1", day: date = date(2026, 3, 2), account: str = "6200",
            amount: str = "42.10", truck: str = "T7") -> JournalDocument:
    money = Decimal(amount)
    return JournalDocument(key=key, date=day, currency="USD", doc_number=number, memo="Fuel",
                           lines=(JournalLine(Ref(account), debit=money, dimensions=(DimensionRef("class", truck),)),
                                  JournalLine(Ref("2100"), credit=money)))


def bill(key: str, *, number: str = "INV-1", vendor: str = "V100") -> BillDocument:
    return BillDocument(key=key, date=date(2026, 3, 2), currency="USD", vendor=Ref(vendor), doc_number=number,
                        memo="Tyres", due_date=date(2026, 4, 1),
                        lines=(ExpenseLine(Ref("6220"), Decimal("310.00"), "Two tyres",
                                           dimensions=(DimensionRef("department", "CHI"),)),))
