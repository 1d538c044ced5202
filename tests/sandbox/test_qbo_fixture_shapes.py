"""The sandbox's answers have the same envelope and keys as real QBO payloads (shared fixtures)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from qbo_sandbox_helpers import Client, decode, je_payload


def _fixture(shared_fixtures: Path, name: str) -> dict[str, Any]:
    return json.loads((shared_fixtures / name).read_text(encoding="utf-8"), parse_float=Decimal)


def _purchase() -> dict[str, Any]:
    return {
        "PaymentType": "Cash",
        "AccountRef": {"value": "35"},
        "TxnDate": "2025-02-02",
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": Decimal("10.0"),
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "8"}, "TaxCodeRef": {"value": "NON"}}}],
    }


def _bill() -> dict[str, Any]:
    return {
        "VendorRef": {"value": "56"},
        "TxnDate": "2025-02-02",
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": Decimal("103.55"), "Description": "Lumber",
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "12"}, "TaxCodeRef": {"value": "TAX"},
                                                    "BillableStatus": "Billable", "CustomerRef": {"value": "26"}}}],
    }


# Keys real QBO sends that the sandbox does not model (noise or features Bookbridge never uses).
_NOT_MODELLED = {"PurchaseEx", "CustomField", "LinkedTxn", "SalesTermRef"}


@pytest.mark.parametrize(
    ("fixture", "entity", "path", "payload"),
    [
        ("qbo-quickbooks-go/journal-entry.json", "JournalEntry", "journalentry", je_payload()),
        ("qbo-quickbooks-go/purchase.json", "Purchase", "purchase", _purchase()),
        ("qbo-quickbooks-go/bill.json", "Bill", "bill", _bill()),
    ],
)
def test_entity_answers_have_the_fixture_keys(
    client: Client, shared_fixtures: Path, fixture: str, entity: str, path: str, payload: dict
) -> None:
    """Top-level, entity, line and line-detail keys of a real answer all appear in the sandbox's."""
    real = _fixture(shared_fixtures, fixture)
    ours = decode(client.post(path, payload))
    assert set(ours) == set(real) == {entity, "time"}
    assert set(real[entity]) - _NOT_MODELLED <= set(ours[entity])
    real_line, our_line = real[entity]["Line"][0], ours[entity]["Line"][0]
    assert set(real_line) <= set(our_line)
    detail = real_line["DetailType"]
    assert set(real_line[detail]) <= set(our_line[detail])
    assert set(real[entity]["MetaData"]) == set(ours[entity]["MetaData"])


def test_account_answer_has_the_fixture_keys(client: Client, shared_fixtures: Path) -> None:
    """An Account read has every key of the real Account answer."""
    real = _fixture(shared_fixtures, "qbo-quickbooks-go/account.json")
    ours = decode(client.get("account/35"))
    assert set(ours) == set(real)
    assert set(real["Account"]) <= set(ours["Account"])


def test_amounts_parse_as_decimals_like_the_fixtures(client: Client, shared_fixtures: Path) -> None:
    """Amounts are JSON numbers in both, so parse_float=Decimal yields Decimals in both."""
    real = _fixture(shared_fixtures, "qbo-quickbooks-go/journal-entry.json")
    ours = decode(client.post("journalentry", je_payload(amount="25.54")))
    assert isinstance(real["JournalEntry"]["Line"][0]["Amount"], Decimal)
    assert ours["JournalEntry"]["Line"][0]["Amount"] == Decimal("25.54")


def test_query_envelope_matches_the_fixture(client: Client, shared_fixtures: Path) -> None:
    """QueryResponse holds the entity list, startPosition and maxResults, beside time."""
    real = _fixture(shared_fixtures, "qbo-exquickbooks/query.json")
    ours = decode(client.query("select * from Vendor"))
    assert set(ours) == set(real) == {"QueryResponse", "time"}
    real_keys = {"Item" if k == "Item" else k for k in real["QueryResponse"]}
    our_keys = {"Item" if k == "Vendor" else k for k in ours["QueryResponse"]}
    assert our_keys == real_keys
    assert ours["QueryResponse"]["maxResults"] == len(ours["QueryResponse"]["Vendor"])


def test_query_fault_matches_the_fixture(client: Client, shared_fixtures: Path) -> None:
    """A bad query answers the same Fault envelope, code 4000 and message as the real one."""
    real = _fixture(shared_fixtures, "qbo-exquickbooks/query_error.json")
    ours = decode(client.query("select * from Account where Name = 'a' or Name = 'b'"))
    assert set(ours) == set(real)
    assert ours["Fault"]["type"] == real["Fault"]["type"]
    real_error, our_error = real["Fault"]["Error"][0], ours["Fault"]["Error"][0]
    assert set(real_error) <= set(our_error)
    assert (our_error["code"], our_error["Message"]) == (real_error["code"], real_error["Message"])


def test_batch_answer_matches_the_fixture_structure(client: Client, shared_fixtures: Path) -> None:
    """Like the real (XML) batch answer: one BatchItemResponse per bId, entity or Fault with Error list."""
    import defusedxml.ElementTree as ElementTree

    namespace = "{http://schema.intuit.com/finance/v3}"
    real = ElementTree.parse(shared_fixtures / "qbo-quickbooks-ruby/batch_response.xml").getroot()
    real_items = real.findall(f"{namespace}BatchItemResponse")
    real_fault = real_items[0].find(f"{namespace}Fault")
    assert real_fault is not None and real_fault.get("type") == "ValidationFault"
    bad = je_payload("BAD")
    bad["Line"] = []
    ours = decode(client.post("batch", {"BatchItemRequest": [
        {"bId": "1a", "operation": "create", "JournalEntry": bad},
        {"bId": "9i", "operation": "create", "JournalEntry": je_payload("OK")},
    ]}))
    assert [item["bId"] for item in ours["BatchItemResponse"]] == [item.get("bId") for item in (real_items[0], real_items[-1])]
    fault = ours["BatchItemResponse"][0]["Fault"]
    assert fault["type"] == "ValidationFault" and {"Message", "Detail", "code", "element"} == set(fault["Error"][0])
    assert "Id" in ours["BatchItemResponse"][1]["JournalEntry"]


def test_throttle_answer_matches_the_fixture(shared_fixtures: Path) -> None:
    """The 429 body carries the real throttle fault's code, type and message wording."""
    import defusedxml.ElementTree as ElementTree
    import requests
    from qbo_sandbox_helpers import connect

    from bookbridge.sandbox.qbo import QboSandbox

    namespace = "{http://schema.intuit.com/finance/v3}"
    real = ElementTree.parse(shared_fixtures / "qbo-quickbooks-ruby/throttle_exceeded_error.xml").getroot()
    real_fault = real.find(f"{namespace}Fault")
    assert real_fault is not None
    real_error = real_fault.find(f"{namespace}Error")
    assert real_error is not None
    with QboSandbox() as sandbox:
        client = Client(sandbox.base_url, sandbox.realm_id, connect(sandbox.base_url)["access_token"])
        answers = [client.get("preferences") for _ in range(11)]
    ours = decode(answers[-1])["Fault"]
    assert answers[-1].status_code == 429
    assert ours["type"] == real_fault.get("type")
    assert ours["Error"][0]["code"] == real_error.get("code")
    real_message = real_error.find(f"{namespace}Message")
    assert real_message is not None and real_message.text
    assert ours["Error"][0]["Message"].split(";")[0] == real_message.text.split(";")[0]
    assert requests  # imported for symmetry with other tests; the client above used it
