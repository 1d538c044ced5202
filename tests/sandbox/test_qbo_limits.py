"""Rate limits per company over HTTP: 429 with QBO's throttle fault, time scaling, concurrency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests
from qbo_sandbox_helpers import Client, connect, decode

from bookbridge.sandbox.qbo import FaultConfig, QboSandbox


def _client(sandbox: QboSandbox) -> Client:
    return Client(sandbox.base_url, sandbox.realm_id, connect(sandbox.base_url)["access_token"])


def _stats(sandbox: QboSandbox) -> dict:
    return requests.get(f"{sandbox.base_url}/__sandbox/stats", timeout=5).json()


def test_eleventh_request_in_a_second_gets_429_with_throttle_fault() -> None:
    """The 10-per-second limit answers 429 with fault 3001 ThrottleExceeded and Retry-After."""
    with QboSandbox() as sandbox:
        client = _client(sandbox)
        statuses = [client.get("preferences").status_code for _ in range(11)]
        assert statuses[:10] == [200] * 10
        last = client.get("preferences")
        assert last.status_code == 429
        error = decode(last)["Fault"]["Error"][0]
        assert error["code"] == "3001" and "ThrottleExceeded" in error["Message"]
        assert decode(last)["Fault"]["type"] == "SERVICE"
        assert int(last.headers["Retry-After"]) >= 1
        assert _stats(sandbox)["counters"]["throttled"] >= 1


def test_time_scale_shortens_the_window() -> None:
    """With time_scale=4 the per-second window is 0.25 s: the quota is back 0.3 s after a 429."""
    with QboSandbox(time_scale=4) as sandbox:
        client = _client(sandbox)
        # Loop until refused rather than counting: a slow machine needs only > 40 requests/s.
        statuses = []
        while 429 not in statuses and len(statuses) < 200:
            statuses.append(client.get("preferences").status_code)
        assert statuses[-1] == 429
        time.sleep(0.3)
        assert client.get("preferences").status_code == 200


def test_limits_can_be_turned_off() -> None:
    """limits=False never answers 429."""
    with QboSandbox(limits=False) as sandbox:
        client = _client(sandbox)
        assert {client.get("preferences").status_code for _ in range(40)} == {200}


def test_more_than_ten_concurrent_requests_are_refused() -> None:
    """With 15 slow requests at once, exactly 10 are served and the rest refused as concurrent."""
    # time_scale 1000 makes the window limits irrelevant here; latency keeps requests in flight.
    # 1.5 s of latency keeps all 15 in flight together even on a loaded machine.
    with QboSandbox(time_scale=1000, faults=FaultConfig(latency_ms=1500)) as sandbox:
        token = connect(sandbox.base_url)["access_token"]
        url = f"{sandbox.base_url}/v3/company/{sandbox.realm_id}/preferences"

        def call(_: int) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return requests.get(url, params={"minorversion": "75"}, headers=headers, timeout=10).status_code

        with ThreadPoolExecutor(max_workers=15) as pool:
            statuses = list(pool.map(call, range(15)))
        assert statuses.count(200) == 10 and statuses.count(429) == 5
        assert _stats(sandbox)["counters"]["throttled_concurrent"] == 5


def test_stats_report_remaining_quota_and_entity_counts() -> None:
    """The introspection endpoint shows requests served, quota left and objects per entity."""
    with QboSandbox() as sandbox:
        client = _client(sandbox)
        client.get("preferences")
        stats = _stats(sandbox)
        assert stats["counters"]["api_requests"] == 1
        assert stats["remaining"]["per_minute"] == 499
        assert stats["entities"]["Account"] > 20
