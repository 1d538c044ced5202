"""Reading an organisation's reference data and changes through the connector, over loopback HTTP."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bookbridge.connectors.dto import (
    BillDocument,
    ChangeOperation,
    DocumentKind,
    ExpenseLine,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
    VendorDraft,
)
from bookbridge.core.errors import UsageError
from bookbridge.sandbox.xero.timefmt import ms_date
from xero_testkit import api, connect_session, xero, xero_sandbox  # noqa: F401 - fixtures


def test_company_has_base_currency_lock_date_and_currencies(xero) -> None:
    """Organisation + Currencies: USD base, other currencies added (so multicurrency), the period lock."""
    company = xero.connector.company()
    assert (company.home_currency, company.multicurrency, company.country) == ("USD", True, "US")
    assert company.closed_books_date == date(2024, 12, 31) == xero.connector.closed_books_date()
    assert [c.code for c in xero.connector.currencies()] == ["USD", "CAD", "EUR"]


def test_moving_the_lock_date_shows_at_once(xero) -> None:
    """The closed-books date is read live: a new period lock date is what the next call returns."""
    xero.sandbox.store.set_lock_dates(ms_date(date(2026, 1, 31)), ms_date(date(2025, 12, 31)))
    assert xero.connector.closed_books_date() == date(2026, 1, 31)


def test_accounts_carry_codes_types_and_archived_status(xero) -> None:
    """Every account, archived ones flagged inactive (and left out when asked)."""
    accounts = {a.number: a for a in xero.connector.accounts()}
    assert accounts["6200"].name == "Fuel" and accounts["6200"].type == "DIRECTCOSTS"
    assert accounts["2110"].type == "BANK" and accounts["2110"].subtype == "CREDITCARD"
    assert accounts["2000"].subtype == "CREDITORS" and not accounts["6950"].active
    active = {a.number for a in xero.connector.accounts(include_inactive=False)}
    assert "6950" not in active and "2190" not in active and "6200" in active
    assert len(accounts) == len(xero.stored("Accounts"))


def test_vendors_are_suppliers_and_archived_ones_only_when_asked(xero) -> None:
    """Contacts that are only customers are not vendors; archived suppliers come with include_inactive."""
    names = {v.name: v for v in xero.connector.vendors()}
    assert "Pilot Flying J" in names and "Acme Foods Distribution" not in names
    assert not names["Old Tire Shop"].active and names["Petro-Canada"].currency == "CAD"
    assert "Old Tire Shop" not in {v.name for v in xero.connector.vendors(include_inactive=False)}


def test_dimensions_are_tracking_options(xero) -> None:
    """Tracking categories Truck and Terminal; archived options and categories only when asked."""
    every = [(d.kind, d.name, d.active) for d in xero.connector.dimensions()]
    assert ("tracking:Truck", "Truck 7", True) in every and ("tracking:Truck", "Truck 3 (sold)", False) in every
    assert ("tracking:Region (old)", "North", False) in every
    active = {(d.kind, d.name) for d in xero.connector.dimensions(include_inactive=False)}
    assert ("tracking:Terminal", "Head office") in active and ("tracking:Truck", "Truck 3 (sold)") not in active
    assert not any(kind == "tracking:Region (old)" for kind, _ in active)


def test_tax_codes_and_rates(xero) -> None:
    """TaxRates give codes (TaxType) and exact effective rates; archived ones are flagged."""
    rates = {r.id: r for r in xero.connector.tax_rates()}
    assert rates["INPUT"].rate == Decimal("8.2500") and rates["NONE"].rate == 0
    codes = {c.id: c for c in xero.connector.tax_codes()}
    assert codes["INPUT"].taxable and not codes["TAX002"].active and codes["OUTPUT"].purchase_rate_ids == ()
    assert "TAX002" not in {c.id for c in xero.connector.tax_codes(include_inactive=False)}


def test_exchange_rates_are_not_published_by_xero(xero) -> None:
    """Xero's Accounting API has no rates endpoint: nothing is returned, nothing is requested."""
    before = xero.sandbox.stats()["counters"].get("api_requests", 0)
    assert list(xero.connector.exchange_rates(date(2026, 3, 2))) == []
    assert xero.sandbox.stats()["counters"].get("api_requests", 0) == before


def test_contacts_are_read_page_by_page(xero_sandbox) -> None:
    """With a small page size every page is fetched in turn (page=1, 2, ...) until a short page."""
    session = connect_session(xero_sandbox, page_size=5)
    before = xero_sandbox.stats()["counters"].get("api_requests", 0)
    vendors = list(session.connector.vendors())
    assert len(vendors) == 10  # 12 contacts, 2 of them customers only
    assert xero_sandbox.stats()["counters"]["api_requests"] - before == 3  # 5 + 5 + 2


def _journal(session, key: str, day: date = date(2026, 3, 2)) -> JournalDocument:
    fuel, card = session.account("6200"), session.account("2310")  # payroll clearing: journals take no bank account
    return JournalDocument(key=key, date=day, currency="USD", doc_number=f"BB-{key}", lines=(
        JournalLine(Ref(fuel.id), debit=Decimal("10.00")), JournalLine(Ref(card.id), credit=Decimal("10.00"))))


def test_changes_since_lists_what_changed_after_the_time(xero) -> None:
    """If-Modified-Since: objects changed after the time come back, older ones do not."""
    xero.sandbox.clock.advance(5)
    since = xero.sandbox.clock.now()
    xero.sandbox.clock.advance(5)
    posted = xero.connector.push(_journal(xero, "j1"))
    vendor = xero.connector.create_vendor(VendorDraft(key="v1", name="New Diesel Co"))
    changes = list(xero.connector.changes_since(since))
    assert {(c.kind, c.remote_id, c.operation) for c in changes} == {
        ("journal_entry", posted.remote_id, ChangeOperation.UPDATED), ("vendor", vendor.id, ChangeOperation.UPDATED)}
    assert next(c for c in changes if c.kind == "vendor").record == vendor


def test_deleted_documents_show_as_deletions(xero, api) -> None:
    """A journal deleted in Xero comes back from changes_since as a deletion."""
    posted = xero.connector.push(_journal(xero, "j2"))
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    xero.sandbox.clock.advance(2)
    answer = api.call("POST", f"ManualJournals/{posted.remote_id}", {"ManualJournals": [{"Narration": "Deleted", "Status": "DELETED"}]})
    assert answer.status_code == 200
    changes = [c for c in xero.connector.changes_since(since, kinds=[DocumentKind.JOURNAL_ENTRY.value])]
    assert [(c.remote_id, c.operation) for c in changes] == [(posted.remote_id, ChangeOperation.DELETED)]


def test_changes_of_kinds_xero_cannot_track_are_refused(xero) -> None:
    """Tracking categories take no If-Modified-Since: asking for their changes is a usage error."""
    with pytest.raises(UsageError):
        list(xero.connector.changes_since(datetime.now(timezone.utc), kinds=["tracking"]))
    with pytest.raises(UsageError):
        list(xero.connector.changes_since(datetime(2026, 1, 1)))


def test_bills_and_spend_money_changes_are_kept_apart(xero) -> None:
    """A bill is a change of kind bill, spend money of kind purchase; receivables are not ours."""
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    xero.sandbox.clock.advance(1)
    vendor, expense = xero.vendor("Staples"), xero.account("6500")
    bill = xero.connector.push(BillDocument(key="b1", date=date(2026, 3, 3), currency="USD", vendor=Ref(vendor.id),
                                            lines=(ExpenseLine(Ref(expense.id), Decimal("12.00"), "Paper"),)))
    spend = xero.connector.push(PurchaseDocument(key="p1", date=date(2026, 3, 3), currency="USD",
                                                 payment_type=PaymentType.CARD, vendor=Ref(vendor.id),
                                                 paying_account=Ref(xero.account("2110").id),
                                                 lines=(ExpenseLine(Ref(expense.id), Decimal("3.00"), "Pens"),)))
    kinds = {(c.kind, c.remote_id) for c in xero.connector.changes_since(since, kinds=["bill", "purchase"])}
    assert kinds == {("bill", bill.remote_id), ("purchase", spend.remote_id)}


def test_the_connector_implements_the_one_protocol(xero) -> None:
    """XeroConnector is a Connector (every method of the protocol, checked at runtime) for its tenant."""
    from bookbridge.connectors.protocol import Connector

    assert isinstance(xero.connector, Connector)
    assert (xero.connector.provider, xero.connector.company_id) == ("xero", xero.sandbox.tenant_id)
