"""Xero's limits per organisation, 60 times faster: 60 calls a minute, 5 at once, 5,000 a day, with the
remaining-quota headers on every answer and Retry-After / X-Rate-Limit-Problem on a 429."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bookbridge.sandbox.xero import FaultConfig, XeroSandbox
from xero_testkit import Api, authorize

SCALE = 60.0


def _api(sandbox: XeroSandbox) -> Api:
    return Api(sandbox, authorize(sandbox)["access_token"])


def test_every_answer_says_what_is_left() -> None:
    """X-MinLimit-Remaining, X-DayLimit-Remaining and X-AppMinLimit-Remaining count down with each call."""
    with XeroSandbox(time_scale=SCALE) as sandbox:
        api = _api(sandbox)
        first, second = api.call("GET", "Currencies"), api.call("GET", "Currencies")
    assert int(first.headers["X-MinLimit-Remaining"]) == 59 and int(second.headers["X-MinLimit-Remaining"]) == 58
    assert int(first.headers["X-DayLimit-Remaining"]) == 4999
    assert int(first.headers["X-AppMinLimit-Remaining"]) - int(second.headers["X-AppMinLimit-Remaining"]) == 1


def test_the_61st_call_in_a_minute_is_throttled_with_retry_after() -> None:
    """Over 60 in a (scaled) minute: 429, Retry-After in whole seconds, X-Rate-Limit-Problem: minute."""
    with XeroSandbox(time_scale=SCALE) as sandbox:
        api = _api(sandbox)
        answers = [api.call("GET", "Currencies") for _ in range(61)]
        throttled = answers[-1]
        assert [a.status_code for a in answers[:60]] == [200] * 60
        assert throttled.status_code == 429 and throttled.headers["X-Rate-Limit-Problem"] == "minute"
        assert int(throttled.headers["Retry-After"]) >= 1 and throttled.headers["X-MinLimit-Remaining"] == "0"
        time.sleep(1.05)  # one scaled minute later the window has room again
        assert api.call("GET", "Currencies").status_code == 200


def test_a_sixth_call_in_progress_is_throttled_as_concurrent() -> None:
    """Five calls may be in progress at once; the sixth gets 429 with X-Rate-Limit-Problem: concurrent."""
    with XeroSandbox(time_scale=1.0, faults=FaultConfig(latency_ms=400)) as sandbox:
        api = _api(sandbox)
        barrier = threading.Barrier(7)

        def call(_: int):
            barrier.wait()
            return api.call("GET", "Currencies")

        with ThreadPoolExecutor(max_workers=7) as pool:
            answers = list(pool.map(call, range(7)))
    problems = sorted(a.headers.get("X-Rate-Limit-Problem", "") for a in answers if a.status_code == 429)
    assert sum(a.status_code == 200 for a in answers) == 5 and problems == ["concurrent", "concurrent"]


def test_limits_are_per_organisation() -> None:
    """One organisation's exhausted minute does not throttle another's."""
    tenants = [("a1b2c3d4-0000-4000-8000-000000000001", "One"), ("a1b2c3d4-0000-4000-8000-000000000002", "Two")]
    with XeroSandbox(time_scale=SCALE, tenants=tenants) as sandbox:
        token = authorize(sandbox)["access_token"]
        first, second = Api(sandbox, token, tenants[0][0]), Api(sandbox, token, tenants[1][0])
        assert [first.call("GET", "Currencies").status_code for _ in range(61)][-1] == 429
        assert second.call("GET", "Currencies").status_code == 200


def test_no_limits_option_admits_everything() -> None:
    """With limits off nothing is throttled (and the counters still run)."""
    with XeroSandbox(limits=False) as sandbox:
        api = _api(sandbox)
        assert {api.call("GET", "Currencies").status_code for _ in range(80)} == {200}
        assert "throttled" not in sandbox.stats()["counters"]
