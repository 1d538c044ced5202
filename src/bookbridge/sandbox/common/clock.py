"""The sandbox's own clock: the real (or pinned) time plus an offset tests can advance.

Token expiry, MetaData timestamps and the CDC look-back all read this clock, so a test can jump
an hour ahead (``advance``) to expire access tokens without waiting. Rate-limit windows use the
monotonic clock instead: jumping the wall clock must not refill a quota.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Callable

from bookbridge.core import clock as core_clock


class SandboxClock:
    """Wall-clock time for a sandbox, shiftable forwards for tests."""

    def __init__(self, base: Callable[[], datetime] | None = None) -> None:
        self._base = base or core_clock.now
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Current sandbox time, timezone-aware."""
        with self._lock:
            offset = self._offset
        return self._base() + offset

    def advance(self, seconds: float) -> datetime:
        """Move the sandbox's time forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forwards")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset.total_seconds()
