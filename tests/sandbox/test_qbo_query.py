"""The query language subset: filters, dotted fields, ordering, paging, count, and its faults."""

from __future__ import annotations

from decimal import Decimal

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qbo_sandbox_helpers import MINOR_VERSION, Client, connect, decode, je_payload

from bookbridge.sandbox.qbo import QboSandbox


def _items(client: Client, statement: str, entity: str) -> list[dict]:
    answer = client.query(statement)
    assert answer.status_code == 200, answer.text
    return decode(answer)["QueryResponse"].get(entity, [])


def _post_entries(client: Client, count: int, prefix: str = "Q") -> list[str]:
    ids = []
    for index in range(count):
        payload = je_payload(f"{prefix}-{index:03d}", amount=f"{index + 1}.25", TxnDate=f"2025-03-{index % 28 + 1:02d}")
        ids.append(decode(client.post("journalentry", payload))["JournalEntry"]["Id"])
    return ids


def test_paging_with_startposition_and_maxresults(client: Client) -> None:
    """Pages follow STARTPOSITION/MAXRESULTS and report startPosition and maxResults."""
    ids = _post_entries(client, 7)
    page = decode(client.query("select * from JournalEntry startposition 3 maxresults 2"))["QueryResponse"]
    assert [e["Id"] for e in page["JournalEntry"]] == ids[2:4]
    assert (page["startPosition"], page["maxResults"]) == (3, 2)


def test_count_returns_total_count_only(client: Client) -> None:
    """SELECT COUNT(*) answers {"totalCount": n} and no objects."""
    _post_entries(client, 3)
    assert decode(client.query("SELECT COUNT(*) FROM JournalEntry"))["QueryResponse"] == {"totalCount": 3}


def test_empty_result_is_an_empty_query_response(client: Client) -> None:
    """No match answers an empty QueryResponse object, as QBO does."""
    assert decode(client.query("select * from JournalEntry where DocNumber = 'nope'"))["QueryResponse"] == {}


def test_filter_by_private_note_with_like(client: Client) -> None:
    """LIKE with % finds entries by our key in PrivateNote."""
    client.post("journalentry", je_payload("L-1", PrivateNote="bb:key=abc123 report 1"))
    client.post("journalentry", je_payload("L-2", PrivateNote="something else"))
    found = _items(client, "select * from JournalEntry where PrivateNote like '%key=abc123%'", "JournalEntry")
    assert [e["DocNumber"] for e in found] == ["L-1"]


def test_in_operator_and_and_conditions(client: Client) -> None:
    """IN (...) combined with AND filters on several fields."""
    _post_entries(client, 5)
    found = _items(
        client,
        "select * from JournalEntry where DocNumber in ('Q-001', 'Q-003', 'Q-004') and TotalAmt > '2.50'",
        "JournalEntry",
    )
    assert sorted(e["DocNumber"] for e in found) == ["Q-003", "Q-004"]


def test_dotted_metadata_field_filters_by_time(client: Client) -> None:
    """MetaData.LastUpdatedTime compares as a time, honouring offsets."""
    _post_entries(client, 2)
    created = decode(client.query("select * from JournalEntry"))["QueryResponse"]["JournalEntry"][0]
    stamp = created["MetaData"]["LastUpdatedTime"]
    assert len(_items(client, f"select * from JournalEntry where MetaData.LastUpdatedTime >= '{stamp}'", "JournalEntry")) == 2
    assert _items(client, "select * from JournalEntry where MetaData.LastUpdatedTime < '2001-01-01T00:00:00Z'", "JournalEntry") == []


def test_orderby_descending(client: Client) -> None:
    """ORDERBY field DESC sorts numbers numerically, highest first."""
    _post_entries(client, 4)
    found = _items(client, "select * from JournalEntry orderby TotalAmt desc", "JournalEntry")
    totals = [e["TotalAmt"] for e in found]
    assert totals == sorted(totals, reverse=True) and totals[0] == Decimal("4.25")


def test_inactive_records_only_when_asked(client: Client) -> None:
    """Name lists hide inactive records unless the query filters on Active."""
    default = {a["Name"] for a in _items(client, "select * from Account maxresults 1000", "Account")}
    inactive = {a["Name"] for a in _items(client, "select * from Account where Active = false", "Account")}
    assert "Old truck lease" not in default
    assert inactive == {"Old truck lease", "Old fuel card"}


def test_query_by_post_with_application_text(client: Client) -> None:
    """The statement can be POSTed as the body with Content-Type application/text."""
    answer = client.session.post(
        f"{client.api}/query",
        params={"minorversion": MINOR_VERSION},
        data="select * from Vendor where DisplayName = 'E-ZPass'",
        headers={"Content-Type": "application/text"},
        timeout=5,
    )
    assert [v["Id"] for v in decode(answer)["QueryResponse"]["Vendor"]] == ["58"]


def test_or_is_a_parse_error_like_qbo(client: Client) -> None:
    """OR is not in QBO's grammar: fault 4000 'Error parsing query' with a QueryParserError."""
    answer = client.query("select * from Account where Name = 'Fuel' or Name = 'Travel'")
    assert answer.status_code == 400
    error = decode(answer)["Fault"]["Error"][0]
    assert (error["code"], error["Message"]) == ("4000", "Error parsing query")
    assert error["Detail"].startswith("QueryParserError:")


def test_unknown_entity_is_a_validation_error(client: Client) -> None:
    """Querying an entity the company does not serve is fault 4001."""
    assert decode(client.query("select * from Spaceship"))["Fault"]["Error"][0]["code"] == "4001"


def test_quoted_value_with_escaped_apostrophe(client: Client) -> None:
    """A backslash-escaped quote inside a string literal matches names with apostrophes."""
    found = _items(client, r"select * from Vendor where DisplayName = 'Love\'s Travel Stops'", "Vendor")
    assert [v["Id"] for v in found] == ["57"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page_size=st.integers(min_value=1, max_value=12))
def test_pages_concatenate_to_the_whole_list(sandbox: QboSandbox, page_size: int) -> None:
    """Walking any page size from 1 until a short page yields every account once, in order."""
    client = Client(sandbox.base_url, sandbox.realm_id, connect(sandbox.base_url)["access_token"])
    whole = [a["Id"] for a in _items(client, "select * from Account maxresults 1000", "Account")]
    walked: list[str] = []
    start = 1
    while True:
        page = _items(client, f"select * from Account startposition {start} maxresults {page_size}", "Account")
        walked.extend(a["Id"] for a in page)
        if len(page) < page_size:
            break
        start += page_size
    assert walked == whole


def test_unauthenticated_query_is_refused(sandbox: QboSandbox) -> None:
    """Queries need a bearer token like every API call."""
    answer = requests.get(
        f"{sandbox.base_url}/v3/company/{sandbox.realm_id}/query",
        params={"query": "select * from Account", "minorversion": MINOR_VERSION},
        timeout=5,
    )
    assert answer.status_code == 401
