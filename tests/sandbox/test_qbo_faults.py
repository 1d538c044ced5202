"""Fault injection: 5xx answers, dropped connections, responses lost after commit, latency."""

from __future__ import annotations

import time

import pytest
import requests
from qbo_sandbox_helpers import Client, connect, decode, je_payload

from bookbridge.sandbox.qbo import FaultConfig, QboSandbox


def _client(sandbox: QboSandbox) -> Client:
    return Client(sandbox.base_url, sandbox.realm_id, connect(sandbox.base_url)["access_token"])


def _set_faults(sandbox: QboSandbox, **settings: object) -> dict:
    answer = requests.post(f"{sandbox.base_url}/__sandbox/faults", json=settings, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _journal_count(client: Client) -> int:
    return decode(client.query("select count(*) from JournalEntry"))["QueryResponse"]["totalCount"]


def _statuses(seed: int) -> list[int]:
    with QboSandbox(limits=False, faults=FaultConfig(error_5xx_rate=0.4, seed=seed)) as sandbox:
        client = _client(sandbox)
        return [client.get("preferences").status_code for _ in range(30)]


def test_5xx_rate_is_reproducible_with_a_seed() -> None:
    """The same seed gives the same sequence of 500/503 answers; another seed a different one."""
    first, again, other = _statuses(7), _statuses(7), _statuses(8)
    assert first == again
    assert first != other
    assert {200, 500, 503} <= set(first) | set(other)


def test_injected_5xx_creates_nothing(sandbox: QboSandbox) -> None:
    """A write answered 5xx was not processed: nothing is stored."""
    client = _client(sandbox)
    _set_faults(sandbox, queue=["500", "503"])
    assert client.post("journalentry", je_payload("F-1")).status_code == 500
    answer = client.post("journalentry", je_payload("F-1"))
    assert answer.status_code == 503 and decode(answer)["Fault"]["Error"]
    assert _journal_count(client) == 0


def test_dropped_connection_has_no_answer_and_no_effect(sandbox: QboSandbox) -> None:
    """A dropped request raises a connection error at the client and stores nothing."""
    client = _client(sandbox)
    _set_faults(sandbox, queue=["drop"])
    with pytest.raises(requests.ConnectionError):
        client.post("journalentry", je_payload("D-1"))
    assert _journal_count(client) == 0


def test_lost_after_commit_stores_then_hangs_up(sandbox: QboSandbox) -> None:
    """The client sees a connection error, but the entry was stored; the retry replays it."""
    client = _client(sandbox)
    _set_faults(sandbox, queue=["lost_after_commit"])
    with pytest.raises(requests.ConnectionError):
        client.post("journalentry", je_payload("LAC-1"), requestid="lac-req-1")
    assert _journal_count(client) == 1
    retry = client.post("journalentry", je_payload("LAC-1"), requestid="lac-req-1")
    assert retry.status_code == 200
    stored = decode(client.query("select * from JournalEntry"))["QueryResponse"]["JournalEntry"]
    assert decode(retry)["JournalEntry"]["Id"] == stored[0]["Id"]
    assert _journal_count(client) == 1


def test_lost_after_commit_rate_spares_reads() -> None:
    """'Response lost after commit' only hits writes: reads always get their answer."""
    with QboSandbox(limits=False, faults=FaultConfig(lost_after_commit_rate=1.0, seed=1)) as sandbox:
        client = _client(sandbox)
        assert client.get("preferences").status_code == 200
        with pytest.raises(requests.ConnectionError):
            client.post("vendor", {"DisplayName": "Lost Vendor"})
        assert decode(client.query("select count(*) from Vendor where DisplayName = 'Lost Vendor'"))[
            "QueryResponse"
        ] == {"totalCount": 1}


def test_drop_rate_applies_to_api_calls() -> None:
    """With a drop rate of 1, every API call is cut off while OAuth still works."""
    with QboSandbox(limits=False, faults=FaultConfig(drop_rate=1.0, seed=3)) as sandbox:
        client = _client(sandbox)
        with pytest.raises(requests.ConnectionError):
            client.get("preferences")


def test_latency_is_added(sandbox: QboSandbox) -> None:
    """latency_ms delays every API answer by at least that much."""
    client = _client(sandbox)
    _set_faults(sandbox, latency_ms=150)
    started = time.perf_counter()
    assert client.get("preferences").status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_faults_switch_at_runtime(sandbox: QboSandbox) -> None:
    """POST /__sandbox/faults turns a 5xx rate on and off while the server runs."""
    client = _client(sandbox)
    _set_faults(sandbox, error_5xx_rate=1.0, seed=5)
    assert client.get("preferences").status_code in (500, 503)
    settings = _set_faults(sandbox, error_5xx_rate=0)
    assert client.get("preferences").status_code == 200
    assert settings["queue"] == []


def test_bad_fault_setting_is_refused(sandbox: QboSandbox) -> None:
    """An unknown setting or a rate above 1 answers 400 and leaves the settings unchanged."""
    assert requests.post(f"{sandbox.base_url}/__sandbox/faults", json={"boom": 1}, timeout=5).status_code == 400
    assert requests.post(f"{sandbox.base_url}/__sandbox/faults", json={"drop_rate": 2}, timeout=5).status_code == 400
    assert requests.get(f"{sandbox.base_url}/__sandbox/faults", timeout=5).json()["drop_rate"] == 0


def test_injected_faults_are_counted(sandbox: QboSandbox) -> None:
    """The stats endpoint counts each kind of injected fault."""
    client = _client(sandbox)
    _set_faults(sandbox, queue=["503", "drop"])
    client.get("preferences")
    with pytest.raises(requests.ConnectionError):
        client.get("preferences")
    counters = requests.get(f"{sandbox.base_url}/__sandbox/stats", timeout=5).json()["counters"]
    assert (counters["fault_503"], counters["fault_drop"]) == (1, 1)
