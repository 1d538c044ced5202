"""The sync engine, unchanged, against every provider's sandbox: remote edits, account kinds,
dimensions and the replay window each come from the connector, never from a QBO assumption.

Every test runs the real engine (``run_sync``) against a sandbox over loopback HTTP; edits are
made the way a user or another integration would make them, through the provider's own API.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator

import pytest
import requests
import sqlalchemy as sa

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import connect as run_connect
from bookbridge.connectors.intacct.connect import connect_with_login
from bookbridge.connectors.intacct.credentials import UserLogin
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.core import clock
from bookbridge.exceptions.views import list_exceptions
from bookbridge.sandbox.intacct import IntacctSandbox
from bookbridge.sandbox.netsuite import NetSuiteSandbox
from bookbridge.sandbox.qbo import QboSandbox
from bookbridge.sandbox.xero import XeroSandbox
from bookbridge.store.models import (
    AccountKind,
    Connection,
    ExceptionCategory,
    LedgerAccount,
    OutboxItem,
    OutboxStatus,
    RemoteState,
)
from bookbridge.sync.connection import find_connection, open_connector
from bookbridge.sync.runner import SyncOptions, run_sync
from sync_book import SANDBOX_TEMPLATE, approved_expenses, connect, fuel, publish


def _record(book, name: str, result, settings: dict) -> None:
    with book.unit_of_work() as session:
        session.add(Connection(name="main", provider=name, base_url=result.base_url, company_ref=result.company_id,
                               status="connected", settings_json=json.dumps(settings),
                               token_expires_at=result.token_expires_at, created_at=clock.now()))


def _connect_intacct(book, sandbox: IntacctSandbox, settings: dict | None = None) -> MemoryTokenStore:
    store = MemoryTokenStore()
    result = connect_with_login(base_url=sandbox.base_url, sender=ClientCredentials("sync_test", "sender-pw"),
                                login=UserLogin("ws_sync", sandbox.company_id, "user-pw"), store=store, time_scale=100)
    _record(book, "intacct", result, settings or {"time_scale": 100})
    return store


def _connect_oauth(book, name: str, sandbox, settings: dict | None = None) -> MemoryTokenStore:
    store = MemoryTokenStore()
    result = run_connect(provider(name), base_url=sandbox.base_url, client=ClientCredentials("sync-test"),
                         store=store, open_url=open_without_browser())
    _record(book, name, result, settings or {"time_scale": 100})
    return store


def _sync(book, store):
    return run_sync(book, SyncOptions(token_store=store))


def _posted(book) -> OutboxItem:
    with book.read() as session:
        return session.scalars(sa.select(OutboxItem)).one()


def _conflicts(book):
    return list_exceptions(book, category=ExceptionCategory.CONFLICT)


# --- 1. versions: our create is ours, a later edit is one conflict -----------------------------------


def _edit_in_intacct(book, store, sandbox: IntacctSandbox, recordno: str) -> None:
    """Change the batch title with an XML ``update`` function, a second later on Intacct's clock."""
    sandbox.clock.advance(2)  # WHENMODIFIED has whole seconds: an edit in the same second looks unchanged
    with book.read() as session:
        ref = find_connection(session, None)
    connector = open_connector(book, ref, store=store)
    try:
        function = {"@controlid": "accountant-edit", "update": {"GLBATCH": {
            "RECORDNO": recordno, "BATCH_TITLE": "Fuel, recoded by the accountant"}}}
        response, _ = connector.call([function], write=True)
        assert response.result("accountant-edit").ok
    finally:
        connector.close()


def _edit_in_netsuite(book, store, sandbox: NetSuiteSandbox, record_id: str) -> None:
    """Change the memo with a REST ``PATCH``, a second later on NetSuite's clock."""
    sandbox.clock.advance(2)
    answer = requests.patch(f"{sandbox.base_url}/services/rest/record/v1/journalEntry/{record_id}",
                            json={"memo": "recoded by the accountant"}, timeout=10,
                            headers={"Authorization": f"Bearer {store.load_tokens().access_token}"})
    assert answer.status_code == 204, answer.text


@pytest.mark.parametrize("name", ["intacct", "netsuite"])
def test_own_post_is_no_conflict_and_a_later_edit_is_one(book, name: str) -> None:
    """After posting, the change feed's copy of our create raises nothing; an edit raises one conflict, once."""
    sandbox_class, edit = ((IntacctSandbox, _edit_in_intacct) if name == "intacct"
                           else (NetSuiteSandbox, _edit_in_netsuite))
    with sandbox_class(limits=False) as sandbox:
        store = _connect_intacct(book, sandbox) if name == "intacct" else _connect_oauth(book, name, sandbox)
        approved_expenses(book, fuel(1))
        assert _sync(book, store).summary()["posted"] == 1
        row = _posted(book)
        assert row.remote_version  # the connector reported the version its create left
        _sync(book, store)  # reads the change feed, which shows our own create
        assert _conflicts(book) == []
        edit(book, store, sandbox, row.remote_id)
        _sync(book, store)
        _sync(book, store)  # the same edit read again
    (conflict,) = _conflicts(book)
    assert conflict.repetitions == 1 and conflict.detail["remote_id"] == row.remote_id
    assert _posted(book).remote_state is RemoteState.CHANGED


# --- 2. account kinds from each connector's own account types -----------------------------------------


@pytest.fixture(params=["qbo", "intacct", "netsuite"])
def pulled(request, book) -> Iterator[str]:
    """A book after one sync with the named provider's seeded company (nothing to post)."""
    name = request.param
    sandbox_class = {"qbo": QboSandbox, "intacct": IntacctSandbox, "netsuite": NetSuiteSandbox}[name]
    with sandbox_class(limits=False) as sandbox:
        if name == "qbo":
            store = connect(book, sandbox, settings={"time_scale": 100})
        elif name == "intacct":
            store = _connect_intacct(book, sandbox)
        else:
            store = _connect_oauth(book, name, sandbox)
        report = _sync(book, store)
        assert report.status.value == "completed", report.notes
        yield name


def test_pulled_chart_of_accounts_has_the_right_kinds(pulled: str, book) -> None:
    """Checking is a bank, the card a credit card, A/P payable, fuel an expense, revenue income."""
    with book.read() as session:
        kinds = dict(session.execute(sa.select(LedgerAccount.code, LedgerAccount.kind)).all())
    expected = {"1000": AccountKind.BANK, "2110": AccountKind.CREDIT_CARD, "2000": AccountKind.PAYABLE,
                "6200": AccountKind.EXPENSE, "4000": AccountKind.INCOME}
    assert {code: kinds.get(code) for code in expected} == expected, pulled


# --- 3. dimensions: a location is a location where the system has one ----------------------------------

LOCATION_TEMPLATE = SANDBOX_TEMPLATE.replace(
    '    dimension_fields: {class: truck}\n', '    dimension_fields: {class: truck, location: site}\n')


@pytest.mark.parametrize("name, site, location_id", [("intacct", "Canada", "CA"), ("netsuite", "Dallas terminal", "2")])
def test_location_on_an_expense_posts_as_a_location(book, name: str, site: str, location_id: str) -> None:
    """Intacct and NetSuite have real locations: the entry carries a location and no department."""
    sandbox_class = IntacctSandbox if name == "intacct" else NetSuiteSandbox
    with sandbox_class(limits=False) as sandbox:
        store = _connect_intacct(book, sandbox) if name == "intacct" else _connect_oauth(book, name, sandbox)
        publish(book, LOCATION_TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 2), category="Fuel", amount="88.10",
                                      fields={"truck": "Truck 7", "site": site})], template=False)
        assert _sync(book, store).summary()["posted"] == 1
        if name == "intacct":
            (batch,) = sandbox.store.records("GLBATCH", owned=True)
            lines = batch["ENTRIES"]["GLENTRY"]
            debit = next(line for line in lines if line["ACCOUNTNO"] == "6200")
            assert debit.get("LOCATION") == location_id and not debit.get("DEPARTMENT")
        else:
            (entry,) = sandbox.store.records("journalEntry")
            debit = next(item for item in entry["line"]["items"] if "debit" in item)
            assert debit["location"]["id"] == location_id and "department" not in debit


# --- 4. replay window from the connector -----------------------------------------------------------------

XERO_TEMPLATE = """\
template: Sandbox trucking (Xero)
effective_from: 2024-01-01
credit_accounts: {company_card: "2110", reimbursable: "2300", bank: "1000", cash: "1000"}
mappings:
  - category: Fuel
    account: "6200"
"""


def _xero_documents(sandbox: XeroSandbox) -> list[dict]:
    """Every document in the organisation, whatever shape the engine chose (journal, spend money, bill)."""
    return [d for c in ("ManualJournals", "BankTransactions", "Invoices") for d in sandbox.store.all(c)]


def _later(minutes: float) -> Callable[[], datetime]:
    return lambda: datetime.now(timezone.utc) + timedelta(minutes=minutes)


def test_unknown_xero_post_older_than_its_window_is_looked_up_not_resent(book) -> None:
    """With no window set on the connection, Xero's own (minutes) applies: past it the journal is found by key."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect_oauth(book, "xero", sandbox, {"time_scale": 100, "max_attempts": 1})
        publish(book, XERO_TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 2), category="Fuel", amount="120.40")], template=False)
        sandbox.faults.update({"queue": ["lost_after_commit"]})
        _sync(book, store)
        assert _posted(book).status is OutboxStatus.RETRYABLE
        writes = sandbox.stats()["counters"].get("api_writes", 0)
        lookups = sandbox.stats()["counters"].get("api_filtered_reads", 0)
        clock.set_clock(_later(7))  # past Xero's ~6-minute Idempotency-Key memory, for the book and the sandbox
        try:
            report = _sync(book, store)
        finally:
            clock.set_clock(None)
        counters = sandbox.stats()["counters"]
        journals = _xero_documents(sandbox)
    row = _posted(book)
    assert report.summary()["posted"] == 1 and row.status is OutboxStatus.POSTED
    assert counters.get("api_writes", 0) == writes and counters.get("api_filtered_reads", 0) > lookups
    assert len(journals) == 1


def test_unknown_xero_post_within_its_window_is_resent_with_its_key(book) -> None:
    """Inside Xero's window the same request goes out again and Xero replays it: still one journal."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect_oauth(book, "xero", sandbox, {"time_scale": 100, "max_attempts": 1})
        publish(book, XERO_TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 2), category="Fuel", amount="120.40")], template=False)
        sandbox.faults.update({"queue": ["lost_after_commit"]})
        _sync(book, store)
        writes = sandbox.stats()["counters"].get("api_writes", 0)
        report = _sync(book, store)
        counters = sandbox.stats()["counters"]
        journals = _xero_documents(sandbox)
    assert report.summary()["posted"] == 1 and counters.get("api_writes", 0) == writes + 1
    assert counters.get("replays", 0) >= 1 and len(journals) == 1
