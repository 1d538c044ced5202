"""The Intacct REST connector reading the sandbox company over loopback (query service, paging, changes)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bookbridge.connectors.dto import AccountClass, ChangeOperation
from bookbridge.core.errors import UsageError
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_rest_support import journal, open_rest



@pytest.fixture
def sandbox():
    with IntacctSandbox(limits=False) as running:
        yield running


def test_company_names_home_currency_and_closed_books(sandbox) -> None:
    """company() reads name, USD, multicurrency and the books-closed date the XML preferences hold."""
    with open_rest(sandbox) as connector:
        company = connector.company()
    prefs = sandbox.store.preferences("GEN")
    assert company.name == prefs["COMPANYNAME"] and company.home_currency == "USD" and company.multicurrency
    assert company.closed_books_date == date(2024, 12, 31) and company.company_id == sandbox.company_id


def test_accounts_page_through_small_pages_with_neutral_classes(sandbox) -> None:
    """Every seeded account arrives over 5-row pages, each with its account class."""
    with open_rest(sandbox, page_size=5) as connector:
        accounts = {a.id: a for a in connector.accounts()}
        queries = sandbox.stats()["counters"]["rest_requests"]
    assert set(accounts) == {r["ACCOUNTNO"] for r in sandbox.store.records("GLACCOUNT")}
    assert queries >= len(accounts) // 5
    assert accounts["2100"].account_class is AccountClass.CREDIT_CARD and accounts["2000"].account_class is AccountClass.PAYABLE
    assert accounts["1000"].account_class is AccountClass.BANK and accounts["6200"].account_class is AccountClass.EXPENSE
    assert accounts["4000"].account_class is AccountClass.INCOME and not accounts["6950"].active


def test_active_only_lists_leave_inactive_vendors_out(sandbox) -> None:
    """include_inactive=False sends a status filter; the inactive vendor is not returned."""
    with open_rest(sandbox) as connector:
        everyone = {v.id for v in connector.vendors()}
        active = {v.id for v in connector.vendors(include_inactive=False)}
    assert "V199" in everyone and "V199" not in active and active < everyone


def test_dimensions_cover_department_location_class_project(sandbox) -> None:
    """All four dimension objects are read, with their kinds and activity."""
    with open_rest(sandbox) as connector:
        values = {(d.kind, d.id): d for d in connector.dimensions()}
    assert {kind for kind, _ in values} == {"department", "location", "class", "project"}
    assert values[("class", "T7")].name == "Truck 7" and not values[("department", "MEM")].active


def test_tax_codes_currencies_and_latest_rates(sandbox) -> None:
    """Tax details, enabled currencies (home first) and the latest rate on or before a day."""
    with open_rest(sandbox) as connector:
        taxes = {t.id: t for t in connector.tax_codes()}
        currencies = [c.code for c in connector.currencies()]
        rates = {r.source_currency: r for r in connector.exchange_rates(date(2025, 6, 30))}
    assert taxes["IL Use Tax"].purchase_rate_ids == ("IL Use Tax",) and currencies[0] == "USD"
    assert set(currencies) == {"USD", "CAD", "EUR"} and str(rates["CAD"].rate) == "0.73"
    assert rates["EUR"].as_of == date(2025, 1, 1)


def test_changes_since_find_a_new_entry_with_its_version(sandbox) -> None:
    """A journal entry posted after ``since`` comes back as created, with whenModified as version."""
    since = sandbox.clock.now().astimezone(timezone.utc) - timedelta(seconds=2)
    with open_rest(sandbox) as connector:
        posted = connector.push(journal("chg-1", number="EXP-CHG"))
        changes = list(connector.changes_since(since))
    assert [(c.kind, c.remote_id) for c in changes] == [("journal_entry", posted.remote_id)]
    assert changes[0].operation is ChangeOperation.CREATED and changes[0].version == posted.version is not None


def test_changes_since_sees_an_updated_vendor(sandbox) -> None:
    """A vendor renamed through the XML side shows as an updated vendor record."""
    since = datetime(2025, 1, 1, tzinfo=timezone.utc)
    recordno = sandbox.store.find("VENDOR", "VENDORID", "V104")["RECORDNO"]
    sandbox.store.update("VENDOR", recordno, {"NAME": "Staples Business"})
    with open_rest(sandbox) as connector:
        changes = list(connector.changes_since(since, ["vendor"]))
    assert [(c.remote_id, c.operation, c.record.name) for c in changes] == [
        ("V104", ChangeOperation.UPDATED, "Staples Business")]


def test_naive_time_or_unknown_kind_is_refused(sandbox) -> None:
    """changes_since wants an aware time and kinds it models."""
    with open_rest(sandbox) as connector:
        with pytest.raises(UsageError):
            list(connector.changes_since(datetime(2025, 1, 1)))
        with pytest.raises(UsageError):
            list(connector.changes_since(datetime(2025, 1, 1, tzinfo=timezone.utc), ["payroll"]))


def test_connector_meets_the_protocol_and_never_replays_blind(sandbox) -> None:
    """The REST connector is a Connector; with no idempotency header its replay window is zero."""
    from bookbridge.connectors.protocol import Connector

    with open_rest(sandbox) as connector:
        assert isinstance(connector, Connector) and connector.replay_window is not None
        assert connector.replay_window.total_seconds() == 0
