"""The NetSuite connector's reads over SuiteQL against the sandbox: reference data, paging, changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from netsuite_session import NsSession, connect_session, journal, ns, ns_sandbox, refs  # noqa: F401

from bookbridge.connectors.dto import ChangeOperation
from bookbridge.connectors.tokens import MemoryTokenStore
from bookbridge.core.errors import UsageError


def test_company_names_the_parent_subsidiary_home_currency_and_closed_books(ns: NsSession):
    """company(): the root subsidiary's name and currency, multicurrency on, books closed through 2024."""
    company = ns.connector.company()
    root = ns.sandbox.store.row("subsidiary", "1")
    assert (company.company_id, company.name, company.home_currency) == (ns.sandbox.account_id, root["name"], "USD")
    assert company.multicurrency and company.country == "US" and company.closed_books_date == dt.date(2024, 12, 31)


def test_accounts_carry_number_type_and_currency(ns: NsSession):
    """Accounts come back with NetSuite's type names, ISO currencies and the inactive one marked."""
    accounts = {a.number: a for a in ns.connector.accounts()}
    assert len(accounts) == len(ns.sandbox.store.rows("account"))
    assert (accounts["2110"].type, accounts["2110"].subtype, accounts["2110"].classification) == (
        "Credit Card", "CredCard", "Liability")
    assert accounts["2120"].currency == "EUR" and not accounts["6950"].active


def test_inactive_records_can_be_left_out(ns: NsSession):
    """include_inactive=False asks SuiteQL for active rows only."""
    active = list(ns.connector.vendors(include_inactive=False))
    everyone = list(ns.connector.vendors())
    assert all(v.active for v in active) and len(everyone) - len(active) == 1


def test_dimensions_cover_departments_classes_and_locations(ns: NsSession):
    """dimensions() yields department, class and location values, inactive ones flagged."""
    dims = list(ns.connector.dimensions())
    kinds = {d.kind for d in dims}
    assert kinds == {"department", "class", "location"}
    assert {d.name for d in dims if not d.active} == {"Brokerage (closed)", "Truck 3 (sold)", "Memphis terminal (closed)"}


def test_tax_codes_and_rates_come_from_tax_items(ns: NsSession):
    """Each legacy tax item is a tax code with its own rate, read from text such as '6.25%'."""
    codes = {c.name: c for c in ns.connector.tax_codes()}
    rates = {r.id: r.rate for r in ns.connector.tax_rates()}
    assert codes["IL"].taxable and not codes["-Not Taxable-"].taxable
    assert rates[codes["IL"].id] == Decimal("6.25") and rates[codes["IL"].purchase_rate_ids[0]] == Decimal("6.25")


def test_currencies_and_exchange_rates(ns: NsSession):
    """Currencies by ISO code; the latest rate on or before the day, to the home currency."""
    currencies = {c.code: c.active for c in ns.connector.currencies()}
    early = {r.source_currency: r for r in ns.connector.exchange_rates(dt.date(2025, 6, 30))}
    late = {r.source_currency: r for r in ns.connector.exchange_rates(dt.date(2026, 3, 1), ["cad"])}
    assert currencies == {"USD": True, "GBP": False, "CAD": True, "EUR": True}
    assert (early["CAD"].rate, early["EUR"].rate, early["CAD"].target_currency) == (Decimal("0.73"), Decimal("1.08"), "USD")
    assert set(late) == {"CAD"} and late["CAD"].rate == Decimal("0.74")


def test_paging_reads_every_row_one_page_at_a_time(ns_sandbox):
    """With 7 rows a page the 29 accounts take 5 SuiteQL requests, with growing offsets."""
    session = connect_session(ns_sandbox, MemoryTokenStore(), page_size=7)
    accounts = list(session.connector.accounts())
    pages = [e.url for e in session.exchanges if "suiteql" in e.url and "FROM account" in str(e.request_body)]
    assert len(accounts) == 29 and len({a.id for a in accounts}) == 29
    assert [int(url.split("offset=")[1].split("&")[0]) for url in pages] == [0, 7, 14, 21, 28]


def test_changes_since_report_reference_changes_and_posted_documents(ns: NsSession, monkeypatch):
    """A vendor renamed and a journal entry posted after `since` both appear; older rows do not."""
    since = ns.sandbox.clock.now()
    ns.sandbox.store.update_row("vendor", "104", {"companyname": "Speedco (renamed)"})
    posted = ns.connector.push(journal(refs(ns), "je-change"))
    changes = list(ns.connector.changes_since(since))
    by_kind = {(c.kind, c.remote_id): c for c in changes}
    vendor = by_kind[("vendor", "104")]
    assert vendor.operation is ChangeOperation.UPDATED and vendor.record.name == "Speedco (renamed)"
    assert by_kind[("journal_entry", posted.remote_id)].operation is ChangeOperation.CREATED
    assert ("vendor", "101") not in by_kind


def test_changes_since_reports_deletions(ns: NsSession):
    """A posted entry deleted in NetSuite comes back as a deletion of that internal id."""
    since = ns.sandbox.clock.now()
    posted = ns.connector.push(journal(refs(ns), "je-deleted"))
    from bookbridge.sandbox.netsuite import records as sandbox_records

    sandbox_records.delete(sandbox_records.RecordContext(ns.sandbox.store, ns.sandbox.clock.now, ""), "journalEntry",
                           posted.remote_id)
    deleted = [c for c in ns.connector.changes_since(since, ["journal_entry"]) if c.operation is ChangeOperation.DELETED]
    assert [(c.kind, c.remote_id) for c in deleted] == [("journal_entry", posted.remote_id)]


def test_changes_since_refuses_kinds_it_does_not_follow(ns: NsSession):
    """Asking for an unknown kind is a usage error naming it."""
    with pytest.raises(UsageError, match="payroll"):
        list(ns.connector.changes_since(dt.datetime.now(dt.timezone.utc), ["payroll"]))


def test_suiteql_is_sent_as_transient_with_limit_and_offset(ns: NsSession):
    """Every SuiteQL request carries Prefer: transient and limit/offset parameters."""
    list(ns.connector.currencies())
    (query,) = [e for e in ns.exchanges if "suiteql" in e.url]
    assert query.method == "POST" and query.request_headers.get("Prefer") == "transient"
    assert "limit=1000" in query.url and "offset=0" in query.url
