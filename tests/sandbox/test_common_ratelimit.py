"""The sliding-window limiter with QBO's published numbers, on a fake monotonic clock."""

from __future__ import annotations

from bookbridge.sandbox.common.ratelimit import RateLimiter, WindowLimit
from bookbridge.sandbox.qbo.server import QBO_LIMITS, QBO_MAX_CONCURRENT


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limiter(clock: FakeMonotonic, time_scale: float = 1.0) -> RateLimiter:
    return RateLimiter(QBO_LIMITS, max_concurrent=QBO_MAX_CONCURRENT, time_scale=time_scale, monotonic=clock)


def _admit_finished(limiter: RateLimiter, kind: str = "api") -> bool:
    admission = limiter.admit("realm", kind)
    if admission.allowed:
        limiter.release("realm")
    return admission.allowed


def test_500_per_minute_then_refused_until_the_oldest_leaves() -> None:
    """At 10 per second, request 501 within a minute is refused and admitted once the window slides."""
    clock = FakeMonotonic()
    limiter = _limiter(clock)
    admitted = 0
    for _ in range(50):  # 50 seconds x 10 requests
        admitted += sum(_admit_finished(limiter) for _ in range(10))
        clock.now += 1.0
    assert admitted == 500
    refusal = limiter.admit("realm")
    assert (refusal.allowed, refusal.limit_name) == (False, "per_minute")
    clock.now += refusal.retry_after_seconds + 0.001
    assert _admit_finished(limiter)


def test_batch_limit_is_40_per_minute() -> None:
    """The 41st batch within a minute is refused even though plain calls still pass."""
    clock = FakeMonotonic()
    limiter = _limiter(clock)
    results = []
    for _ in range(41):
        results.append(_admit_finished(limiter, "batch"))
        clock.now += 1.0
    assert results.count(True) == 40 and results[-1] is False
    assert limiter.admit("realm", "batch").limit_name == "batch_per_minute"
    assert _admit_finished(limiter, "api")


def test_time_scale_divides_the_windows() -> None:
    """time_scale=60 makes the per-minute window one second long."""
    clock = FakeMonotonic()
    limiter = RateLimiter([WindowLimit("per_minute", 3, 60.0)], time_scale=60, monotonic=clock)
    assert [_admit_finished(limiter) for _ in range(4)] == [True, True, True, False]
    clock.now += 1.0
    assert _admit_finished(limiter)


def test_tenants_have_separate_quotas() -> None:
    """One company's usage does not use up another's quota."""
    clock = FakeMonotonic()
    limiter = RateLimiter([WindowLimit("w", 1, 60.0)], monotonic=clock)
    assert limiter.admit("a").allowed and limiter.admit("b").allowed
    assert not limiter.admit("a").allowed


def test_refused_requests_do_not_use_quota() -> None:
    """Refusals are not counted, so a client that keeps retrying is not punished further."""
    clock = FakeMonotonic()
    limiter = RateLimiter([WindowLimit("w", 2, 10.0)], monotonic=clock)
    assert _admit_finished(limiter) and _admit_finished(limiter)
    for _ in range(5):
        assert not _admit_finished(limiter)
    assert limiter.remaining("realm") == {"w": 0}
    clock.now += 10.0
    assert limiter.remaining("realm") == {"w": 2}
