"""The sync engine as a task-runner job: numeric progress, a current step, and Cancel.

``sync.runner.run_sync`` reports progress as text lines ("posted 30, failed 0", after each batch)
and takes no cancel. The task runner wants ``fn(progress, cancel)`` with ``progress(step, done,
total)``. This adapter bridges the two without changing the engine:

* **total**: counted before the run from what the run will send, approved expenses not yet in
  the outbox plus outbox rows waiting to go out (one document per expense under the default
  grouping; with another grouping the bar may end early, never beyond 100 %);
* **done**: read from the engine's lines (posted + failed so far);
* **cancel**: the engine calls our progress function between batches, after each batch's answers
  are committed. When Cancel was pressed the function raises :class:`_Stopped` there, which
  unwinds the run like any error does: the book lock is released (``run_sync``'s ``finally``),
  every batch already sent is recorded, nothing is half-written. The run row, which the engine
  only completes on a normal end, is then completed here as *failed* with "cancelled" in its
  message, so history and the status bar tell the truth.

What the engine should offer instead (told to its owner): ``SyncOptions.cancel`` (a callable
checked between batches, ending the run as ``cancelled`` with receipts of what was posted still
attached) and a structured progress callback ``(step, done, total)``.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa

from bookbridge.connectors.tokens import TokenStore
from bookbridge.store.book import Book
from bookbridge.store.models import Connection, Expense, ExpenseStatus, OutboxItem, OutboxStatus, RunStatus, SyncRun
from bookbridge.sync.runner import SyncOptions, SyncReport, run_sync
from bookbridge.sync.runs import RunCounts, finish_run

_LINE = re.compile(r"posted (\d+), failed (\d+)")
WAITING = (OutboxStatus.PENDING, OutboxStatus.RETRYABLE, OutboxStatus.IN_FLIGHT)


class _Stopped(Exception):
    """Raised inside the engine's progress call to stop a run the user cancelled."""


@dataclass(frozen=True)
class SyncOutcome:
    """What a sync job did, as plain values for the GUI thread.

    Attributes:
        dry_run: the run only previewed (``payloads`` holds what it would send).
        cancelled: the user stopped it; ``posted``/``failed`` say how far it got.
        status: the run's recorded status (completed, failed).
        notes: the engine's notes and the first errors, as sentences.
    """

    connection: str
    dry_run: bool
    cancelled: bool
    run_id: str | None
    status: str
    posted: int
    failed: int
    skipped: int
    exceptions: int
    would_post: int
    api_calls: int
    throttled: int
    quota: dict[str, Any]
    notes: tuple[str, ...]
    errors: tuple[str, ...]
    payloads: tuple[dict[str, Any], ...] = field(default=())

    @classmethod
    def from_report(cls, connection: str, report: SyncReport, *, dry_run: bool,
                    payloads: list[dict[str, Any]]) -> "SyncOutcome":
        c = report.counts
        return cls(connection, dry_run, False, report.run_id, report.status.value, c.posted, c.failed, c.skipped,
                   c.exceptions, c.would_post, c.api_calls, c.throttled, dict(report.quota), tuple(report.notes),
                   tuple(c.errors), tuple(payloads))


def documents_to_send(book: Book, connection: str | None) -> int:
    """What a run is about to send: approved expenses not yet queued plus outbox rows waiting."""
    with book.read() as session:
        approved = session.scalar(sa.select(sa.func.count()).select_from(Expense)
                                  .where(Expense.status == ExpenseStatus.APPROVED)) or 0
        query = sa.select(sa.func.count()).select_from(OutboxItem).where(OutboxItem.status.in_(WAITING))
        if connection is not None:
            query = query.join(Connection, Connection.id == OutboxItem.connection_id).where(Connection.name == connection)
        waiting = session.scalar(query) or 0
    return int(approved) + int(waiting)


def _finish_cancelled(book: Book, connection: str | None, *, dry_run: bool, posted: int, failed: int,
                      actor: str) -> str | None:
    """Complete the run row the engine left running (this process's newest of the connection)."""
    with book.read() as session:
        query = (sa.select(SyncRun.id).where(SyncRun.status == RunStatus.RUNNING, SyncRun.pid == os.getpid(),
                                             SyncRun.dry_run.is_(dry_run))
                 .order_by(SyncRun.started_at.desc()).limit(1))
        if connection is not None:
            query = query.join(Connection, Connection.id == SyncRun.connection_id).where(Connection.name == connection)
        run_id = session.scalar(query)
    if run_id is None:
        return None
    message = (f"cancelled by {actor} after {posted} posted and {failed} failed; "
               "what was not sent goes out with the next sync")
    finish_run(book, run_id, RunCounts(posted=posted, failed=failed), status=RunStatus.FAILED, message=message)
    return run_id


def sync_job(book: Book, *, connection: str | None, token_store: TokenStore | None, actor: str,
             dry_run: bool = False, label: str = "the accounting system") -> Callable[..., SyncOutcome]:
    """A task-runner job running one sync (or dry run) of ``connection``."""

    def job(progress, cancel: threading.Event) -> SyncOutcome:
        total = documents_to_send(book, connection)
        progress(f"Checking unfinished posts and reading {label}", 0, total or None)
        state = {"posted": 0, "failed": 0}
        guard = threading.Lock()  # the engine may report from several sending threads
        payloads: list[dict[str, Any]] = []

        def on_line(line: str) -> None:
            found = _LINE.search(line)
            with guard:
                if found:
                    state["posted"], state["failed"] = int(found.group(1)), int(found.group(2))
                done = state["posted"] + state["failed"]
            if cancel.is_set():
                raise _Stopped()
            shown_total = max(total, done)
            step = (f"Posting to {label}: {done:,} of {shown_total:,}" if done < shown_total
                    else "Attaching receipts and recording the run")
            progress(step, done, shown_total or None)

        def on_payload(payload: dict[str, Any]) -> None:
            if cancel.is_set():
                raise _Stopped()
            payloads.append(payload)

        options = SyncOptions(connection=connection, dry_run=dry_run, actor=actor, token_store=token_store,
                              on_payload=on_payload, progress=on_line)
        try:
            report = run_sync(book, options)
        except _Stopped:
            run_id = _finish_cancelled(book, connection, dry_run=dry_run, posted=state["posted"],
                                       failed=state["failed"], actor=actor)
            return SyncOutcome(connection or "", dry_run, True, run_id, RunStatus.FAILED.value, state["posted"],
                               state["failed"], 0, 0, 0, 0, 0, {}, ("cancelled",), ())
        progress("Done", total or 1, total or 1)
        return SyncOutcome.from_report(connection or "", report, dry_run=dry_run, payloads=payloads)

    return job
