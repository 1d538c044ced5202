"""The one task runner: results, failures, progress and cancellation arrive on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from bookbridge.core.errors import UsageError
from bookbridge.ui.tasks import Lane, TaskProgress, TaskRunner, TaskState


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner()
    yield runner
    runner.cancel_all()
    assert runner.wait(10_000)


def _on_gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_result_arrives_on_gui_thread(qtbot, runner: TaskRunner) -> None:
    """A job's result is delivered by `succeeded`, on the GUI thread, while the job ran elsewhere."""
    job_thread: list[int] = []

    def job(progress, cancel):
        job_thread.append(threading.get_ident())
        return {"answer": 42}

    handle = runner.submit("answer", job)
    seen: list[bool] = []
    handle.succeeded.connect(lambda _result: seen.append(_on_gui_thread()))
    with qtbot.waitSignal(handle.succeeded, timeout=5000) as blocker:
        pass
    assert blocker.args == [{"answer": 42}]
    assert job_thread and job_thread[0] != threading.get_ident()
    assert seen == [True]
    assert handle.state is TaskState.SUCCEEDED


def test_failure_carries_the_exception(qtbot, runner: TaskRunner) -> None:
    """A job that raises reports the exception itself through `failed`, and nothing through `succeeded`."""
    def job(progress, cancel):
        raise UsageError("Choose a file first.")

    handle = runner.submit("fails", job)
    successes: list[object] = []
    handle.succeeded.connect(successes.append)
    with qtbot.waitSignal(handle.failed, timeout=5000) as blocker:
        pass
    assert isinstance(blocker.args[0], UsageError)
    assert blocker.args[0].user_message == "Choose a file first."
    assert successes == [] and handle.state is TaskState.FAILED


def test_progress_is_throttled_and_ends_at_total(qtbot, runner: TaskRunner) -> None:
    """Thousands of progress calls reach the GUI as a handful of reports, the last one complete."""
    total = 5000

    def job(progress, cancel):
        for i in range(1, total + 1):
            progress("Counting", i, total)
        return total

    reports: list[TaskProgress] = []
    handle = runner.submit("count", job)
    handle.progressed.connect(reports.append)
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert 1 <= len(reports) < total / 10
    assert reports[-1].done == total and reports[-1].fraction == 1.0
    assert all(r.task_id == handle.task_id for r in reports)


def test_cancel_stops_a_running_job(qtbot, runner: TaskRunner) -> None:
    """Cancelling a running job ends it through `cancelled` with its partial result."""
    started = threading.Event()

    def job(progress, cancel):
        done = 0
        started.set()
        while not cancel.is_set() and done < 10_000:
            done += 1
            time.sleep(0.001)
        return done

    handle = runner.submit("long", job)
    assert started.wait(5)
    handle.cancel()
    with qtbot.waitSignal(handle.cancelled, timeout=5000) as blocker:
        pass
    assert 0 < blocker.args[0] < 10_000
    assert handle.state is TaskState.CANCELLED


def test_book_writes_run_one_at_a_time_in_order(qtbot, runner: TaskRunner) -> None:
    """Book-writing jobs never overlap and run in submission order, while reads run beside them."""
    lock = threading.Lock()
    running = {"writers": 0, "max_writers": 0}
    order: list[int] = []

    def writer(n):
        def job(progress, cancel):
            with lock:
                running["writers"] += 1
                running["max_writers"] = max(running["max_writers"], running["writers"])
            time.sleep(0.02)
            with lock:
                running["writers"] -= 1
                order.append(n)
            return n
        return job

    read_seen_writer = threading.Event()

    def reader(progress, cancel):
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            with lock:
                if running["writers"]:
                    read_seen_writer.set()
                    return True
            time.sleep(0.001)
        return False

    handles = [runner.submit(f"write {n}", writer(n), lane=Lane.BOOK_WRITE) for n in range(6)]
    read = runner.submit("read", reader)
    qtbot.waitUntil(lambda: all(h.is_done() for h in handles) and read.is_done(), timeout=10_000)
    assert order == list(range(6))
    assert running["max_writers"] == 1
    assert read_seen_writer.is_set()


def test_cancelled_before_start_never_runs(qtbot, runner: TaskRunner) -> None:
    """A queued writer cancelled before its turn is reported cancelled and its job never runs."""
    gate = threading.Event()
    ran: list[str] = []

    def blocker_job(progress, cancel):
        gate.wait(5)
        return "first"

    def second_job(progress, cancel):
        ran.append("second")
        return "second"

    first = runner.submit("first", blocker_job, lane=Lane.BOOK_WRITE)
    second = runner.submit("second", second_job, lane=Lane.BOOK_WRITE)
    second.cancel()
    gate.set()
    with qtbot.waitSignal(second.cancelled, timeout=5000) as blocker:
        pass
    assert blocker.args == [None] and ran == []
    qtbot.waitUntil(first.is_done, timeout=5000)
    assert first.state is TaskState.SUCCEEDED


def test_runner_reports_busy_until_every_task_ends(qtbot, runner: TaskRunner) -> None:
    """The runner lists active tasks while they run and announces each end (for the status bar)."""
    gate = threading.Event()
    handle = runner.submit("waits", lambda progress, cancel: gate.wait(5))
    assert runner.is_busy() and runner.active() == [handle]
    with qtbot.waitSignal(runner.task_finished, timeout=5000) as blocker:
        gate.set()
    assert blocker.args[0] is handle
    assert not runner.is_busy()
