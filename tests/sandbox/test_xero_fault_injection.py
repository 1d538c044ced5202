"""Fault injection in the Xero sandbox: Xero-shaped 5xx answers, dropped connections, latency, and the
control path that switches them at runtime."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests

from bookbridge.sandbox.xero import FaultConfig, XeroSandbox
from xero_testkit import Api, api, authorize, xero_sandbox  # noqa: F401 - fixtures

BODY = {"ManualJournals": [{"Narration": "F", "Date": "2026-03-02", "Status": "POSTED", "JournalLines": [
    {"LineAmount": Decimal("1.00"), "AccountCode": "6200"}, {"LineAmount": Decimal("-1.00"), "AccountCode": "2310"}]}]}


def _queue(sandbox, *faults: str) -> None:
    requests.post(f"{sandbox.base_url}/__sandbox/faults", json={"queue": list(faults)}, timeout=5).raise_for_status()


@pytest.mark.parametrize(("fault", "number", "name"), [("500", 23, "InternalServerException"),
                                                       ("503", 25, "NotAvailableException")])
def test_server_errors_have_xeros_shape_and_do_nothing(api, fault, number, name) -> None:
    """A 5xx answer carries Xero's numbered exception; the write was not performed (or remembered)."""
    _queue(api.sandbox, fault)
    answer = api.call("PUT", "ManualJournals", BODY, headers={"Idempotency-Key": "k"})
    assert answer.status_code == int(fault) and (answer.json()["ErrorNumber"], answer.json()["Type"]) == (number, name)
    assert api.sandbox.store.all("ManualJournals") == [] and api.sandbox.store.idempotency_count() == 0


def test_dropped_connection_does_nothing(api) -> None:
    """A dropped connection ends the request without an answer and without a write."""
    _queue(api.sandbox, "drop")
    with pytest.raises(requests.ConnectionError):
        api.call("PUT", "ManualJournals", BODY)
    assert api.sandbox.store.all("ManualJournals") == []
    assert api.sandbox.stats()["counters"]["fault_drop"] == 1


def test_lost_after_commit_waits_for_a_write(api) -> None:
    """A queued "lost after commit" lets reads through and hits the next write."""
    _queue(api.sandbox, "lost_after_commit")
    assert api.call("GET", "Currencies").status_code == 200
    with pytest.raises(requests.ConnectionError):
        api.call("PUT", "ManualJournals", BODY)
    assert len(api.sandbox.store.all("ManualJournals")) == 1


def test_rates_and_latency_are_switched_at_runtime() -> None:
    """The control path changes rates and latency; a seeded 100 % 5xx rate fails every call."""
    with XeroSandbox(limits=False, faults=FaultConfig(seed=3)) as sandbox:
        api = Api(sandbox, authorize(sandbox)["access_token"])
        requests.post(f"{sandbox.base_url}/__sandbox/faults", json={"error_5xx_rate": 1.0}, timeout=5).raise_for_status()
        assert {api.call("GET", "Currencies").status_code for _ in range(10)} <= {500, 503}
        requests.post(f"{sandbox.base_url}/__sandbox/faults", json={"error_5xx_rate": 0.0, "latency_ms": 150},
                      timeout=5).raise_for_status()
        started = time.perf_counter()
        assert api.call("GET", "Currencies").status_code == 200
        assert time.perf_counter() - started >= 0.15
