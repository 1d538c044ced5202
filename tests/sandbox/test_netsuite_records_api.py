"""The NetSuite sandbox's REST record API: create, upsert by eid:, read, patch, delete, and its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from netsuite_sandbox_helpers import RECORDS, Client, body, connect, error_detail, journal_body

from bookbridge.sandbox.netsuite import NetSuiteSandbox

STRICT = {"X-NetSuite-PropertyNameValidation": "error"}


@pytest.fixture
def sandbox() -> Iterator[NetSuiteSandbox]:
    with NetSuiteSandbox(limits=False) as running:
        yield running


@pytest.fixture
def api(sandbox: NetSuiteSandbox) -> Client:
    return Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])


def test_post_creates_and_answers_204_with_the_location(api: Client, sandbox: NetSuiteSandbox):
    """POST journalEntry: 204 No Content, Location ends in the new internal id, nothing in the body."""
    answer = api.call("POST", f"{RECORDS}/journalEntry", journal_body())
    (stored,) = sandbox.store.records("journalEntry")
    assert (answer.status_code, answer.content) == (204, b"")
    assert answer.headers["Location"].endswith(f"{RECORDS}/journalEntry/{stored['id']}")


def test_get_shows_links_reference_names_and_collapsed_sublists(api: Client):
    """GET returns links, {"id", "refName"} references, and the line sublist only as a link."""
    location = api.call("POST", f"{RECORDS}/journalEntry", journal_body()).headers["Location"]
    record = body(api.call("GET", location.split(api.base_url, 1)[1]))
    assert record["links"][0]["rel"] == "self" and record["subsidiary"]["refName"] == "Sandbox Trucking Inc."
    assert "items" not in record["line"] and record["line"]["links"][0]["href"].endswith("/line")
    assert record["tranId"].startswith("JE") and record["createdDate"].endswith("Z")


def test_expand_sub_resources_lists_the_lines(api: Client):
    """expandSubResources=true shows the line items with their references named."""
    location = api.call("POST", f"{RECORDS}/journalEntry", journal_body()).headers["Location"]
    record = body(api.call("GET", location.split(api.base_url, 1)[1], expandSubResources="true"))
    debit, credit = record["line"]["items"]
    assert (debit["account"]["refName"], credit["entity"]["refName"]) == ("Fuel", "Pilot Flying J")
    assert record["line"]["totalResults"] == 2


def test_fields_parameter_limits_what_is_returned(api: Client):
    """?fields=tranId returns the id, links and that field only."""
    location = api.call("POST", f"{RECORDS}/journalEntry", journal_body()).headers["Location"]
    record = body(api.call("GET", location.split(api.base_url, 1)[1], fields="tranId"))
    assert set(record) == {"links", "id", "tranId"}


def test_post_with_an_external_id_already_used_is_refused(api: Client, sandbox: NetSuiteSandbox):
    """A second POST with the same externalId: 400 'already exists', still one record."""
    api.call("POST", f"{RECORDS}/journalEntry", journal_body("dup-1"))
    answer = api.call("POST", f"{RECORDS}/journalEntry", journal_body("dup-1"))
    assert answer.status_code == 400 and "already exists" in error_detail(answer)["detail"]
    assert len(sandbox.store.records("journalEntry")) == 1


def test_put_by_eid_creates_then_updates_the_same_record(api: Client, sandbox: NetSuiteSandbox):
    """PUT .../eid:X twice: one record, same id and createdDate, the second body's memo kept."""
    first = api.call("PUT", f"{RECORDS}/journalEntry/eid:up-1", journal_body(None))
    sandbox.clock.advance(5)
    changed = {**journal_body(None), "memo": "second version"}
    second = api.call("PUT", f"{RECORDS}/journalEntry/eid:up-1", changed)
    (stored,) = sandbox.store.records("journalEntry")
    assert first.headers["Location"] == second.headers["Location"] and stored["memo"] == "second version"
    assert stored["externalId"] == "up-1" and stored["createdDate"] != stored["lastModifiedDate"]


def test_put_by_eid_with_another_external_id_in_the_body_is_refused(api: Client):
    """The URL's externalId and the body's must agree."""
    answer = api.call("PUT", f"{RECORDS}/journalEntry/eid:a", journal_body("b"))
    assert answer.status_code == 400 and error_detail(answer)["o:errorPath"] == "externalId"


def test_unknown_field_names_are_refused_only_when_asked(api: Client):
    """With X-NetSuite-PropertyNameValidation: error a misspelt field is refused; without, ignored."""
    misspelt = {**journal_body("s-1"), "tranDat": "2026-03-02"}
    strict = api.call("POST", f"{RECORDS}/journalEntry", misspelt, STRICT)
    lenient = api.call("POST", f"{RECORDS}/journalEntry", misspelt)
    assert (strict.status_code, error_detail(strict)["o:errorCode"], lenient.status_code) == (400, "INVALID_CONTENT", 204)


def test_missing_required_fields_are_named(api: Client):
    """No subsidiary and no date: 'Please enter value(s) for: Subsidiary, Date.'"""
    document = journal_body()
    del document["subsidiary"], document["tranDate"]
    answer = api.call("POST", f"{RECORDS}/journalEntry", document)
    assert "Please enter value(s) for: Subsidiary, Date." in error_detail(answer)["detail"]


def test_an_unbalanced_journal_entry_is_refused(api: Client):
    """Debits 100.00 against credits 99.99 is a 400 USER_ERROR on the lines."""
    document = journal_body()
    document["line"]["items"][1]["credit"] = Decimal("99.99")
    answer = api.call("POST", f"{RECORDS}/journalEntry", document)
    assert (answer.status_code, error_detail(answer)["o:errorCode"], error_detail(answer)["o:errorPath"]) == (
        400, "USER_ERROR", "line")


@pytest.mark.parametrize(("change", "detail", "path"), [
    ({"subsidiary": {"id": "99"}}, "Invalid subsidiary reference key 99.", "subsidiary"),
    ({"currency": {"id": "2"}}, "Invalid currency reference key 2.", "currency"),  # GBP is inactive
])
def test_header_references_unknown_or_inactive_are_invalid_reference_keys(api: Client, change, detail, path):
    """A header reference NetSuite will not take: 'Invalid {field} reference key {id}.'"""
    answer = api.call("POST", f"{RECORDS}/journalEntry", {**journal_body(), **change})
    assert detail in error_detail(answer)["detail"] and error_detail(answer)["o:errorPath"] == path


def test_line_references_unknown_or_inactive_are_invalid_field_values(api: Client):
    """An inactive account on a line: INVALID_CONTENT 'Invalid Field Value 71 ...' with the line's path."""
    answer = api.call("POST", f"{RECORDS}/journalEntry", journal_body(account="71"))
    assert error_detail(answer) == {"detail": "Invalid Field Value 71 for the following field: account",
                                    "o:errorCode": "INVALID_CONTENT", "o:errorPath": "line.items[0].account"}


def test_a_date_in_a_closed_period_is_refused_in_netsuites_words(api: Client):
    """2024 is closed: the documented closed-period sentence, on tranDate."""
    answer = api.call("POST", f"{RECORDS}/journalEntry", journal_body(day="2024-06-30"))
    assert "not within the date range of your accounting period" in error_detail(answer)["detail"]
    assert error_detail(answer)["o:errorPath"] == "tranDate"


def test_a_date_with_no_accounting_period_is_refused_the_same_way(api: Client):
    """Before the first period set up (2023) there is no period: the same refusal."""
    answer = api.call("POST", f"{RECORDS}/journalEntry", journal_body(day="2019-01-15"))
    assert "accounting period" in error_detail(answer)["detail"]


def test_a_vendor_bill_in_an_ap_locked_period_is_refused(api: Client, sandbox: NetSuiteSandbox):
    """A/P locked for March 2026 refuses bills but not journal entries."""
    for period in sandbox.store.rows("accountingperiod"):
        if period["periodname"] == "Mar 2026":
            sandbox.store.update_row("accountingperiod", period["id"], {"aplocked": True})
    bill = {"entity": {"id": "101"}, "subsidiary": {"id": "1"}, "tranDate": "2026-03-02",
            "expense": {"items": [{"account": {"id": "61"}, "amount": Decimal("10.00")}]}}
    refused = api.call("POST", f"{RECORDS}/vendorBill", bill)
    allowed = api.call("POST", f"{RECORDS}/journalEntry", journal_body())
    assert (refused.status_code, allowed.status_code) == (400, 204)


def test_a_vendor_bill_for_an_employee_is_an_invalid_entity(api: Client):
    """vendorBill.entity must be a vendor: an employee's id is an invalid entity reference."""
    bill = {"entity": {"id": "201"}, "subsidiary": {"id": "1"}, "tranDate": "2026-03-02",
            "expense": {"items": [{"account": {"id": "61"}, "amount": Decimal("10.00")}]}}
    answer = api.call("POST", f"{RECORDS}/vendorBill", bill)
    assert "Invalid entity reference key 201." in error_detail(answer)["detail"]


def test_patch_changes_fields_and_delete_leaves_a_deleted_record(api: Client, sandbox: NetSuiteSandbox):
    """PATCH memo → 204 and stored; DELETE → 204, GET → 404 NONEXISTENT_ID, deletedrecord row."""
    path = api.call("POST", f"{RECORDS}/journalEntry", journal_body()).headers["Location"].split(api.base_url, 1)[1]
    patched = api.call("PATCH", path, {"memo": "edited in NetSuite"})
    assert patched.status_code == 204 and sandbox.store.records("journalEntry")[0]["memo"] == "edited in NetSuite"
    assert api.call("DELETE", path).status_code == 204
    gone = api.call("GET", path)
    assert (gone.status_code, error_detail(gone)["o:errorCode"]) == (404, "NONEXISTENT_ID")
    assert api.rows("SELECT recordid, recordtype FROM deletedrecord") == [
        {"recordid": path.rsplit("/", 1)[1], "recordtype": "journalentry"}]


def test_created_records_appear_in_suiteql(api: Client):
    """A journal entry posted through REST is a transaction row with its externalId."""
    api.call("PUT", f"{RECORDS}/journalEntry/eid:visible-1", journal_body(None))
    rows = api.rows("SELECT id, recordtype, externalid FROM transaction WHERE externalid = 'visible-1'")
    assert len(rows) == 1 and rows[0]["recordtype"] == "journalentry"


def test_requests_without_a_valid_token_get_invalid_login(sandbox: NetSuiteSandbox):
    """A wrong bearer token: 401, INVALID_LOGIN, NetSuite's error content type."""
    answer = Client(sandbox.base_url, "not-a-token").call("GET", f"{RECORDS}/journalEntry/1")
    assert (answer.status_code, error_detail(answer)["o:errorCode"]) == (401, "INVALID_LOGIN")
    assert answer.headers["Content-Type"].startswith("application/vnd.oracle.resource+json")
