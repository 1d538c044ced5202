"""The QBO connector's reads against the local sandbox over real loopback HTTP."""

from __future__ import annotations

import math
from decimal import Decimal

from connector_testkit import QboSession, connect_session

from bookbridge.connectors.dto import AccountClass, AccountRecord
from bookbridge.connectors.protocol import Connector
from bookbridge.connectors.quickbooks.config import MINOR_VERSION
from bookbridge.connectors.tokens import MemoryTokenStore


def test_connect_flow_yields_the_sandbox_realm(qbo: QboSession):
    """The loopback OAuth flow completes without a browser and names the sandbox's company."""
    assert qbo.connector.company_id == qbo.sandbox.realm_id


def test_connector_implements_the_protocol(qbo: QboSession):
    """The QBO connector satisfies the provider-neutral Connector protocol."""
    assert isinstance(qbo.connector, Connector)


def test_company_reports_home_currency_multicurrency_and_closed_books_date(qbo: QboSession):
    """CompanyInfo and Preferences become one CompanyRecord."""
    prefs = qbo.stored("Preferences")[0]
    company = qbo.connector.company()
    assert company.home_currency == prefs["CurrencyPrefs"]["HomeCurrency"]["value"]
    assert company.multicurrency is prefs["CurrencyPrefs"]["MultiCurrencyEnabled"]
    assert company.closed_books_date.isoformat() == prefs["AccountingInfoPrefs"]["BookCloseDate"]


def test_closed_books_date_comes_from_preferences(qbo: QboSession):
    """closed_books_date() reads Preferences.AccountingInfoPrefs.BookCloseDate."""
    expected = qbo.stored("Preferences")[0]["AccountingInfoPrefs"]["BookCloseDate"]
    assert qbo.connector.closed_books_date().isoformat() == expected


def test_accounts_include_inactive_ones_when_asked(qbo: QboSession):
    """All accounts come back, the inactive ones too (QBO needs a second query for those)."""
    accounts = list(qbo.connector.accounts(include_inactive=True))
    assert {a.id for a in accounts} == {a["Id"] for a in qbo.stored("Account")}
    assert any(not a.active for a in accounts)


def test_active_only_listing_leaves_inactive_accounts_out(qbo: QboSession):
    """include_inactive=False lists only active accounts."""
    accounts = list(qbo.connector.accounts(include_inactive=False))
    assert accounts and all(a.active for a in accounts)
    assert len(accounts) == sum(1 for a in qbo.stored("Account") if a["Active"])


def test_account_fields_are_mapped(qbo: QboSession):
    """Number, type, classification, currency and the neutral class (Expense → expense) come through."""
    raw = next(a for a in qbo.stored("Account") if a["Active"] and a["AccountType"] == "Expense")
    mapped = next(a for a in qbo.connector.accounts() if a.id == raw["Id"])
    assert mapped == AccountRecord(
        id=raw["Id"], name=raw["Name"], active=True, type=raw["AccountType"], subtype=raw["AccountSubType"],
        classification=raw["Classification"], number=raw["AcctNum"], currency=raw["CurrencyRef"]["value"],
        full_name=raw["FullyQualifiedName"], parent_id=None, account_class=AccountClass.EXPENSE,
    )


def test_paging_fetches_every_row_a_page_at_a_time(qbo_sandbox):
    """With MAXRESULTS 4 the connector pages through all accounts, one query per page."""
    session = connect_session(qbo_sandbox, MemoryTokenStore(), page_size=4)
    active = sum(1 for a in session.stored("Account") if a["Active"])
    before = len(session.exchanges)
    ids = [a.id for a in session.connector.accounts(include_inactive=False)]
    queries = [e for e in session.exchanges[before:] if "/query" in e.url]
    assert len(ids) == len(set(ids)) == active
    assert len(queries) == math.floor(active / 4) + 1
    assert "STARTPOSITION+5+MAXRESULTS+4" in queries[1].url


def test_pages_are_fetched_lazily(qbo_sandbox):
    """Taking the first account sends one query, not all pages."""
    session = connect_session(qbo_sandbox, MemoryTokenStore(), page_size=4)
    before = len(session.exchanges)
    next(iter(session.connector.accounts()))
    assert len(session.exchanges) - before == 1


def test_every_request_pins_the_minor_version(qbo: QboSession):
    """minorversion=75 is on every API call."""
    list(qbo.connector.vendors())
    api_calls = [e for e in qbo.exchanges if "/v3/company/" in e.url]
    assert api_calls and all(f"minorversion={MINOR_VERSION}" in e.url for e in api_calls)


def test_vendors_are_listed_with_currency(qbo: QboSession):
    """Vendors map to VendorRecord with name, active flag and currency."""
    vendors = {v.id: v for v in qbo.connector.vendors()}
    for raw in qbo.stored("Vendor"):
        assert (vendors[raw["Id"]].name, vendors[raw["Id"]].active, vendors[raw["Id"]].currency) == (
            raw["DisplayName"], raw["Active"], raw["CurrencyRef"]["value"])


def test_dimensions_cover_classes_and_departments(qbo: QboSession):
    """Classes and Departments (QBO's Locations) come back as dimension records by kind."""
    dims = list(qbo.connector.dimensions())
    assert {d.id for d in dims if d.kind == "class"} == {c["Id"] for c in qbo.stored("Class")}
    assert {d.id for d in dims if d.kind == "department"} == {d["Id"] for d in qbo.stored("Department")}


def test_tax_codes_and_rates_are_listed(qbo: QboSession):
    """Tax codes keep their rate references; tax rates keep exact Decimal rates."""
    codes = {c.id: c for c in qbo.connector.tax_codes()}
    rates = {r.id: r for r in qbo.connector.tax_rates()}
    assert set(codes) == {c["Id"] for c in qbo.stored("TaxCode")}
    for code in codes.values():
        assert set(code.sales_rate_ids) <= set(rates)
    assert all(isinstance(r.rate, Decimal) for r in rates.values())
    assert {r.rate for r in rates.values()} == {r["RateValue"] for r in qbo.stored("TaxRate")}


def test_currencies_start_with_the_home_currency(qbo: QboSession):
    """The home currency first, then each CompanyCurrency."""
    codes = [c.code for c in qbo.connector.currencies()]
    home = qbo.stored("Preferences")[0]["CurrencyPrefs"]["HomeCurrency"]["value"]
    assert codes[0] == home
    assert set(codes[1:]) == {c["Code"] for c in qbo.stored("CompanyCurrency")}


def test_quota_reflects_requests_made(qbo: QboSession):
    """After a few calls the per-minute window shows fewer than 500 left."""
    list(qbo.connector.vendors())
    snapshot = qbo.connector.quota()
    assert snapshot.remaining("per-minute") < 500 and snapshot.company_id == qbo.sandbox.realm_id
