"""Per-tenant rate limits with sliding windows, a concurrency cap and a time scale.

Vendors publish limits such as "500 requests per minute and 10 per second per company". The
limiter keeps, per tenant and per limit, the monotonic times of admitted requests and refuses a
request that would exceed any window. ``time_scale`` shrinks every window (60 makes a per-minute
limit apply per second) so tests can hit and recover from limits quickly. Refused requests are
not counted, as a real gateway does not charge a refused call against the quota.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True, slots=True)
class WindowLimit:
    """At most ``max_requests`` of ``kind`` per ``period_seconds`` (in unscaled time)."""

    name: str
    max_requests: int
    period_seconds: float
    kind: str = "any"  # "any" counts every request; another value counts only that kind


@dataclass(frozen=True, slots=True)
class Admission:
    """The limiter's answer: admitted, or refused with the limit hit and when to retry."""

    allowed: bool
    limit_name: str = ""
    retry_after_seconds: float = 0.0


class RateLimiter:
    """Sliding-window limits plus a concurrent-request cap, per tenant key.

    Args:
        limits: the window limits to enforce.
        max_concurrent: most requests in flight at once per tenant (0: no cap).
        time_scale: divide every window by this (1.0: real time).
        enabled: when False every request is admitted (and still counted in flight).
        monotonic: the clock for windows; injectable for tests.
    """

    def __init__(
        self,
        limits: list[WindowLimit],
        *,
        max_concurrent: int = 0,
        time_scale: float = 1.0,
        enabled: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.limits = list(limits)
        self.max_concurrent = max_concurrent
        self.time_scale = time_scale
        self.enabled = enabled
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._history: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._in_flight: dict[str, int] = defaultdict(int)

    def _window(self, limit: WindowLimit) -> float:
        return limit.period_seconds / self.time_scale

    def admit(self, tenant: str, kind: str = "api") -> Admission:
        """Admit one request of ``kind`` for ``tenant`` or say which limit refuses it.

        An admitted request counts as in flight until :meth:`release` is called.
        """
        with self._lock:
            if not self.enabled:
                self._in_flight[tenant] += 1
                return Admission(True)
            if self.max_concurrent and self._in_flight[tenant] >= self.max_concurrent:
                # No window to wait for: a slot frees when another request finishes.
                return Admission(False, "concurrent", 1.0 / self.time_scale)
            now = self._monotonic()
            applicable = [lim for lim in self.limits if lim.kind in ("any", kind)]
            for limit in applicable:
                history = self._history[(tenant, limit.name)]
                window = self._window(limit)
                while history and history[0] <= now - window:
                    history.popleft()
                if len(history) >= limit.max_requests:
                    return Admission(False, limit.name, max(history[0] + window - now, 0.0))
            for limit in applicable:
                self._history[(tenant, limit.name)].append(now)
            self._in_flight[tenant] += 1
            return Admission(True)

    def release(self, tenant: str) -> None:
        """Mark one admitted request of ``tenant`` as finished."""
        with self._lock:
            if self._in_flight[tenant] > 0:
                self._in_flight[tenant] -= 1

    def remaining(self, tenant: str) -> dict[str, int]:
        """Requests left in each window for ``tenant`` right now (for introspection)."""
        with self._lock:
            now = self._monotonic()
            result = {}
            for limit in self.limits:
                history = self._history[(tenant, limit.name)]
                window = self._window(limit)
                used = sum(1 for stamp in history if stamp > now - window)
                result[limit.name] = max(limit.max_requests - used, 0)
            return result


def retry_after_header(seconds: float) -> str:
    """Whole seconds for a ``Retry-After`` header, at least 1."""
    return str(max(1, math.ceil(seconds)))
