"""Shared pieces for the Sage Intacct connector tests: a sandbox on loopback and a connected connector.

The connector signs in through the real flow (``connect_with_login`` opens an API session over
HTTP); its secrets stay in a :class:`MemoryTokenStore` here (the keyring itself is tested by the
CLI test under the real Secret Service).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

import pytest

from bookbridge.connectors.dto import DimensionRef, JournalDocument, JournalLine, Ref
from bookbridge.connectors.intacct.connect import connect_with_login
from bookbridge.connectors.intacct.connector import IntacctConnector
from bookbridge.connectors.intacct.credentials import UserLogin
from bookbridge.connectors.registry import open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.sandbox.intacct import IntacctSandbox

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "intacct-jfcote87"
SENDER = ClientCredentials("bookbridge_test", "sender-pass-7f3a")
USER_PASSWORD = "user-pass-91c2"


def login(sandbox: IntacctSandbox, user: str = "ws_test", password: str = USER_PASSWORD) -> UserLogin:
    return UserLogin(user, sandbox.company_id, password)


def connected_store(sandbox: IntacctSandbox, time_scale: float = 100.0) -> MemoryTokenStore:
    store = MemoryTokenStore()
    connect_with_login(base_url=sandbox.base_url, sender=SENDER, login=login(sandbox), store=store,
                       time_scale=time_scale)
    return store


def make_connector(sandbox: IntacctSandbox, store: MemoryTokenStore | None = None, **settings) -> IntacctConnector:
    """A connector opened through the registry, as the sync engine opens it."""
    values = {"time_scale": 100.0, "max_attempts": 3, **settings}
    connector = open_connector(ConnectionSettings("intacct", "main", sandbox.base_url, sandbox.company_id, **values),
                               store or connected_store(sandbox, values["time_scale"]))
    assert isinstance(connector, IntacctConnector)
    return connector


def journal(key: str, amount: str = "120.50", *, day: date = date(2026, 3, 2), debit: str = "6200",
            credit: str = "2110", klass: str | None = "T7", number: str | None = None) -> JournalDocument:
    dims = (DimensionRef("class", klass),) if klass else ()
    value = Decimal(amount)
    return JournalDocument(
        key=key, date=day, currency="USD", doc_number=number or f"BB-{key[:12]}", memo=f"Fuel {key}",
        lines=(JournalLine(Ref(debit), debit=value, description="Diesel", dimensions=dims),
               JournalLine(Ref(credit), credit=value, description="Diesel")),
    )


@pytest.fixture
def intacct_sandbox() -> Iterator[IntacctSandbox]:
    """A sandbox without rate limits or faults (tests of those configure their own)."""
    with IntacctSandbox(limits=False) as running:
        yield running


@pytest.fixture
def intacct(intacct_sandbox: IntacctSandbox) -> Iterator[IntacctConnector]:
    connector = make_connector(intacct_sandbox)
    yield connector
    connector.close()


@pytest.fixture
def exchanges() -> list:
    """Collects the sync log of a connector built with ``sync_log=exchanges.append``."""
    return []


ConnectorFactory = Callable[..., IntacctConnector]
