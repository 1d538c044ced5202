"""The Intacct connector reading the sandbox company over real loopback HTTP."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bookbridge.connectors.dto import ChangeOperation
from bookbridge.connectors.intacct.connector import IntacctConnector
from bookbridge.core import clock
from bookbridge.core.errors import UsageError
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_connector_support import intacct, intacct_sandbox, make_connector  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("intacct_sandbox")


def test_company_settings_come_from_company_preferences(intacct: IntacctConnector) -> None:
    """Name, home currency, multicurrency and the closed-books date of the seeded company."""
    company = intacct.company()
    assert (company.name, company.home_currency, company.multicurrency) == ("Sandbox Trucking LLC", "USD", True)
    assert company.closed_books_date == date(2024, 12, 31) == intacct.closed_books_date()


def test_accounts_page_through_read_more(intacct_sandbox: IntacctSandbox) -> None:
    """With 5 rows a page, all 23 accounts arrive through readByQuery then readMore, none twice."""
    connector = make_connector(intacct_sandbox, page_size=5)
    before = intacct_sandbox.stats()["counters"].get("functions", 0)
    numbers = [a.number for a in connector.accounts()]
    assert len(numbers) == len(set(numbers)) == 23
    assert intacct_sandbox.stats()["counters"]["functions"] - before == 5  # 1 readByQuery + 4 readMore


def test_inactive_accounts_are_listed_only_when_asked(intacct: IntacctConnector) -> None:
    """STATUS = 'active' filters inactive records out unless include_inactive."""
    everything = {a.number: a.active for a in intacct.accounts()}
    active = {a.number for a in intacct.accounts(include_inactive=False)}
    assert everything["6950"] is False and "6950" not in active and "6200" in active


def test_vendors_are_read_by_vendor_id(intacct: IntacctConnector) -> None:
    """Vendors carry VENDORID as id, NAME as name, their status and currency."""
    vendors = {v.name: v for v in intacct.vendors()}
    assert (vendors["Pilot Flying J"].id, vendors["Petro-Canada"].currency) == ("V100", "CAD")
    assert vendors["Old Tire Shop"].active is False


def test_dimensions_cover_class_department_location_project(intacct: IntacctConnector) -> None:
    """Each dimension object becomes records of our kind, with ids and names."""
    found = {(d.kind, d.id): d.name for d in intacct.dimensions()}
    assert found[("class", "T15")] == "Truck 15" and found[("department", "CHI")] == "Chicago terminal"
    assert found[("location", "US")] == "United States" and found[("project", "P-ACME")] == "Acme Foods lanes"


def test_tax_details_are_codes_and_rates(intacct: IntacctConnector) -> None:
    """TAXDETAIL reads as tax codes (purchase/sale) and rates with exact Decimal values."""
    codes = {c.id: c for c in intacct.tax_codes()}
    rates = {r.id: r.rate for r in intacct.tax_rates()}
    assert codes["IL Use Tax"].purchase_rate_ids == ("IL Use Tax",) and codes["Old county tax"].active is False
    assert rates["IL State Sales Tax"] == Decimal("6.25")


def test_currencies_start_with_the_home_currency(intacct: IntacctConnector) -> None:
    """Home currency first, then the enabled transaction currencies."""
    assert [c.code for c in intacct.currencies()] == ["USD", "CAD", "EUR"]


def test_exchange_rates_are_the_latest_on_or_before_the_day(intacct: IntacctConnector) -> None:
    """The rate in force on a day: the newest effective start date not after it."""
    early = {r.source_currency: r for r in intacct.exchange_rates(date(2025, 6, 1))}
    late = {r.source_currency: r.rate for r in intacct.exchange_rates(date(2026, 6, 1), ["eur"])}
    assert early["CAD"].rate == Decimal("0.73") and early["CAD"].as_of == date(2025, 1, 1)
    assert late == {"EUR": Decimal("1.10")}


def test_changes_since_sees_records_modified_after_the_time(intacct_sandbox: IntacctSandbox,
                                                            intacct: IntacctConnector) -> None:
    """A vendor renamed after ``since`` is reported as updated, with its parsed record."""
    since = clock.now() - timedelta(seconds=1)
    record = intacct_sandbox.store.find("VENDOR", "VENDORID", "V104")
    intacct_sandbox.store.update("VENDOR", record["RECORDNO"], {"NAME": "Staples Business"})
    changes = list(intacct.changes_since(since))
    assert [(c.kind, c.remote_id, c.operation) for c in changes] == [("vendor", "V104", ChangeOperation.UPDATED)]
    assert changes[0].record.name == "Staples Business"


def test_changes_since_reports_new_documents_as_created(intacct_sandbox: IntacctSandbox,
                                                        intacct: IntacctConnector) -> None:
    """A journal entry posted after ``since`` comes back as a created journal_entry by RECORDNO."""
    from intacct_connector_support import journal

    since = datetime.now(timezone.utc) - timedelta(seconds=2)
    posted = intacct.push(journal("chg1"))
    changes = list(intacct.changes_since(since, ["journal_entry"]))
    assert [(c.kind, c.remote_id, c.operation) for c in changes] == [
        ("journal_entry", posted.remote_id, ChangeOperation.CREATED)]


def test_changes_since_refuses_unknown_kinds_and_naive_times(intacct: IntacctConnector) -> None:
    """Kinds Intacct tracking does not cover, and times without a zone, are usage errors."""
    with pytest.raises(UsageError):
        list(intacct.changes_since(datetime.now(timezone.utc), ["attachment"]))
    with pytest.raises(UsageError):
        list(intacct.changes_since(datetime.now()))


def test_unknown_object_query_is_a_typed_error(intacct: IntacctConnector) -> None:
    """A readByQuery failure inside an HTTP 200 is raised, with Intacct's "Query Failed" number."""
    from bookbridge.connectors.errors import ValidationError

    with pytest.raises(ValidationError) as failed:
        list(intacct.query("VENDOR9"))
    assert failed.value.code == "Query Failed" and "VENDOR9" in failed.value.user_message


def test_quota_shows_the_connection_window(intacct: IntacctConnector) -> None:
    """The limiter's per-minute window and concurrency cap, with requests counted."""
    before = intacct.quota().remaining("per-minute")
    intacct.company()
    snapshot = intacct.quota()
    assert snapshot.max_concurrent == 2 and snapshot.remaining("per-minute") == before - 1
