"""What Xero says is left of its limits: the ``X-*Limit-Remaining`` headers of every answer [X4].

Our limiter counts this process's own requests; Xero counts every request of every app and every
computer that uses the organisation. Each answer tells the truth for the tenant, so
:meth:`ServerQuota.merge` shows the smaller of the two counts while Xero's figure is fresh.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Callable, Mapping

from bookbridge.connectors.dto import QuotaSnapshot, QuotaWindow

# Response header -> (our window name, Xero's published limit, window seconds).
HEADERS: dict[str, tuple[str, int, float]] = {
    "X-MinLimit-Remaining": ("per-minute", 60, 60.0),
    "X-DayLimit-Remaining": ("per-day", 5000, 86_400.0),
    "X-AppMinLimit-Remaining": ("app-per-minute", 10_000, 60.0),
}


class ServerQuota:
    """The latest remaining-quota figures Xero sent, with when they arrived. Thread-safe."""

    def __init__(self, *, time_scale: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._time_scale = time_scale
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, float]] = {}

    def observe(self, headers: Mapping[str, str]) -> None:
        """Remember the figures in one answer's headers (absent or damaged ones are ignored)."""
        now = self._clock()
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            for header, (name, _limit, _seconds) in HEADERS.items():
                value = lowered.get(header.lower())
                if value is not None and value.strip().lstrip("-").isdigit():
                    self._seen[name] = (max(0, int(value)), now)

    def reported(self) -> dict[str, int]:
        """The last figure per window, however old (for display)."""
        with self._lock:
            return {name: value for name, (value, _when) in self._seen.items()}

    def merge(self, local: QuotaSnapshot) -> QuotaSnapshot:
        """``local`` with each window's remaining lowered to Xero's figure while that is fresh.

        A figure is fresh for one window length after it arrived: by then the window has rolled on
        and our own count is the better guide again. Xero's app-wide window, which no local count
        covers, is added when Xero has reported it.
        """
        now = self._clock()
        with self._lock:
            seen = dict(self._seen)
        windows: list[QuotaWindow] = []
        for window in local.windows:
            figure = seen.get(window.name)
            if figure is not None and now - figure[1] < window.seconds:
                window = replace(window, remaining=min(window.remaining, figure[0]))
            windows.append(window)
        names = {w.name for w in windows}
        for _header, (name, limit, seconds) in HEADERS.items():
            figure = seen.get(name)
            if name not in names and figure is not None and now - figure[1] < seconds / self._time_scale:
                windows.append(QuotaWindow(name, limit, figure[0], seconds / self._time_scale))
        return replace(local, windows=tuple(windows))
