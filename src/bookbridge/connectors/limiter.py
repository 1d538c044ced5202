"""Client-side rate limiting to each vendor's published limits, per company connection.

Staying under the limits is cheaper than being throttled: QBO answers a 429 with "wait 60
seconds", which stalls a whole sync run. The limiter keeps a sliding log of request start times
per window (e.g. QBO 500/min and 10/s), caps requests in flight (QBO 10 concurrent), and keeps a
separate window for batch calls (QBO 40 batch requests/min). ``time_scale`` is a speed-up factor,
as in the sandboxes: 60 makes a per-minute window last one second, so tests run in seconds.

One limiter must be shared by every connector object talking to the same company from this
process, hence :func:`shared_limiter`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from bookbridge.connectors.dto import QuotaSnapshot, QuotaWindow


@dataclass(frozen=True, slots=True)
class RateWindow:
    """At most ``limit`` request starts within any ``seconds``-long stretch."""

    name: str
    limit: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A vendor's published limits for one company connection."""

    windows: tuple[RateWindow, ...]
    batch_windows: tuple[RateWindow, ...] = ()
    max_concurrent: int | None = None


# The server counts a request when it *arrives*, we when it *starts*; arrival delays differ from
# request to request, so a window we keep exactly could still be over the limit on the server's
# clock. Each window is therefore kept a little longer than published: 5 %, and at least 20 ms.
SAFETY_FRACTION = 0.05
SAFETY_SECONDS = 0.02


class _Window:
    """A sliding log of start times for one :class:`RateWindow`."""

    def __init__(self, spec: RateWindow, time_scale: float) -> None:
        self.spec = spec
        self.span = spec.seconds / time_scale
        self.guarded_span = self.span + max(self.span * SAFETY_FRACTION, SAFETY_SECONDS)
        self.starts: deque[float] = deque()

    def prune(self, now: float) -> None:
        while self.starts and self.starts[0] <= now - self.guarded_span:
            self.starts.popleft()

    def wait_needed(self, now: float) -> float:
        """Seconds until one more start fits (0 when it fits now)."""
        if len(self.starts) < self.spec.limit:
            return 0.0
        return max(0.0, self.starts[len(self.starts) - self.spec.limit] + self.guarded_span - now)

    def remaining(self, now: float) -> int:
        """Requests left under the published limit (the safety margin is ours, not the vendor's)."""
        used = sum(1 for start in self.starts if start > now - self.span)
        return max(0, self.spec.limit - used)


class Limiter:
    """Blocks each request until every applicable window and the concurrency cap allow it.

    Thread-safe: the sync engine may post from several worker threads at once.
    """

    def __init__(
        self, limits: RateLimits, *, time_scale: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.limits = limits
        self.time_scale = time_scale
        self._clock = clock
        self._windows = [_Window(w, time_scale) for w in limits.windows]
        self._batch_windows = [_Window(w, time_scale) for w in limits.batch_windows]
        self._in_flight = 0
        self._cond = threading.Condition()

    def _applicable(self, batch: bool) -> list[_Window]:
        # A batch call is still a call: it counts against the ordinary windows too.
        return self._windows + (self._batch_windows if batch else [])

    def acquire(self, *, batch: bool = False) -> float:
        """Wait for room, then record one request start; returns the seconds spent waiting."""
        started = self._clock()
        windows = self._applicable(batch)
        with self._cond:
            while True:
                now = self._clock()
                for window in windows:
                    window.prune(now)
                wait = max((w.wait_needed(now) for w in windows), default=0.0)
                busy = self.limits.max_concurrent is not None and self._in_flight >= self.limits.max_concurrent
                if wait == 0.0 and not busy:
                    for window in windows:
                        window.starts.append(now)
                    self._in_flight += 1
                    return self._clock() - started
                # Woken early by release() when only the concurrency cap was in the way.
                self._cond.wait(timeout=wait if wait > 0 else None)

    def release(self) -> None:
        """Mark one request as finished."""
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    @contextmanager
    def slot(self, *, batch: bool = False) -> Iterator[float]:
        """``with limiter.slot(): send()``: acquire before, release after, whatever happens."""
        waited = self.acquire(batch=batch)
        try:
            yield waited
        finally:
            self.release()

    def snapshot(self, provider: str, company_id: str) -> QuotaSnapshot:
        """Requests left in each window right now, and requests in flight."""
        with self._cond:
            now = self._clock()
            windows = []
            for window in self._windows + self._batch_windows:
                window.prune(now)
                windows.append(QuotaWindow(window.spec.name, window.spec.limit, window.remaining(now), window.span))
            return QuotaSnapshot(provider, company_id, tuple(windows), self.limits.max_concurrent, self._in_flight)


_shared: dict[tuple[str, str, str], Limiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(provider: str, company_id: str, base_url: str, limits: RateLimits, *, time_scale: float = 1.0) -> Limiter:
    """The one limiter of this process for a company connection (created on first use).

    The key includes the base URL so a local sandbox and production with the same company id
    never share a budget.
    """
    key = (provider, company_id, base_url)
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None or limiter.time_scale != time_scale or limiter.limits != limits:
            limiter = Limiter(limits, time_scale=time_scale)
            _shared[key] = limiter
        return limiter
