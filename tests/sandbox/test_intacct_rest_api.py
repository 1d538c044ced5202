"""The Intacct sandbox's REST API seen over raw HTTP: envelopes, errors, the query service, limits, shared store."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import connect
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.sandbox.intacct import IntacctSandbox

API = "/ia/api/v1"


def _token(sandbox: IntacctSandbox) -> str:
    store = MemoryTokenStore()
    connect(provider("intacct-rest"), base_url=sandbox.base_url, client=ClientCredentials("raw-http"), store=store,
            open_url=open_without_browser())
    return store.load_tokens().access_token


@pytest.fixture
def api():
    with IntacctSandbox(limits=False) as sandbox:
        headers = {"Authorization": f"Bearer {_token(sandbox)}"}

        def call(method: str, path: str, body: object = None) -> requests.Response:
            return requests.request(method, sandbox.base_url + API + path, headers=headers, timeout=10,
                                    data=json.dumps(body) if body is not None else None)

        call.sandbox = sandbox  # type: ignore[attr-defined]
        yield call


ENTRY = {"glJournal": {"id": "GJ"}, "postingDate": "2026-03-02", "description": "Fuel [bb:0123456789abcdef]",
         "referenceNumber": "EXP-9", "lines": [
             {"glAccount": {"id": "6200"}, "txnType": "debit", "txnAmount": "12.50", "dimensions": {"class": {"id": "T7"}}},
             {"glAccount": {"id": "2100"}, "txnType": "credit", "txnAmount": "12.50"}]}


def test_create_answers_201_with_key_and_href_in_the_envelope(api) -> None:
    """POST journal-entry → 201, ia::result {key, id, href}, ia::meta one success."""
    answer = api("POST", "/objects/general-ledger/journal-entry", ENTRY)
    body = answer.json()
    assert answer.status_code == 201 and body["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    assert body["ia::result"]["href"] == f"/objects/general-ledger/journal-entry/{body['ia::result']['key']}"


def test_business_refusal_is_422_with_the_error_envelope(api) -> None:
    """An unknown account is 422 with ia::error code, message, errorId and one error in ia::meta."""
    bad = {**ENTRY, "lines": [{**ENTRY["lines"][0], "glAccount": {"id": "6999"}}, ENTRY["lines"][1]]}
    answer = api("POST", "/objects/general-ledger/journal-entry", bad)
    error = answer.json()["ia::result"]["ia::error"]
    assert answer.status_code == 422 and "Invalid Account '6999' specified" in error["message"]
    assert error["errorId"] and answer.json()["ia::meta"]["totalError"] == 1


def test_unknown_property_is_a_400_schema_error(api) -> None:
    """A property the object does not have is refused before any business check."""
    answer = api("POST", "/objects/general-ledger/journal-entry", {**ENTRY, "journalSymbol": "GJ"})
    assert answer.status_code == 400 and "journalSymbol" in answer.json()["ia::result"]["ia::error"]["message"]


def test_no_token_is_401(api) -> None:
    """A request without a bearer token is refused with 401 and the envelope."""
    answer = requests.post(api.sandbox.base_url + API + "/services/core/query", timeout=10,
                           data=json.dumps({"object": "general-ledger/account", "fields": ["id"]}))
    assert answer.status_code == 401 and "ia::error" in answer.json()["ia::result"]


def test_query_pages_with_next_until_the_last_page(api) -> None:
    """size 10 over the accounts: next moves by 10 and is null on the last page; totals agree."""
    seen, start = [], 1
    while start:
        meta_page = api("POST", "/services/core/query", {"object": "general-ledger/account", "fields": ["id"],
                                                          "orderBy": [{"id": "asc"}], "start": start, "size": 10}).json()
        seen += [row["id"] for row in meta_page["ia::result"]]
        start = meta_page["ia::meta"]["next"]
    assert seen == sorted(r["ACCOUNTNO"] for r in api.sandbox.store.records("GLACCOUNT"))
    assert meta_page["ia::meta"]["totalCount"] == len(seen)


def test_query_filters_and_refuses_unknown_fields(api) -> None:
    """$eq on status filters; a field the object lacks is 400."""
    active = api("POST", "/services/core/query", {"object": "accounts-payable/vendor", "fields": ["id"],
                                                   "filters": [{"$eq": {"status": "inactive"}}]}).json()
    unknown = api("POST", "/services/core/query", {"object": "accounts-payable/vendor", "fields": ["colour"]})
    assert [row["id"] for row in active["ia::result"]] == ["V199"] and unknown.status_code == 400


def test_an_entry_created_over_xml_is_read_over_rest(api) -> None:
    """One store: a GLBATCH the XML side holds is a journal entry with its lines over REST."""
    from bookbridge.sandbox.intacct import documents

    with api.sandbox.store.transaction():
        stored = documents.create_glbatch(api.sandbox.store, {
            "JOURNAL": "GJ", "BATCH_DATE": "03/05/2026", "BATCH_TITLE": "From XML", "REFERENCENO": "XML-1",
            "ENTRIES": {"GLENTRY": [{"ACCOUNTNO": "6210", "TR_TYPE": "1", "TRX_AMOUNT": "4.00"},
                                    {"ACCOUNTNO": "2100", "TR_TYPE": "-1", "TRX_AMOUNT": "4.00"}]}})
    entry = api("GET", f"/objects/general-ledger/journal-entry/{stored['RECORDNO']}").json()["ia::result"]
    assert (entry["referenceNumber"], entry["postingDate"]) == ("XML-1", "2026-03-05")
    assert [(line["glAccount"]["id"], line["txnType"], line["txnAmount"]) for line in entry["lines"]] == [
        ("6210", "debit", "4.00"), ("2100", "credit", "4.00")]


def test_over_the_limit_answers_429_with_retry_after() -> None:
    """Concurrent bursts past the company's limit get 429 with Retry-After and the envelope."""
    with IntacctSandbox() as sandbox:  # 100 a minute in real time: the burst outruns it
        headers = {"Authorization": f"Bearer {_token(sandbox)}"}
        body = json.dumps({"object": "general-ledger/account", "fields": ["id"], "size": 1})

        def one(_: int) -> requests.Response:
            return requests.post(sandbox.base_url + API + "/services/core/query", headers=headers, data=body,
                                 timeout=10)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(one, range(130)))
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled and all(a.headers.get("Retry-After") for a in throttled)
    assert throttled[0].json()["ia::result"]["ia::error"]["code"] == "tooManyRequests"
    assert any(a.status_code == 200 for a in answers)
