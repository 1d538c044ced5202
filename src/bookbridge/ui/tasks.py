"""The one task runner: long work runs off the GUI thread, results come back as signals.

A *job* is a plain function defined outside ``ui`` (so the CLI and the tests can call it without
Qt)::

    def job(progress: ProgressFn, cancel: threading.Event) -> Result: ...

* ``progress(step, done=0, total=None)`` reports what the job is doing ("Posting 12 of 2,000").
  It is cheap to call often: the runner forwards at most one report per ``PROGRESS_INTERVAL``
  (plus the last one) so a 2,000-item loop cannot flood the GUI's event queue.
* ``cancel`` is a ``threading.Event``: the job checks ``cancel.is_set()`` between items and stops
  early, returning what it has done. Both are stdlib types so no engine package needs a Qt or
  ``ui`` import to be runnable here.

:class:`TaskRunner` wraps the job in a ``QRunnable`` and returns a :class:`TaskHandle` (a QObject
living on the GUI thread) whose signals report progress, success, failure and cancellation. The
runnable only *emits*; Qt queues the emission to the GUI thread, so workers never touch widgets.
Signals carry ids, frozen dataclasses, plain results or the exception, never ORM objects: a job
opens its own session on the book's engine and closes it before returning.

Lanes: jobs that write to the book share one serial lane (a pool with one thread), so two writers
never race for SQLite's single write lock and they run in submission order. Read-only jobs run on
a small parallel pool, sized below the book engine's connection pool.
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


log = logging.getLogger("bookbridge.ui.tasks")

PROGRESS_INTERVAL = 0.05  # seconds between forwarded progress reports (20 per second is smooth)
READ_THREADS = 3  # below the engine's pool_size (4) so the GUI's own reads never wait for a connection


class ProgressFn(Protocol):
    """What a job calls to report progress."""

    def __call__(self, step: str, done: int = 0, total: int | None = None) -> None: ...


Job = Callable[[ProgressFn, threading.Event], Any]


class Lane(str, enum.Enum):
    """Where a job runs: reads in parallel, book writes one at a time."""

    READ = "read"
    BOOK_WRITE = "book_write"


@dataclass(frozen=True, slots=True)
class TaskProgress:
    """One progress report, as the GUI receives it.

    Attributes:
        task_id: the task that reported.
        step: what it is doing, for a person.
        done: items done so far.
        total: items in all, or None when unknown (the bar then shows "busy").
    """

    task_id: int
    step: str
    done: int = 0
    total: int | None = None

    @property
    def fraction(self) -> float | None:
        """Share done in [0, 1], or None when the total is unknown."""
        if not self.total:
            return None
        return min(1.0, max(0.0, self.done / self.total))


class TaskState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class TaskHandle(QObject):
    """A submitted job. Lives on the GUI thread; its public signals are emitted there.

    Exactly one of ``succeeded``, ``failed`` or ``cancelled`` is emitted, then ``finished``.
    Workers never see this object: they report to the long-lived runner, whose slot (on the GUI
    thread) calls the handle. So a handle can be deleted safely once finished, and a caller who
    connects right after :meth:`TaskRunner.submit` never misses a fast job's result (reports are
    delivered by the event loop, after the caller's code has returned).

    Signals:
        started(int): the job began running (task id).
        progressed(TaskProgress): a (throttled) progress report.
        succeeded(object): the job's result.
        failed(object): the exception the job raised.
        cancelled(object): the job stopped because cancel was requested; carries its (partial)
            result, or None when it never started.
        finished(int): always last (task id).
    """

    started = Signal(int)
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal(object)
    finished = Signal(int)

    def __init__(self, task_id: int, name: str, lane: Lane, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task_id = task_id
        self.name = name
        self.lane = lane
        self.state = TaskState.QUEUED
        self.last_progress: TaskProgress | None = None
        self._cancel = threading.Event()

    @property
    def cancel_event(self) -> threading.Event:
        return self._cancel

    def cancel(self) -> None:
        """Ask the job to stop; it stops at its next check (a queued job never starts)."""
        self._cancel.set()

    def is_done(self) -> bool:
        return self.state in (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED)

    def _on_started(self) -> None:
        self.state = TaskState.RUNNING
        self.started.emit(self.task_id)

    def _on_progress(self, report: TaskProgress) -> None:
        if self.is_done():
            return  # a throttled report can trail the result through the queue
        self.last_progress = report
        self.progressed.emit(report)

    def _on_done(self, outcome: str, payload: object) -> None:
        self.state = TaskState(outcome)
        {
            TaskState.SUCCEEDED: self.succeeded,
            TaskState.FAILED: self.failed,
            TaskState.CANCELLED: self.cancelled,
        }[self.state].emit(payload)
        self.finished.emit(self.task_id)


# What a worker sends back: (task id, kind, payload); kind is "started", "progress" or a TaskState.
_Report = Callable[[int, str, object], None]


class _Throttle:
    """Forwards a progress report at most every ``PROGRESS_INTERVAL`` seconds, and always the
    report that completes the total, so the bar ends at 100 %."""

    def __init__(self, task_id: int, report: _Report) -> None:
        self._task_id = task_id
        self._report = report
        self._last = 0.0

    def __call__(self, step: str, done: int = 0, total: int | None = None) -> None:
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        self._report(self._task_id, "progress", TaskProgress(self._task_id, str(step), int(done), total))


class _JobRunnable(QRunnable):
    """Runs one job on a pool thread; reports through the runner's signal and touches nothing else."""

    def __init__(self, task_id: int, name: str, job: Job, cancel: threading.Event, report: _Report) -> None:
        super().__init__()
        self._task_id = task_id
        self._name = name
        self._job = job
        self._cancel = cancel
        self._report = report

    def run(self) -> None:  # runs on a worker thread
        if self._cancel.is_set():
            self._report(self._task_id, TaskState.CANCELLED.value, None)
            return
        self._report(self._task_id, "started", None)
        try:
            result = self._job(_Throttle(self._task_id, self._report), self._cancel)
        except Exception as exc:  # reported to the GUI thread, which shows it in the one presenter
            log.info("Task %s (%s) failed: %s", self._task_id, self._name, type(exc).__name__)
            self._report(self._task_id, TaskState.FAILED.value, exc)
            return
        outcome = TaskState.CANCELLED if self._cancel.is_set() else TaskState.SUCCEEDED
        self._report(self._task_id, outcome.value, result)


class TaskRunner(QObject):
    """Submits jobs to the read pool or the serial book-write lane.

    Signals:
        task_started(TaskHandle): a task began running (for the status bar).
        task_progressed(TaskProgress): any task's progress.
        task_finished(TaskHandle): a task ended, whatever the outcome.
    """

    task_started = Signal(object)
    task_progressed = Signal(object)
    task_finished = Signal(object)

    # Emitted by workers; connected to a bound method of this GUI-thread object, so queued.
    _worker_report = Signal(int, str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._read_pool = QThreadPool(self)
        self._read_pool.setMaxThreadCount(READ_THREADS)
        self._write_lane = QThreadPool(self)
        self._write_lane.setMaxThreadCount(1)  # the serial lane: one writer at a time, FIFO
        self._active: dict[int, TaskHandle] = {}
        self._worker_report.connect(self._dispatch)

    def submit(self, name: str, job: Job, *, lane: Lane = Lane.READ) -> TaskHandle:
        """Queue ``job``; connect to the returned handle's signals for its outcome.

        Args:
            name: what the task does, for a person ("Importing expenses.csv").
            job: ``fn(progress, cancel) -> result``; must not touch widgets or shared sessions.
            lane: ``Lane.BOOK_WRITE`` for anything that writes to the book.
        """
        handle = TaskHandle(next(self._ids), name, lane, self)
        self._active[handle.task_id] = handle
        pool = self._write_lane if lane is Lane.BOOK_WRITE else self._read_pool
        pool.start(_JobRunnable(handle.task_id, name, job, handle.cancel_event, self._report))
        return handle

    def active(self) -> list[TaskHandle]:
        """Tasks queued or running, oldest first."""
        return [self._active[k] for k in sorted(self._active)]

    def is_busy(self) -> bool:
        return bool(self._active)

    def cancel_all(self) -> None:
        for handle in self._active.values():
            handle.cancel()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every queued job has run (closing the window, closing a book).

        Returns:
            True when both lanes are idle within ``msecs``.
        """
        deadline = time.monotonic() + msecs / 1000
        ok = self._write_lane.waitForDone(msecs)
        remaining = max(0, int((deadline - time.monotonic()) * 1000))
        return self._read_pool.waitForDone(remaining) and ok

    def _report(self, task_id: int, kind: str, payload: object) -> None:
        """Called on worker threads: the only thing a worker does to Qt is this emit."""
        try:
            self._worker_report.emit(task_id, kind, payload)
        except RuntimeError:  # the runner (its window) is gone: nobody is left to tell
            log.warning("Task %s finished after its window closed; its %s report was dropped", task_id, kind)

    def _dispatch(self, task_id: int, kind: str, payload: object) -> None:
        """A worker's report, now on the GUI thread: update the handle and tell everyone."""
        handle = self._active.get(task_id)
        if handle is None:
            return
        if kind == "started":
            handle._on_started()
            self.task_started.emit(handle)
        elif kind == "progress":
            handle._on_progress(payload)  # type: ignore[arg-type]
            self.task_progressed.emit(payload)
        else:
            del self._active[task_id]
            handle._on_done(kind, payload)
            self.task_finished.emit(handle)
            handle.deleteLater()
