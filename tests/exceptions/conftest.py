"""Fixtures for the exception queue: a pinned clock, so SLA due times can be checked exactly."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

import pytest

from bookbridge.core import clock

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class MovableClock:
    """A clock tests can move forward."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)


@pytest.fixture
def pinned_clock() -> Iterator[MovableClock]:
    moving = MovableClock(NOW)
    clock.set_clock(moving)
    try:
        yield moving
    finally:
        clock.set_clock(None)
