"""Sync health, open exceptions against their SLA, and the month's reconciliation, for the Dashboard.

Read in one go on a worker, as frozen values: the recent runs (``sync.runs.recent_runs``), the
open queue's counts by severity and age (``exceptions.views``), and for the newest month that has
statement lines (else last month) how many lines are matched, explained or still to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.exceptions.views import list_exceptions
from bookbridge.reconcile.periods import Period, period_state
from bookbridge.store.book import Book
from bookbridge.store.models import StatementLine
from bookbridge.sync.runs import RunView, recent_runs

RUNS_FOR_RATE = 10  # the success rate is over this many recent runs


@dataclass(frozen=True, slots=True)
class SyncHealth:
    runs: tuple[RunView, ...]  # newest first, dry runs left out
    success_rate: float | None  # share of the documents these runs tried that were posted
    quota: tuple[tuple[str, int, int], ...]  # (window, remaining, limit) after the newest run

    @property
    def last(self) -> RunView | None:
        return self.runs[0] if self.runs else None


@dataclass(frozen=True, slots=True)
class QueueHealth:
    blockers: int
    warnings: int
    info: int
    overdue: int
    by_age: tuple[tuple[str, int], ...]  # ("under a day", n), ("1 to 7 days", n), ("over a week", n)


@dataclass(frozen=True, slots=True)
class MonthHealth:
    period: str
    lines: int
    matched: int
    explained: int
    signed_off: bool

    @property
    def to_review(self) -> int:
        return self.lines - self.matched - self.explained


@dataclass(frozen=True)
class Health:
    sync: SyncHealth
    queue: QueueHealth
    month: MonthHealth


def _sync(book: Book) -> SyncHealth:
    runs = tuple(r for r in recent_runs(book, limit=RUNS_FOR_RATE * 2) if not r.dry_run
                 and r.status != "running")[:RUNS_FOR_RATE]
    # Per document, not per run: one run with two held items out of 333 is a 99 % run, not a failed one.
    tried = sum(r.posted + r.failed for r in runs)
    rate = sum(r.posted for r in runs) / tried if tried else None
    quota: tuple[tuple[str, int, int], ...] = ()
    if runs and isinstance(runs[0].quota, dict):
        quota = tuple((str(name), int(w.get("remaining", 0)), int(w.get("limit", 0)))
                      for name, w in sorted(runs[0].quota.items()) if isinstance(w, dict))
    return SyncHealth(runs, rate, quota)


def _queue(book: Book, now: datetime) -> QueueHealth:
    views = list_exceptions(book, open_only=True)
    ages = {"under a day": 0, "1 to 7 days": 0, "over a week": 0}
    for view in views:
        age = now - view.created_at
        key = "under a day" if age < timedelta(days=1) else "1 to 7 days" if age <= timedelta(days=7) else "over a week"
        ages[key] += 1
    count = lambda level: sum(1 for v in views if v.severity.value == level)  # noqa: E731
    return QueueHealth(count("blocker"), count("warning"), count("info"), sum(1 for v in views if v.overdue),
                       tuple(ages.items()))


def _month(book: Book, today: date) -> MonthHealth:
    with book.read() as session:
        newest = session.scalar(sa.select(sa.func.max(StatementLine.booked_date)))
        day = newest or (today.replace(day=1) - timedelta(days=1))
        period = Period(day.year, day.month)
        rows = dict(session.execute(
            sa.select(StatementLine.match_status, sa.func.count())
            .where(StatementLine.booked_date >= period.start, StatementLine.booked_date <= period.end)
            .group_by(StatementLine.match_status)).all())
        locked = period_state(session, period).locked
    counts = {getattr(k, "value", k): int(v) for k, v in rows.items()}
    return MonthHealth(period.label, sum(counts.values()), counts.get("matched", 0), counts.get("explained", 0), locked)


def read_health(book: Book) -> Health:
    now = clock.now()
    return Health(_sync(book), _queue(book, now), _month(book, now.date()))
