"""The client-side limiter: windows, concurrency cap, batch window, remaining quota."""

from __future__ import annotations

import threading
import time

from bookbridge.connectors.limiter import Limiter, RateLimits, RateWindow, shared_limiter
from bookbridge.connectors.quickbooks.config import LIMITS as QBO_LIMITS


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_remaining_quota_counts_requests_in_the_window():
    """Each request start lowers the remaining count of every ordinary window."""
    clock = FakeClock()
    limiter = Limiter(QBO_LIMITS, clock=clock)
    for _ in range(3):
        with limiter.slot():
            pass
    snap = limiter.snapshot("qbo", "1")
    assert (snap.remaining("per-minute"), snap.remaining("per-second"), snap.remaining("batch-per-minute")) == (497, 7, 40)


def test_requests_leave_the_window_after_it_passes():
    """Once the window has passed, its quota is whole again."""
    clock = FakeClock()
    limiter = Limiter(QBO_LIMITS, clock=clock)
    with limiter.slot():
        pass
    clock.now += 61
    assert limiter.snapshot("qbo", "1").remaining("per-minute") == 500


def test_batch_calls_count_in_the_batch_window_and_the_ordinary_ones():
    """A batch request uses batch quota and ordinary quota."""
    limiter = Limiter(QBO_LIMITS, clock=FakeClock())
    with limiter.slot(batch=True):
        pass
    snap = limiter.snapshot("qbo", "1")
    assert (snap.remaining("batch-per-minute"), snap.remaining("per-minute")) == (39, 499)


def test_in_flight_is_reported_while_a_request_runs():
    """The snapshot shows requests currently in flight and the cap."""
    limiter = Limiter(QBO_LIMITS, clock=FakeClock())
    with limiter.slot():
        snap = limiter.snapshot("qbo", "1")
    assert (snap.in_flight, snap.max_concurrent) == (1, 10)


def test_a_full_window_makes_the_next_request_wait():
    """With 3 per (scaled) second allowed, the 4th request waits for the window to slide."""
    limits = RateLimits(windows=(RateWindow("per-second", 3, 1.0),))
    limiter = Limiter(limits, time_scale=5.0)  # window lasts 0.2 s
    started = time.monotonic()
    for _ in range(4):
        with limiter.slot():
            pass
    elapsed = time.monotonic() - started
    assert 0.19 <= elapsed < 1.0


def test_concurrency_cap_holds_extra_requests_until_one_finishes():
    """With a cap of 2, a third request waits until a slot is released."""
    limiter = Limiter(RateLimits(windows=(), max_concurrent=2))
    limiter.acquire()
    limiter.acquire()
    entered = threading.Event()

    def third() -> None:
        with limiter.slot():
            entered.set()

    worker = threading.Thread(target=third)
    worker.start()
    blocked = not entered.wait(0.2)
    limiter.release()
    worker.join(2)
    limiter.release()
    assert blocked and entered.is_set()


def test_time_scale_shrinks_windows():
    """time_scale=60 makes the per-minute window one second long."""
    limiter = Limiter(QBO_LIMITS, time_scale=60.0, clock=FakeClock())
    spans = {w.name: w.seconds for w in limiter.snapshot("qbo", "1").windows}
    assert spans["per-minute"] == 1.0


def test_one_limiter_is_shared_per_company_connection():
    """Two connectors for the same company and host share one budget; another company gets its own."""
    a = shared_limiter("qbo", "realm-a", "http://127.0.0.1:1", QBO_LIMITS)
    b = shared_limiter("qbo", "realm-a", "http://127.0.0.1:1", QBO_LIMITS)
    c = shared_limiter("qbo", "realm-b", "http://127.0.0.1:1", QBO_LIMITS)
    assert a is b and a is not c
