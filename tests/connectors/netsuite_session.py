"""Helpers for NetSuite connector tests: a sandbox, a connector connected through the real OAuth
flow over loopback, and documents coded to the sandbox's seeded account.

Test modules import the fixtures they use from here (``from netsuite_session import ns``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

import pytest
import requests

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    EntityKind,
    EntityRef,
    ExpenseLine,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
)

TIME_SCALE = 60.0  # the connector's waits run 60x fast against the sandbox
DAY = dt.date(2026, 3, 2)


@dataclass
class NsSession:
    """A connected NetSuite connector against a fresh local sandbox, plus what a test looks at."""

    sandbox: Any
    connector: Any
    store: Any
    settings: Any
    exchanges: list

    def control(self, path: str, body: dict | None = None) -> dict:
        """Call the sandbox's own /__sandbox/ control path (faults, clock, stats)."""
        url = f"{self.sandbox.base_url}/__sandbox/{path}"
        answer = requests.post(url, json=body, timeout=5) if body is not None else requests.get(url, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def queue_faults(self, *names: str) -> None:
        self.control("faults", {"queue": list(names)})

    def records(self, record_type: str) -> list[dict]:
        return self.sandbox.store.records(record_type)

    def requests_to(self, fragment: str) -> list:
        return [e for e in self.exchanges if fragment in e.url]


def connect_session(sandbox, store, **overrides) -> NsSession:
    """Run the whole connect flow (loopback redirect, no browser) and open a connector."""
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect
    from bookbridge.connectors.registry import open_connector, provider
    from bookbridge.connectors.settings import ConnectionSettings
    from bookbridge.connectors.tokens import ClientCredentials

    exchanges: list = []
    result = connect(provider("netsuite"), base_url=sandbox.base_url, client=ClientCredentials("bookbridge-ns-test"),
                     store=store, open_url=open_without_browser(), sync_log=exchanges.append)
    settings = ConnectionSettings("netsuite", "main", sandbox.base_url, result.company_id, time_scale=TIME_SCALE,
                                  sync_log=exchanges.append, **overrides)
    return NsSession(sandbox, open_connector(settings, store), store, settings, exchanges)


@pytest.fixture
def ns_sandbox() -> Iterator[Any]:
    from bookbridge.sandbox.netsuite import NetSuiteSandbox

    with NetSuiteSandbox(time_scale=TIME_SCALE) as sandbox:
        yield sandbox


@pytest.fixture
def ns(ns_sandbox) -> Iterator[NsSession]:
    from bookbridge.connectors.tokens import MemoryTokenStore

    session = connect_session(ns_sandbox, MemoryTokenStore())
    yield session
    session.connector.close()


def refs(session: NsSession) -> dict[str, str]:
    """Internal ids of the seeded records the documents below use, read through the connector."""
    accounts = {a.number: a.id for a in session.connector.accounts()}
    vendors = {v.name: v.id for v in session.connector.vendors()}
    dims = {(d.kind, d.name): d.id for d in session.connector.dimensions()}
    return {
        "fuel": accounts["6200"], "meals": accounts["6110"], "visa": accounts["2110"], "ap": accounts["2000"],
        "inactive_expense": accounts["6950"], "reimbursements": accounts["2300"],
        "vendor": vendors["Pilot Flying J"], "inactive_vendor": vendors["Old Tire Shop"],
        "class": dims[("class", "Truck 7")], "department": dims[("department", "Operations")],
        "location": dims[("location", "Chicago terminal")],
    }


EMPLOYEE = "201"  # Jorge Alvarez, the seeded employee expense reports belong to


def journal(r: dict[str, str], key: str, *, amount: str = "100.00", doc_number: str | None = None,
            day: dt.date = DAY, lines: tuple[JournalLine, ...] | None = None, currency: str = "USD",
            exchange_rate: Decimal | None = None) -> JournalDocument:
    value = Decimal(amount)
    default = (
        JournalLine(Ref(r["fuel"]), debit=value, description="Diesel",
                    dimensions=(DimensionRef("class", r["class"]), DimensionRef("department", r["department"]),
                                DimensionRef("location", r["location"]))),
        JournalLine(Ref(r["visa"]), credit=value, description="Diesel", entity=EntityRef(EntityKind.VENDOR, r["vendor"])),
    )
    return JournalDocument(key=key, date=day, currency=currency, lines=lines or default, doc_number=doc_number,
                           memo=f"Bookbridge {key}", exchange_rate=exchange_rate)


def bill(r: dict[str, str], key: str, *, amount: str = "250.00", day: dt.date = DAY) -> BillDocument:
    return BillDocument(key=key, date=day, currency="USD", vendor=Ref(r["vendor"]),
                        lines=(ExpenseLine(Ref(r["fuel"]), Decimal(amount), "Fuel delivery",
                                           (DimensionRef("class", r["class"]),)),),
                        due_date=day + dt.timedelta(days=30), ap_account=Ref(r["ap"]), doc_number="INV-77",
                        memo="Monthly fuel", dimensions=(DimensionRef("location", r["location"]),))


def expense_report(r: dict[str, str], key: str, *, payment: PaymentType = PaymentType.CARD,
                   currency: str = "USD") -> PurchaseDocument:
    return PurchaseDocument(key=key, date=DAY, currency=currency, payment_type=payment, paying_account=Ref(r["visa"]),
                            lines=(ExpenseLine(Ref(r["fuel"]), Decimal("80.00"), "Diesel"),
                                   ExpenseLine(Ref(r["meals"]), Decimal("12.50"), "Lunch")),
                            vendor=Ref(EMPLOYEE), doc_number="ER-5", memo="Trip to Dallas")
