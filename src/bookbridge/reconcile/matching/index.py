"""Finding a line's candidates without comparing every line with every target.

Exact targets sit in a dict keyed by ``(currency, signed minor units)``, each bucket sorted by
date so the date window is two bisections. Converted (approximate) targets are few; they sit in
one list per currency sorted by amount, and the tolerance band is again two bisections followed
by the date filter. A lookup therefore costs O(log n + k) for k candidates, never O(n).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from bookbridge.reconcile.matching.model import LineView, MatchSettings, Target


class TargetIndex:
    """Targets indexed by amount and date for one-to-one candidate search."""

    def __init__(self, targets: list[Target]) -> None:
        exact: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        approx: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        self._targets = targets
        for position, target in enumerate(targets):
            if not target.one_to_one:
                continue
            minor = target.amount.minor_units()
            ordinal = target.date.toordinal()
            exact[(target.amount.currency, minor)].append((ordinal, position))
            if target.approximate:
                approx[target.amount.currency].append((minor, ordinal, position))
        for bucket in exact.values():
            bucket.sort()
        for band in approx.values():
            band.sort()
        self._exact = dict(exact)
        self._approx = dict(approx)

    def candidates(self, line: LineView, settings: MatchSettings) -> list[Target]:
        """Targets whose amount and date could fit ``line`` (scoring decides how well)."""
        window = timedelta(days=settings.window_days)
        dates = [line.booked_date] + ([line.value_date] if line.value_date else [])
        low = (min(dates) - window).toordinal()
        high = (max(dates) + window).toordinal()
        found: dict[int, None] = {}
        minor = line.amount.minor_units()
        bucket = self._exact.get((line.amount.currency, minor))
        if bucket:
            start = bisect_left(bucket, (low, -1))
            end = bisect_right(bucket, (high, len(self._targets)))
            for _, position in bucket[start:end]:
                found[position] = None
        band = self._approx.get(line.amount.currency)
        if band:
            spread = int(abs(minor) * settings.fx_tolerance / (Decimal(1) - settings.fx_tolerance)) + 1
            start = bisect_left(band, (minor - spread, -1, -1))
            end = bisect_right(band, (minor + spread, 1 << 40, 1 << 40))
            for _, ordinal, position in band[start:end]:
                if low <= ordinal <= high:
                    found[position] = None
        return [self._targets[p] for p in found]


def date_span(lines: list[LineView], settings: MatchSettings) -> tuple[date, date] | None:
    """The date range targets must fall in to matter for ``lines`` (for loading targets)."""
    if not lines:
        return None
    first = min(line.booked_date for line in lines)
    last = max(max(line.booked_date, line.value_date or line.booked_date) for line in lines)
    return first - timedelta(days=max(settings.window_days, settings.lookback_days)), last + timedelta(days=settings.window_days)
