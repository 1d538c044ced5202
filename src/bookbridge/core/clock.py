"""The one place that reads the time, so tests can pin it."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Callable

_now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _now()


def today() -> date:
    return now().date()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Pin the clock (tests, demo data); ``None`` restores the real one."""
    global _now
    _now = fn or (lambda: datetime.now(timezone.utc))
