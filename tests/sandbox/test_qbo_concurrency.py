"""Thread safety: concurrent writes get distinct Ids and duplicate numbers are caught under load."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from qbo_sandbox_helpers import Client, connect, decode, je_payload

from bookbridge.sandbox.qbo import QboSandbox


def _clients(sandbox: QboSandbox, count: int) -> list[Client]:
    token = connect(sandbox.base_url)["access_token"]
    return [Client(sandbox.base_url, sandbox.realm_id, token) for _ in range(count)]


def test_concurrent_posts_get_distinct_ids(sandbox: QboSandbox) -> None:
    """Twenty entries posted from eight threads at once all land, each with its own Id."""
    clients = _clients(sandbox, 8)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: clients[n % 8].post("journalentry", je_payload(f"CC-{n}")), range(20)))
    ids = {decode(a)["JournalEntry"]["Id"] for a in answers}
    assert len(ids) == 20
    assert decode(clients[0].query("select count(*) from JournalEntry"))["QueryResponse"]["totalCount"] == 20


def test_concurrent_duplicates_create_exactly_one(sandbox: QboSandbox) -> None:
    """Eight simultaneous posts of one DocNumber: one is created, seven get 6140."""
    clients = _clients(sandbox, 8)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda c: c.post("journalentry", je_payload("SAME")), clients))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [400] * 7
    assert {decode(a)["Fault"]["Error"][0]["code"] for a in answers if a.status_code == 400} == {"6140"}


def test_concurrent_same_requestid_creates_exactly_one(sandbox: QboSandbox) -> None:
    """Eight simultaneous retries with one requestid create one entry and all see its Id."""
    clients = _clients(sandbox, 8)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda c: c.post("journalentry", je_payload("RID"), requestid="rid-shared"), clients))
    assert {a.status_code for a in answers} == {200}
    assert len({decode(a)["JournalEntry"]["Id"] for a in answers}) == 1
