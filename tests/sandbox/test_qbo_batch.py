"""The Batch API: up to 30 independent items, each answered with its entity or its Fault."""

from __future__ import annotations

from qbo_sandbox_helpers import Client, decode, je_payload


def _item(bid: str, payload: dict, operation: str = "create", entity: str = "JournalEntry") -> dict:
    return {"bId": bid, "operation": operation, entity: payload}


def test_batch_mixes_successes_and_faults(client: Client) -> None:
    """A bad item answers a Fault while the others are created; answers keep their bId."""
    bad = je_payload("B-2")
    bad["Line"][1]["Amount"] = "1.00"
    body = {"BatchItemRequest": [_item("1", je_payload("B-1")), _item("2", bad), _item("3", je_payload("B-3")),
                                 {"bId": "4", "Query": "select count(*) from JournalEntry"}]}
    answer = client.post("batch", body)
    assert answer.status_code == 200
    items = {i["bId"]: i for i in decode(answer)["BatchItemResponse"]}
    assert items["1"]["JournalEntry"]["DocNumber"] == "B-1"
    assert items["2"]["Fault"]["type"] == "ValidationFault"
    assert items["3"]["JournalEntry"]["DocNumber"] == "B-3"
    assert items["4"]["QueryResponse"] == {"totalCount": 2}


def test_items_run_serially_and_see_earlier_commits(client: Client) -> None:
    """Item 2 reusing item 1's DocNumber is a duplicate: items run one after another."""
    body = {"BatchItemRequest": [_item("a", je_payload("DUP")), _item("b", je_payload("DUP"))]}
    items = decode(client.post("batch", body))["BatchItemResponse"]
    assert "JournalEntry" in items[0]
    assert items[1]["Fault"]["Error"][0]["code"] == "6140"


def test_more_than_30_items_is_refused(client: Client) -> None:
    """31 items are refused as a whole and nothing is created."""
    body = {"BatchItemRequest": [_item(str(i), je_payload(f"M-{i}")) for i in range(31)]}
    answer = client.post("batch", body)
    assert answer.status_code == 400
    assert decode(client.query("select count(*) from JournalEntry"))["QueryResponse"]["totalCount"] == 0


def test_batch_update_and_delete(client: Client) -> None:
    """Update and delete operations work inside a batch."""
    first = decode(client.post("journalentry", je_payload("U-1")))["JournalEntry"]
    second = decode(client.post("journalentry", je_payload("U-2")))["JournalEntry"]
    body = {
        "BatchItemRequest": [
            _item("u", {"Id": first["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "changed"}, "update"),
            _item("d", {"Id": second["Id"], "SyncToken": "0"}, "delete"),
        ]
    }
    items = {i["bId"]: i for i in decode(client.post("batch", body))["BatchItemResponse"]}
    assert items["u"]["JournalEntry"]["PrivateNote"] == "changed"
    assert items["d"]["JournalEntry"]["status"] == "Deleted"


def test_batch_with_requestid_is_replayed(client: Client) -> None:
    """A batch repeated with the same requestid answers the same and creates nothing more."""
    body = {"BatchItemRequest": [_item("1", je_payload("R-1")), _item("2", je_payload("R-2"))]}
    first = client.post("batch", body, requestid="batch-0001")
    second = client.post("batch", body, requestid="batch-0001")
    assert second.text == first.text
    assert decode(client.query("select count(*) from JournalEntry"))["QueryResponse"]["totalCount"] == 2


def test_long_bid_with_requestid_is_refused(client: Client) -> None:
    """With a requestid, bIds longer than 10 characters are refused."""
    body = {"BatchItemRequest": [_item("b" * 11, je_payload("L-1"))]}
    assert client.post("batch", body, requestid="batch-0002").status_code == 400
