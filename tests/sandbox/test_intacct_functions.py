"""The Intacct sandbox's functions: readByQuery paging and filters, validation with Intacct's error texts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bookbridge.connectors.intacct.reads import quote
from intacct_sandbox_support import Raw, glbatch, intacct_raw  # noqa: F401 - fixture


def test_read_by_query_pages_with_result_id(intacct_raw: Raw) -> None:
    """23 accounts at 10 a page: count 10, totalcount 23, numremaining 13, then readMore to the end."""
    first = intacct_raw.query("GLACCOUNT", pagesize=10).results[0].data
    assert (first.count, first.totalcount, first.numremaining) == (10, 23, 13) and first.result_id
    seen = [a["ACCOUNTNO"] for a in first.of("GLACCOUNT")]
    result_id = first.result_id
    while result_id:
        more = intacct_raw.call([{"@controlid": "m", "readMore": {"resultId": result_id}}]).results[0].data
        seen += [a["ACCOUNTNO"] for a in more.of("GLACCOUNT")]
        result_id = more.result_id if more.numremaining else ""
    assert len(seen) == len(set(seen)) == 23


def test_page_size_above_1000_is_refused(intacct_raw: Raw) -> None:
    """readByQuery takes a page size from 1 to 1000."""
    result = intacct_raw.query("GLACCOUNT", pagesize=1001).results[0]
    assert result.status == "failure" and "pagesize" in result.errors[0].description2


def test_unknown_object_is_query_failed(intacct_raw: Raw) -> None:
    """Intacct's own answer: errorno "Query Failed", "Object definition VENDOR9 not found"."""
    error = intacct_raw.query("VENDOR9").results[0].errors[0]
    assert (error.errorno, error.description2) == ("Query Failed", "Object definition VENDOR9 not found")


@pytest.mark.parametrize(("query", "expected"), [
    ("STATUS = 'inactive'", {"6950", "2190"}),
    ("ACCOUNTNO >= '6400' AND ACCOUNTTYPE = 'incomestatement'", {"6400", "6500", "6900", "6950"}),
    ("ACCOUNTNO in ('1000', '2000') OR TITLE like 'Fuel%'", {"1000", "2000", "2100", "6200"}),
    ("TITLE not like '%e%' AND NOT ACCOUNTTYPE = 'balancesheet'", {"6120", "6210"}),
    ("(ACCOUNTNO < '1100' OR ACCOUNTNO > '6900') AND STATUS <> 'inactive'", {"1000", "1010"}),
    ("CATEGORY IS NULL", set()),
])
def test_query_language(intacct_raw: Raw, query: str, expected: set[str]) -> None:
    """Comparisons, like, in, IS NULL, AND/OR/NOT and parentheses select the right accounts."""
    rows = intacct_raw.query("GLACCOUNT", query, pagesize=1000).results[0].data.of("GLACCOUNT")
    assert {r["ACCOUNTNO"] for r in rows} == expected


def test_unknown_field_in_a_query_fails(intacct_raw: Raw) -> None:
    """A field the object lacks fails the query instead of matching nothing."""
    result = intacct_raw.query("GLACCOUNT", "NOSUCHFIELD = '1'").results[0]
    assert result.status == "failure" and "NOSUCHFIELD" in result.errors[0].description2


def test_fields_list_limits_what_comes_back(intacct_raw: Raw) -> None:
    """fields="VENDORID,NAME" returns only those fields."""
    rows = intacct_raw.query("VENDOR", "VENDORID = 'V100'", fields="VENDORID,NAME").results[0].data.of("VENDOR")
    assert rows == [{"VENDORID": "V100", "NAME": "Pilot Flying J"}]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
       .filter(lambda t: t.strip() == t and t.strip()))
def test_quoted_strings_match_exactly(intacct_raw: Raw, title: str) -> None:
    """Any title (quotes and backslashes included), quoted by the connector, finds exactly its entry."""
    answer = intacct_raw.call([glbatch(f"h-{abs(hash(title))}", title=title)])
    assert answer.results[0].status == "success", answer.results[0].errors
    rows = intacct_raw.query("GLBATCH", f"BATCH_TITLE = {quote(title)}", pagesize=1000).results[0].data.of("GLBATCH")
    assert rows and {r["BATCH_TITLE"] for r in rows} == {title}


@pytest.mark.parametrize(("function", "text"), [
    (glbatch("c1", day="12/31/2024"), "within a period that's been closed"),
    (glbatch("c2", credit_amount="9.99"), "Debits and credits are not equal"),
    (glbatch("c3", debit="6950"), "Account '6950' is inactive"),
    (glbatch("c4", debit="6999"), "Invalid Account '6999' specified"),
    (glbatch("c5", amount="10.001"), "more than 2 decimals"),
    (glbatch("c6", day="2026-03-02"), "MM/DD/YYYY"),
    ({"@controlid": "c7", "create": {"APBILL": {"VENDORID": "V100", "WHENCREATED": "03/02/2026", "APBILLITEMS": {
        "APBILLITEM": {"ACCOUNTNO": "6200", "TRX_AMOUNT": "5.00"}}}}}, "WHENDUE or TERMNAME"),
    ({"@controlid": "c8", "create": {"APBILL": {"VENDORID": "V199", "WHENCREATED": "03/02/2026"}}},
     "Vendor 'V199' is inactive"),
    ({"@controlid": "c9", "create": {"VENDOR": {"VENDORID": "V100", "NAME": "Copy"}}},
     "Another record with the value V100 already exists"),
    ({"@controlid": "c10", "create_expensereport": {"employeeid": "E199", "datecreated": {
        "year": "2026", "month": "03", "day": "02"}}}, "Employee 'E199' is inactive"),
])
def test_validation_answers_with_intacct_texts(intacct_raw: Raw, function: dict, text: str) -> None:
    """Each business rule fails only its function, with errorno BL01001973 and Intacct's wording."""
    result = intacct_raw.call([function], unique=True).results[0]
    assert result.status == "failure" and result.errors[0].errorno == "BL01001973"
    assert text in result.errors[0].description2


def test_company_preferences_are_listed_per_application(intacct_raw: Raw) -> None:
    """get_companyprefs answers companypref records for the application asked."""
    answer = intacct_raw.call([{"@controlid": "p", "get_companyprefs": {"@application": "GL"}}])
    prefs = {p["preference"]: p["prefvalue"] for p in answer.results[0].data.of("companypref")}
    assert prefs["BOOKSCLOSEDTHROUGH"] == "12/31/2024"


def test_read_returns_owned_lines_read_by_query_does_not(intacct_raw: Raw) -> None:
    """readByQuery lists GLBATCH headers; read by RECORDNO includes the entries."""
    created = intacct_raw.call([glbatch("r1")]).results[0].data.of("glbatch")[0]["RECORDNO"]
    listed = intacct_raw.query("GLBATCH").results[0].data.of("GLBATCH")[0]
    read = intacct_raw.call([{"@controlid": "r", "read": {"object": "GLBATCH", "keys": created, "fields": "*"}}])
    assert "ENTRIES" not in listed and len(read.results[0].data.of("GLBATCH")[0]["ENTRIES"]["GLENTRY"]) == 2
