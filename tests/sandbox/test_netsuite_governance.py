"""Concurrency governance in the NetSuite sandbox: 429 over the account's limit, governanceLimits."""

from __future__ import annotations

import threading

import requests
from netsuite_sandbox_helpers import Client, body, connect, error_detail

from bookbridge.sandbox.netsuite import FaultConfig, NetSuiteSandbox

GOVERNANCE = "/services/rest/system/v1/governanceLimits"


def burst(api: Client, n: int) -> list[requests.Response]:
    """``n`` requests at once from ``n`` threads."""
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def one() -> None:
        answer = api.call("GET", GOVERNANCE)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_more_requests_in_flight_than_allowed_get_429():
    """Concurrency 2 and slow answers: of 6 simultaneous requests some get 429 CONCURRENCY_LIMIT_EXCEEDED."""
    with NetSuiteSandbox(concurrency=2, faults=FaultConfig(latency_ms=150)) as sandbox:
        api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
        answers = burst(api, 6)
        later = api.call("GET", GOVERNANCE)
    throttled = [a for a in answers if a.status_code == 429]
    assert 1 <= len(throttled) <= 4 and error_detail(throttled[0])["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert "Retry-After" not in throttled[0].headers and later.status_code == 200  # slots free again


def test_without_limits_nothing_is_throttled():
    """--no-limits: the same burst is all 200."""
    with NetSuiteSandbox(concurrency=1, limits=False, faults=FaultConfig(latency_ms=50)) as sandbox:
        answers = burst(Client(sandbox.base_url, connect(sandbox.base_url)["access_token"]), 4)
    assert {a.status_code for a in answers} == {200}


def test_retry_after_when_asked_for_is_scaled_by_time_scale():
    """With retry_after on, the 429 carries a Retry-After of at least one second."""
    with NetSuiteSandbox(concurrency=1, retry_after=True, time_scale=60, faults=FaultConfig(latency_ms=150)) as sandbox:
        answers = burst(Client(sandbox.base_url, connect(sandbox.base_url)["access_token"]), 3)
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled and all(a.headers["Retry-After"] == "1" for a in throttled)


def test_governance_limits_report_the_accounts_concurrency():
    """GET governanceLimits answers the documented shape with the configured limit."""
    with NetSuiteSandbox(concurrency=7) as sandbox:
        answer = body(Client(sandbox.base_url, connect(sandbox.base_url)["access_token"]).call("GET", GOVERNANCE))
    assert answer == {"accountConcurrencyLimit": 7, "accountUnallocatedConcurrencyLimit": 7,
                      "integrationLimitType": "accountLimit"}
