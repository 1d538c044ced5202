"""Sync runs: one row per run with its counts, API calls, quota left and errors.

A run row is written when the run starts (status ``running``) and completed when it ends. A run
whose process died stays ``running``; the next run, once it holds the lock (so the old one cannot
still be going), marks it ``abandoned``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.core.keys import canonical_json, new_id
from bookbridge.store.book import Book
from bookbridge.store.models import Connection, RunStatus, SyncRun
from bookbridge.sync.lock import this_host

MAX_ERRORS_KEPT = 50


@dataclass
class RunCounts:
    """What a run did; ``errors`` keeps the first few problems as short sentences."""

    resolved: int = 0
    posted: int = 0
    skipped: int = 0
    failed: int = 0
    exceptions: int = 0
    would_post: int = 0
    api_calls: int = 0
    throttled: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)


@dataclass(frozen=True, slots=True)
class RunView:
    """A recorded run, for `bookbridge sync --history` and the GUI."""

    run_id: str
    connection: str | None
    status: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    resolved: int
    posted: int
    skipped: int
    failed: int
    exceptions: int
    would_post: int
    api_calls: int
    quota: Any
    errors: list[str]
    message: str | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data


def start_run(book: Book, *, connection_id: int | None, dry_run: bool, actor: str) -> str:
    """Record a new running run; returns its id."""
    run_id = new_id()
    with book.unit_of_work() as session:
        session.add(SyncRun(
            id=run_id, connection_id=connection_id, status=RunStatus.RUNNING, dry_run=dry_run, actor=actor,
            pid=os.getpid(), host=this_host(), started_at=clock.now(),
        ))
    return run_id


def abandon_stale_runs(book: Book, *, current_run: str) -> int:
    """Mark runs left ``running`` by dead processes as abandoned (call while holding the lock)."""
    with book.unit_of_work() as session:
        rows = session.scalars(
            sa.select(SyncRun).where(SyncRun.status == RunStatus.RUNNING, SyncRun.id != current_run,
                                     SyncRun.dry_run.is_(False))
        ).all()
        for row in rows:
            row.status = RunStatus.ABANDONED
            row.finished_at = clock.now()
            row.message = "the process ended before the run finished; its in-flight documents were resolved by a later run"
        return len(rows)


def finish_run(
    book: Book, run_id: str, counts: RunCounts, *, status: RunStatus, quota: Any = None, message: str | None = None
) -> None:
    """Complete the run row with what the run did."""
    with book.unit_of_work() as session:
        row = session.get(SyncRun, run_id)
        assert row is not None, "finish_run needs a run started with start_run"
        row.status = status
        row.finished_at = clock.now()
        for name in ("resolved", "posted", "skipped", "failed", "exceptions", "would_post", "api_calls"):
            setattr(row, name, getattr(counts, name))
        row.quota_json = canonical_json(quota) if quota is not None else None
        row.errors_json = canonical_json(counts.errors) if counts.errors else None
        row.message = message


def recent_runs(book: Book, *, limit: int = 20) -> list[RunView]:
    """The newest runs first."""
    with book.read() as session:
        rows = session.execute(
            sa.select(SyncRun, Connection.name)
            .outerjoin(Connection, Connection.id == SyncRun.connection_id)
            .order_by(SyncRun.started_at.desc())
            .limit(limit)
        ).all()
        return [
            RunView(
                run.id, name, run.status.value, run.dry_run, run.started_at, run.finished_at, run.resolved,
                run.posted, run.skipped, run.failed, run.exceptions, run.would_post, run.api_calls,
                json.loads(run.quota_json) if run.quota_json else None,
                json.loads(run.errors_json) if run.errors_json else [], run.message,
            )
            for run, name in rows
        ]
