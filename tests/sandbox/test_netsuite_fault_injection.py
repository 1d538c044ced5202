"""Fault injection in the NetSuite sandbox: 5xx, dropped connections, answers lost after commit."""

from __future__ import annotations

import pytest
import requests
from netsuite_sandbox_helpers import RECORDS, Client, connect, error_detail, journal_body

from bookbridge.sandbox.netsuite import FaultConfig, NetSuiteSandbox


def test_server_errors_answer_netsuites_error_body():
    """A 5xx rate of 1: every API call answers 500 or 503 with an o:errorDetails body; nothing is stored."""
    with NetSuiteSandbox(faults=FaultConfig(error_5xx_rate=1.0, seed=3)) as sandbox:
        api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
        answers = [api.call("PUT", f"{RECORDS}/journalEntry/eid:f-{n}", journal_body(None)) for n in range(6)]
        stored = sandbox.store.records("journalEntry")
    assert {a.status_code for a in answers} <= {500, 503} and len({a.status_code for a in answers}) == 2
    assert all(error_detail(a)["o:errorCode"] for a in answers) and stored == []


def test_a_dropped_connection_stores_nothing():
    """A queued drop closes the connection without an answer, before the write happens."""
    with NetSuiteSandbox() as sandbox:
        api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
        sandbox.faults.update({"queue": ["drop"]})
        with pytest.raises(requests.ConnectionError):
            api.call("PUT", f"{RECORDS}/journalEntry/eid:d-1", journal_body(None))
        assert sandbox.store.records("journalEntry") == []


def test_an_answer_lost_after_commit_has_stored_the_record():
    """The write is committed, then the connection is cut; a resend by eid: finds that one record."""
    with NetSuiteSandbox() as sandbox:
        api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
        sandbox.faults.update({"queue": ["lost_after_commit"]})
        api.rows("SELECT id FROM currency")  # a read: the queued fault waits for a write
        with pytest.raises(requests.ConnectionError):
            api.call("PUT", f"{RECORDS}/journalEntry/eid:l-1", journal_body(None))
        committed = sandbox.store.records("journalEntry")
        resent = api.call("PUT", f"{RECORDS}/journalEntry/eid:l-1", journal_body(None))
        after = sandbox.store.records("journalEntry")
    assert len(committed) == 1 and resent.status_code == 204 and [r["id"] for r in after] == [committed[0]["id"]]


def test_fault_settings_change_at_runtime_through_the_control_path():
    """POST /__sandbox/faults sets rates; GET reads them back; stats count what was injected."""
    with NetSuiteSandbox() as sandbox:
        api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
        set_to = requests.post(f"{sandbox.base_url}/__sandbox/faults", json={"error_5xx_rate": 1.0}, timeout=5).json()
        api.call("GET", "/services/rest/system/v1/governanceLimits")
        stats = requests.get(f"{sandbox.base_url}/__sandbox/stats", timeout=5).json()
    assert set_to["error_5xx_rate"] == 1 and sum(v for k, v in stats["counters"].items() if k.startswith("fault_5")) == 1
