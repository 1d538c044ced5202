"""The NetSuite sandbox's SuiteQL: the subset it runs, NetSuite's text answers, paging and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from netsuite_sandbox_helpers import SUITEQL, Client, body, connect, error_detail

from bookbridge.connectors.netsuite.suiteql import quote
from bookbridge.sandbox.netsuite import NetSuiteSandbox
from bookbridge.sandbox.netsuite import suiteql as engine


@pytest.fixture(scope="module")
def sandbox() -> Iterator[NetSuiteSandbox]:
    with NetSuiteSandbox(limits=False) as running:
        yield running


@pytest.fixture(scope="module")
def api(sandbox: NetSuiteSandbox) -> Client:
    return Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])


def test_values_come_back_as_netsuite_shows_them(api: Client):
    """Booleans T/F, dates M/D/YYYY, numbers as text, empty values left out."""
    (row,) = api.rows("SELECT id, isbasecurrency, isinactive, exchangerate, datecreated FROM currency WHERE symbol = 'CAD'")
    assert row == {"id": "3", "isbasecurrency": "T", "isinactive": "F", "exchangerate": "0.73", "datecreated": "1/2/2024"}
    (account,) = api.rows("SELECT id, parent FROM account WHERE acctnumber = '6200'")
    assert "parent" not in account


def test_to_char_gives_iso_dates_and_times_in_the_account_zone(api: Client):
    """TO_CHAR with YYYY-MM-DD HH24:MI:SS shows the Pacific time of a UTC timestamp."""
    (row,) = api.rows("SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified FROM account WHERE id = 61")
    assert row == {"modified": "2024-01-02 09:00:00"}  # 17:00 UTC on the seed day


@pytest.mark.parametrize(("where", "expected"), [
    ("accttype IN ('CredCard', 'AcctPay') AND isinactive = 'F'", {"2000", "2100", "2110", "2120"}),
    ("acctnumber LIKE '61%' OR acctnumber = '1000'", {"1000", "6100", "6110", "6120"}),
    ("NOT (accttype = 'Expense') AND acctnumber >= '3000'", {"3000", "4000"}),
    ("parent IS NULL AND acctnumber < '1100'", {"1000", "1010"}),
    ("currency <> 1", {"2120"}),
])
def test_where_conditions(api: Client, where, expected):
    """IN, LIKE, OR, NOT with parentheses, IS NULL, comparisons with text and numbers."""
    assert {r["acctnumber"] for r in api.rows(f"SELECT acctnumber FROM account WHERE {where}")} == expected


def test_dates_compare_with_to_date_literals(api: Client):
    """enddate <= TO_DATE(...) selects the 2023 months and 2024's first quarter."""
    rows = api.rows("SELECT periodname FROM accountingperiod WHERE isyear = 'F' AND isquarter = 'F' "
                    "AND enddate <= TO_DATE('2024-03-31', 'YYYY-MM-DD') ORDER BY startdate DESC")
    assert len(rows) == 15 and rows[0]["periodname"] == "Mar 2024"


def test_order_by_top_and_count(api: Client):
    """ORDER BY ... DESC with TOP, and COUNT(*)."""
    top = api.rows("SELECT TOP 2 acctnumber FROM account ORDER BY acctnumber DESC")
    (count,) = api.rows("SELECT COUNT(*) AS n FROM vendor WHERE isinactive = 'T'")
    assert [r["acctnumber"] for r in top] == ["6950", "6900"] and count == {"n": "1"}


def test_entity_covers_vendors_employees_and_customers(api: Client):
    """The entity table lists every kind of entity with its type."""
    types = {r["type"] for r in api.rows("SELECT id, type FROM entity")}
    assert types == {"Vendor", "Employee", "CustJob"}


def test_pages_have_netsuites_envelope(api: Client):
    """limit 10 over 29 accounts: hasMore, a next link, totalResults, items with links."""
    first = body(api.suiteql("SELECT id FROM account ORDER BY id", limit="10"))
    last = body(api.suiteql("SELECT id FROM account ORDER BY id", limit="10", offset="20"))
    assert (first["count"], first["hasMore"], first["totalResults"], first["offset"]) == (10, True, 29, 0)
    assert any(link["rel"] == "next" and "offset=10" in link["href"] for link in first["links"])
    assert (last["count"], last["hasMore"]) == (9, False) and first["items"][0]["links"] == []


@pytest.mark.parametrize(("query", "params", "phrase"), [
    ("SELECT nosuchfield FROM account", {}, "Field 'nosuchfield' for record 'account' was not found"),
    ("SELECT id FROM nosuchtable", {}, "Record 'nosuchtable' was not found"),
    ("SELECT id FROM account GROUP BY id", {}, "Invalid search query"),
    ("SELECT id FROM account", {"limit": "10", "offset": "5"}, "multiple"),
    ("SELECT id FROM account", {"limit": "5000"}, "between 1 and 1000"),
])
def test_bad_queries_are_refused_as_invalid_parameter(api: Client, query, params, phrase):
    """Unknown fields or tables, unsupported syntax and bad paging: 400 INVALID_PARAMETER."""
    answer = api.suiteql(query, **params)
    assert (answer.status_code, error_detail(answer)["o:errorCode"]) == (400, "INVALID_PARAMETER")
    assert phrase in error_detail(answer)["detail"]


def test_suiteql_needs_prefer_transient(api: Client):
    """Without Prefer: transient the query is refused."""
    answer = api.call("POST", SUITEQL, {"q": "SELECT id FROM account"})
    assert answer.status_code == 400 and "transient" in error_detail(answer)["detail"]


@settings(deadline=None, max_examples=60)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_the_connectors_string_literals_mean_the_text_they_quote(text):
    """Any text quoted by the connector compares equal to itself in the sandbox's SuiteQL (and only that)."""
    query = engine.parse(f"SELECT id FROM vendor WHERE companyname = {quote(text)}", lambda table: {"id", "companyname"})
    rows = [{"id": "1", "companyname": text}, {"id": "2", "companyname": text + "x"}]
    assert [r["id"] for r in query.run(rows)] == (["1"] if text else [])


@settings(deadline=None, max_examples=40)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(timezone.utc)))
def test_to_char_and_to_timestamp_round_trip(moment):
    """A time shown by TO_CHAR and read back by TO_TIMESTAMP is the same instant (to the second)."""
    fmt = "YYYY-MM-DD HH24:MI:SS"
    shown = engine.to_char(moment, fmt)
    query = engine.parse(f"SELECT id FROM t WHERE stamp = TO_TIMESTAMP('{shown}', '{fmt}')", lambda table: {"id", "stamp"})
    assert query.run([{"id": "1", "stamp": moment.replace(microsecond=0)}]) == [{"id": "1"}]


def test_dates_display_without_leading_zeros():
    """NetSuite's default date format: 3/2/2026, not 03/02/2026."""
    assert engine.display(date(2026, 3, 2)) == "3/2/2026" and engine.display(True) == "T"
