"""First end-to-end flow over loopback HTTP: connect, post a journal entry, find it, replay it."""

from __future__ import annotations

from decimal import Decimal

from qbo_sandbox_helpers import Client, decode, je_payload


def test_journal_entry_is_created_with_qbo_bookkeeping_fields(client: Client) -> None:
    """A balanced entry comes back with Id, SyncToken 0, MetaData, domain and exact amounts."""
    answer = client.post("journalentry", je_payload(), requestid="req-1")
    assert answer.status_code == 200, answer.text
    entry = decode(answer)["JournalEntry"]
    assert entry["Id"] and entry["SyncToken"] == "0" and entry["domain"] == "QBO" and entry["sparse"] is False
    assert set(entry["MetaData"]) == {"CreateTime", "LastUpdatedTime"}
    assert entry["TotalAmt"] == Decimal("100.00")
    assert '"Amount":100.00' in answer.text  # a JSON number, not a string


def test_posted_entry_is_found_by_doc_number(client: Client) -> None:
    """The sync engine's lookup by DocNumber returns the posted entry."""
    posted = decode(client.post("journalentry", je_payload("EXP-77")))["JournalEntry"]
    found = decode(client.query("select * from JournalEntry where DocNumber = 'EXP-77'"))
    assert [e["Id"] for e in found["QueryResponse"]["JournalEntry"]] == [posted["Id"]]


def test_repeated_requestid_replays_without_creating(client: Client) -> None:
    """The same requestid returns the original answer byte for byte and creates nothing new."""
    first = client.post("journalentry", je_payload("EXP-5"), requestid="same-id")
    second = client.post("journalentry", je_payload("EXP-5"), requestid="same-id")
    assert (second.status_code, second.text) == (first.status_code, first.text)
    count = decode(client.query("select count(*) from JournalEntry"))["QueryResponse"]["totalCount"]
    assert count == 1


def test_requestid_longer_than_50_characters_is_refused(client: Client) -> None:
    """QBO's 50-character requestid limit is enforced and nothing is created."""
    answer = client.post("journalentry", je_payload("EXP-L"), requestid="r" * 51)
    assert answer.status_code == 400
    assert decode(answer)["Fault"]["Error"][0]["element"] == "requestid"
    assert decode(client.query("select count(*) from JournalEntry"))["QueryResponse"]["totalCount"] == 0


def test_replayed_fault_is_the_original_fault(client: Client) -> None:
    """A refused write repeated with its requestid gets the same refusal back (QBO replays answers)."""
    first = client.post("journalentry", je_payload("EXP-F", TxnDate="2024-01-01"), requestid="fault-rid")
    again = client.post("journalentry", je_payload("EXP-F", TxnDate="2024-01-01"), requestid="fault-rid")
    assert first.status_code == 400 and (again.status_code, again.text) == (first.status_code, first.text)
