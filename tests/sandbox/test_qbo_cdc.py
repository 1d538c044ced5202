"""Change data capture: changes and deletions since a moment, within the 30-day look-back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import requests
from qbo_sandbox_helpers import Client, decode, je_payload

from bookbridge.sandbox.qbo import QboSandbox


def _since(minutes: int = 5) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat()


def _cdc(client: Client, entities: str, since: str) -> list[dict]:
    answer = client.get("cdc", entities=entities, changedSince=since)
    assert answer.status_code == 200, answer.text
    return decode(answer)["CDCResponse"][0]["QueryResponse"]


def test_cdc_lists_created_and_deleted_objects(client: Client) -> None:
    """A created entry appears whole; a deleted one as status Deleted with MetaData."""
    kept = decode(client.post("journalentry", je_payload("C-1")))["JournalEntry"]
    gone = decode(client.post("journalentry", je_payload("C-2")))["JournalEntry"]
    client.post("journalentry", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete")
    [journal] = _cdc(client, "JournalEntry", _since())
    by_id = {o["Id"]: o for o in journal["JournalEntry"]}
    assert by_id[kept["Id"]]["DocNumber"] == "C-1"
    assert by_id[gone["Id"]]["status"] == "Deleted" and by_id[gone["Id"]]["domain"] == "QBO"
    assert "LastUpdatedTime" in by_id[gone["Id"]]["MetaData"]


def test_cdc_answers_one_query_response_per_entity(client: Client) -> None:
    """Each requested entity gets its own QueryResponse, empty when nothing changed."""
    client.post("vendor", {"DisplayName": "New Vendor Inc"})
    responses = _cdc(client, "JournalEntry,Vendor", _since())
    assert responses[0] == {}
    assert [v["DisplayName"] for v in responses[1]["Vendor"]] == ["New Vendor Inc"]


def test_cdc_excludes_older_changes(client: Client) -> None:
    """Seeded objects (last changed in 2024) are not reported for a recent changedSince."""
    assert _cdc(client, "Account", _since()) == [{}]


def test_cdc_lookback_is_limited_to_30_days(client: Client) -> None:
    """changedSince more than 30 days back is refused."""
    answer = client.get("cdc", entities="Account", changedSince=_since(minutes=31 * 24 * 60))
    assert answer.status_code == 400
    assert decode(answer)["Fault"]["type"] == "ValidationFault"


def test_cdc_follows_the_sandbox_clock(client: Client, sandbox: QboSandbox) -> None:
    """After the clock moves 31 days, an old changedSince is refused, a fresh one is not."""
    requests.post(f"{sandbox.base_url}/__sandbox/clock", json={"advance_seconds": 31 * 86400}, timeout=5)
    # The token expired with the jump; the test is about CDC, so connect again.
    from qbo_sandbox_helpers import connect

    fresh = Client(sandbox.base_url, sandbox.realm_id, connect(sandbox.base_url)["access_token"])
    assert fresh.get("cdc", entities="Account", changedSince=_since()).status_code == 400
    assert fresh.get("cdc", entities="Account", changedSince=_since(-31 * 24 * 60 + 5)).status_code == 200
