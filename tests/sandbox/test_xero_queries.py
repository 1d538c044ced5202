"""Reading from the sandbox as Xero serves it: the where/order subset, paging, If-Modified-Since,
archived records, lines only with ?page, and the envelope."""

from __future__ import annotations

from datetime import timezone
from decimal import Decimal

import pytest

from bookbridge.sandbox.xero.where import QueryError, apply_order, compile_where
from xero_testkit import api, xero_sandbox  # noqa: F401 - fixtures

OBJECTS = [
    {"Name": "Peter Smith", "Status": "ACTIVE", "Type": "ACCPAY", "Date": "/Date(1740960000000+0000)/",
     "Contact": {"ContactID": "AB-12"}, "HasAttachments": True, "Total": Decimal("5.00")},
    {"Name": "Anna", "Status": "ARCHIVED", "Type": "ACCREC", "Date": "/Date(1700000000000+0000)/",
     "Contact": {"ContactID": "cd"}, "HasAttachments": False, "Total": Decimal("10.00")},
]


@pytest.mark.parametrize(("where", "names"), [
    ('Status=="ACTIVE"', ["Peter Smith"]),
    ('Name.Contains("peter")', ["Peter Smith"]),
    ('Name.StartsWith("An") OR Total>7', ["Anna"]),
    ('Type=="ACCPAY" AND Date>=DateTime(2025,01,01)', ["Peter Smith"]),
    ('Date==DateTime(2025,03,03)', ["Peter Smith"]),
    ('Contact.ContactID==Guid("ab-12")', ["Peter Smith"]),
    ("HasAttachments==true", ["Peter Smith"]),
    ("HasAttachments && Total<6", ["Peter Smith"]),
    ('NOT (Status=="ACTIVE") || Total>7', ["Anna"]),
    ('Status!="ACTIVE"', ["Anna"]),
    ("", ["Peter Smith", "Anna"]),
])
def test_where_subset(where: str, names: list[str]) -> None:
    """Comparisons, string methods, DateTime/Guid literals, AND/OR/NOT and parentheses filter like Xero."""
    predicate = compile_where(where)
    assert [o["Name"] for o in OBJECTS if predicate(o)] == names


@pytest.mark.parametrize("where", ['Status=', 'Name.Foo("x")', 'Status=="A" AND', 'Date>=DateTime(2025)', '"x"'])
def test_unsupported_filters_are_query_errors(where: str) -> None:
    """Anything outside the subset is refused rather than guessed."""
    with pytest.raises(QueryError):
        compile_where(where)


def test_order_by_fields() -> None:
    """``order`` sorts by one or more fields, ASC or DESC, dates as dates."""
    assert [o["Name"] for o in apply_order(OBJECTS, "Date DESC")] == ["Peter Smith", "Anna"]
    assert [o["Name"] for o in apply_order(OBJECTS, "Name")] == ["Anna", "Peter Smith"]
    with pytest.raises(QueryError):
        apply_order(OBJECTS, "Name SIDEWAYS")


def test_where_over_http_and_a_bad_filter_is_a_query_parse_exception(api) -> None:
    """GET /Accounts?where=...: Xero's filter; a broken one answers 400 QueryParseException (16)."""
    banks = api.json("GET", "Accounts", where='Type=="BANK" AND Status=="ACTIVE"', order="Code DESC")["Accounts"]
    assert [a["Code"] for a in banks] == ["2120", "2110", "2100", "1010", "1000"]
    broken = api.call("GET", "Accounts", where='Type=="BANK" AND')
    assert broken.status_code == 400 and broken.json()["ErrorNumber"] == 16


def test_envelope_and_archived_contacts(api) -> None:
    """Answers carry Id, Status, ProviderName, DateTimeUTC; archived contacts need includeArchived."""
    answer = api.json("GET", "Contacts")
    assert answer["Status"] == "OK" and answer["DateTimeUTC"].startswith("/Date(") and answer["Id"]
    assert "Old Tire Shop" not in {c["Name"] for c in answer["Contacts"]}
    assert "Old Tire Shop" in {c["Name"] for c in api.json("GET", "Contacts", includeArchived="true")["Contacts"]}


def test_paging_with_page_size_and_pagination_block(api) -> None:
    """?page=N&pageSize=M pages; the pagination block counts pages and items."""
    first = api.json("GET", "Contacts", page="1", pageSize="5")
    third = api.json("GET", "Contacts", page="3", pageSize="5")
    assert len(first["Contacts"]) == 5 and len(third["Contacts"]) == 1
    assert first["pagination"] == {"page": 1, "pageSize": 5, "pageCount": 3, "itemCount": 11}


def _post_journal(api, narration: str) -> dict:
    body = {"ManualJournals": [{"Narration": narration, "Date": "2026-03-02", "Status": "POSTED", "JournalLines": [
        {"LineAmount": Decimal("3.00"), "AccountCode": "6200"}, {"LineAmount": Decimal("-3.00"), "AccountCode": "2310"}]}]}
    return api.json("PUT", "ManualJournals", body)["ManualJournals"][0]


def test_lines_come_only_with_paging(api) -> None:
    """Listing journals without ?page leaves JournalLines empty; with ?page (or by id) they are there."""
    journal = _post_journal(api, "Lines")
    assert api.json("GET", "ManualJournals")["ManualJournals"][0]["JournalLines"] == []
    assert len(api.json("GET", "ManualJournals", page="1")["ManualJournals"][0]["JournalLines"]) == 2
    one = api.json("GET", f"ManualJournals/{journal['ManualJournalID']}")["ManualJournals"][0]
    assert len(one["JournalLines"]) == 2 and one["Attachments"] == []


def test_if_modified_since_returns_only_later_changes(api) -> None:
    """If-Modified-Since (ISO 8601 or an HTTP date) keeps objects changed after it."""
    _post_journal(api, "Before")
    api.sandbox.clock.advance(60)
    middle = api.sandbox.clock.now()
    api.sandbox.clock.advance(60)
    _post_journal(api, "After")
    iso = middle.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
    later = api.json("GET", "ManualJournals", headers={"If-Modified-Since": iso})["ManualJournals"]
    assert [j["Narration"] for j in later] == ["After"]
    http_date = middle.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert [j["Narration"] for j in api.json("GET", "ManualJournals", headers={"If-Modified-Since": http_date})
            ["ManualJournals"]] == ["After"]
    assert api.json("GET", "Accounts", headers={"If-Modified-Since": iso})["Accounts"] == []


def test_unknown_ids_and_paths_are_not_found(api) -> None:
    """A missing document is 404 ObjectNotFoundException; an unknown path 404 too."""
    missing = api.call("GET", "Invoices/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["Type"] == "ObjectNotFoundException"
    assert api.call("GET", "Widgets").status_code == 404
    assert api.call("DELETE", "Accounts").status_code == 405


def test_documents_can_be_deleted_and_voided_like_in_xero(api) -> None:
    """POST /{Collection}/{id} changes status or narration (what a person does in Xero); UpdatedDateUTC moves."""
    journal = _post_journal(api, "To delete")
    api.sandbox.clock.advance(5)
    changed = api.json("POST", f"ManualJournals/{journal['ManualJournalID']}", {"ManualJournals": [{"Narration": "Deleted", "Status": "DELETED"}]})
    after = changed["ManualJournals"][0]
    assert after["Status"] == "DELETED" and after["UpdatedDateUTC"] != journal["UpdatedDateUTC"]
    refused = api.call("POST", f"ManualJournals/{journal['ManualJournalID']}", {"ManualJournals": [{"JournalLines": []}]})
    assert refused.status_code == 400
    wrong_type = api.call("POST", f"ManualJournals/{journal['ManualJournalID']}", {"ManualJournals": [{"Status": 7}]})
    assert wrong_type.status_code == 400 and "is not of type 'string'" in wrong_type.text  # checked against the schema
