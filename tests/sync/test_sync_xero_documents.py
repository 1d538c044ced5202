"""The sync engine against the Xero sandbox over loopback: the right Xero document for each entry,
tracking categories from the connection's settings, and edits made in Xero after posting.

Xero's ManualJournals refuse bank and system accounts, so card expenses go as SPEND bank
transactions, payables as ACCPAY bills, and only the rest as ManualJournals (sync.shaping).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.exceptions.views import list_exceptions
from bookbridge.sandbox.xero import XeroSandbox
from bookbridge.store.models import Connection, ExceptionCategory, OutboxItem, OutboxStatus
from bookbridge.sync.runner import SyncOptions, run_sync
from sync_book import approved_expenses, publish
from xero_testkit import spec

TEMPLATE = """\
template: Xero documents
effective_from: 2024-01-01
credit_accounts: {company_card: "2110", reimbursable: "2000", bank: "1000", cash: "1000"}
mappings:
  - category: Fuel
    account: "6200"
    dimension_fields: {class: truck}
  - category: Meals
    account: "6110"
  - category: Driver pay
    account: "6400"
    credit_account: "2310"
"""


def _connect(book, sandbox, settings: dict | None = None):
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect
    from bookbridge.connectors.registry import provider
    from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore

    store = MemoryTokenStore()
    result = connect(provider("xero"), base_url=sandbox.base_url, client=ClientCredentials("docs-test-app"),
                     store=store, open_url=open_without_browser())
    with book.unit_of_work() as session:
        session.add(Connection(name="main", provider="xero", base_url=result.base_url, company_ref=result.company_id,
                               status="connected", settings_json=json.dumps({"time_scale": 100, **(settings or {})}),
                               token_expires_at=result.token_expires_at, created_at=clock.now()))
    return store


def _rows(book) -> list[OutboxItem]:
    with book.read() as session:
        return list(session.scalars(sa.select(OutboxItem).order_by(OutboxItem.id)))


def _sync(book, store):
    return run_sync(book, SyncOptions(token_store=store))


def test_card_expense_is_spend_money(book) -> None:
    """A company-card expense posts as SPEND on the card (2110) to the merchant, its amount carried once."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect(book, sandbox, {"tracking_categories": "class:Truck"})
        publish(book, TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 2), category="Fuel", amount="85.40",
                                      fields={"truck": "Truck 12"})], template=False)
        report = _sync(book, store)
        spends = sandbox.store.all("BankTransactions")
        journals = sandbox.store.all("ManualJournals")
    assert report.summary()["posted"] == 1 and journals == []
    (spend,) = spends
    assert spend["Type"] == "SPEND" and spend["BankAccount"]["Code"] == "2110"
    assert spend["Contact"]["Name"] == "Pilot Flying J" and spend["Total"] == Decimal("85.40")
    assert [(line["AccountCode"], line["LineAmount"]) for line in spend["LineItems"]] == [("6200", Decimal("85.40"))]
    (row,) = _rows(book)
    assert (row.doc_kind, row.remote_id, row.status) == ("purchase", spend["BankTransactionID"], OutboxStatus.POSTED)
    assert spec().validate("#/components/schemas/BankTransactions", {"BankTransactions": [json.loads(row.payload_json)]}) == []


def test_tracking_category_mapping_tags_the_line(book) -> None:
    """With tracking_categories=class:Truck, the template's class goes on the line as tracking 'Truck'."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect(book, sandbox, {"tracking_categories": "class:Truck"})
        publish(book, TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 2), category="Fuel", amount="60.00",
                                      fields={"truck": "Truck 7"})], template=False)
        _sync(book, store)
        (spend,) = sandbox.store.all("BankTransactions")
    assert [(t["Name"], t["Option"]) for t in spend["LineItems"][0]["Tracking"]] == [("Truck", "Truck 7")]


def test_unmapped_dimension_is_a_mapping_problem(book) -> None:
    """Without a tracking category for class, the expense waits on a mapping exception naming the categories."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect(book, sandbox)
        publish(book, TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 2), category="Fuel", amount="60.00",
                                      fields={"truck": "Truck 7"})], template=False)
        report = _sync(book, store)
        posted = sandbox.store.counts()
    (problem,) = list_exceptions(book, open_only=True)
    assert report.summary()["posted"] == 0 and posted["BankTransactions"] == posted["ManualJournals"] == 0
    assert problem.category is ExceptionCategory.MAPPING
    assert "tracking_categories=class:" in problem.message and "Truck" in problem.message


def test_reimbursable_expense_goes_as_a_bill_to_the_employee(book) -> None:
    """A reimbursable expense credited to Accounts Payable posts as an ACCPAY bill to the employee."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect(book, sandbox)
        publish(book, TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 3), category="Meals", amount="42.10", payment="reimbursable",
                                      employee="Jorge Alvarez (driver)")], template=False)
        report = _sync(book, store)
        bills = sandbox.store.all("Invoices")
    assert report.summary()["posted"] == 1, [e.title for e in list_exceptions(book)]
    (bill,) = bills
    assert bill["Type"] == "ACCPAY" and bill["Contact"]["Name"] == "Jorge Alvarez (driver)"
    assert bill["Total"] == Decimal("42.10") and bill["LineItems"][0]["AccountCode"] == "6110"
    assert bill["InvoiceNumber"] == _rows(book)[0].doc_number


def test_entry_without_system_accounts_stays_a_manual_journal(book) -> None:
    """Driver pay credited to payroll clearing (an ordinary liability) is still a ManualJournal."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect(book, sandbox)
        publish(book, TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 4), category="Driver pay", amount="1500.00", vendor=None,
                                      payment="bank")], template=False)
        _sync(book, store)
        journals = sandbox.store.all("ManualJournals")
    (journal,) = journals
    assert sorted((line["AccountCode"], line["LineAmount"]) for line in journal["JournalLines"]) == [
        ("2310", Decimal("-1500.00")), ("6400", Decimal("1500.00"))]


def test_edit_in_xero_after_posting_is_one_conflict(book) -> None:
    """Our own create is no conflict; an edit made in Xero afterwards becomes exactly one conflict."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect(book, sandbox)
        publish(book, TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 5), category="Meals", amount="19.99")], template=False)
        _sync(book, store)
        own = _sync(book, store)  # the change feed now shows our own create
        conflicts_after_own = list_exceptions(book, category=ExceptionCategory.CONFLICT)
        (row,) = _rows(book)
        # A person changes the reference in Xero (the sandbox moves UpdatedDateUTC on, as Xero does).
        sandbox.store.update("BankTransactions", row.remote_id, {"Reference": "changed by a person"})
        _sync(book, store)
        _sync(book, store)  # the same edit seen again is not a second conflict
    assert own.summary()["failed"] == 0 and conflicts_after_own == []
    (conflict,) = list_exceptions(book, category=ExceptionCategory.CONFLICT)
    assert row.doc_number in conflict.title and conflict.repetitions == 1
