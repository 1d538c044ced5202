"""Exactly once across lost answers and interrupted runs, against the real sandbox with injected faults."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bookbridge.store.models import OutboxItem, OutboxStatus, RunStatus, SyncLock, SyncRun
from bookbridge.sync import push as push_module
from bookbridge.sync.lock import BookLock, LockHeld
from bookbridge.sync.push import PushContext
from bookbridge.sync.runner import SyncOptions, run_sync
from bookbridge.sync.runs import RunCounts, start_run
from sync_book import approved_expenses, connect, fuel


@pytest.fixture
def fragile(book, sandbox):
    """A connection that gives up after one HTTP attempt, so injected faults reach the sync engine."""
    return connect(book, sandbox, settings={"time_scale": 100, "max_attempts": 1})


def _rows(book) -> list[OutboxItem]:
    with book.read() as session:
        return list(session.scalars(sa.select(OutboxItem).order_by(OutboxItem.id)))


def _entries(sandbox) -> int:
    return sandbox.stats()["entities"].get("JournalEntry", 0)


def test_answer_lost_after_commit_is_replayed_not_duplicated(book, sandbox, fragile) -> None:
    """QBO stored the batch but the answer was lost: the next run replays it and gets the same ids."""
    approved_expenses(book, fuel(3))
    sandbox.faults.update({"queue": ["lost_after_commit"]})
    first = run_sync(book, SyncOptions(token_store=fragile))
    assert first.summary()["failed"] == 3 and first.exit_code == 1
    assert {r.status for r in _rows(book)} == {OutboxStatus.RETRYABLE} and _entries(sandbox) == 3
    replays = sandbox.stats()["counters"].get("replays", 0)
    second = run_sync(book, SyncOptions(token_store=fragile))
    assert second.summary()["posted"] == 3 and second.exit_code == 0
    assert _entries(sandbox) == 3 and sandbox.stats()["counters"]["replays"] == replays + 1
    assert len({r.remote_id for r in _rows(book)}) == 3


def test_single_document_lost_after_commit_is_replayed(book, sandbox, fragile) -> None:
    """A single create whose answer was lost is replayed by its own key on the next run."""
    approved_expenses(book, fuel(1))
    sandbox.faults.update({"queue": ["lost_after_commit"]})
    run_sync(book, SyncOptions(token_store=fragile))
    run_sync(book, SyncOptions(token_store=fragile))
    (row,) = _rows(book)
    assert row.status is OutboxStatus.POSTED and _entries(sandbox) == 1


def test_vendor_that_forgot_the_key_is_caught_by_the_document_number(book, sandbox, fragile) -> None:
    """If QBO forgets a request id sooner than assumed, the resend hits our own document number
    (6140); the lookup by key recognises it as ours: posted once, no exception."""
    approved_expenses(book, fuel(2))
    sandbox.faults.update({"queue": ["lost_after_commit"]})
    run_sync(book, SyncOptions(token_store=fragile))
    with sandbox.store.transaction():
        sandbox.store._data["requestids"].clear()  # the outside world: QBO's replay memory expired
    report = run_sync(book, SyncOptions(token_store=fragile))
    assert report.summary()["posted"] == 2 and report.summary()["exceptions"] == 0
    assert _entries(sandbox) == 2 and {r.status for r in _rows(book)} == {OutboxStatus.POSTED}


def test_old_unknown_document_is_looked_up_not_resent(book, sandbox) -> None:
    """Past the replay window, a document of unknown fate is found by key and recorded, without a resend."""
    store = connect(book, sandbox, settings={"time_scale": 100, "max_attempts": 1, "replay_window_hours": 0})
    approved_expenses(book, fuel(2))
    sandbox.faults.update({"queue": ["lost_after_commit"]})
    run_sync(book, SyncOptions(token_store=store))
    writes_before = sandbox.stats()["request_ids"]
    report = run_sync(book, SyncOptions(token_store=store))
    assert report.summary()["posted"] == 2 and _entries(sandbox) == 2
    assert sandbox.stats()["request_ids"] == writes_before  # found by lookup: nothing was written again
    assert {r.status for r in _rows(book)} == {OutboxStatus.POSTED}


def test_old_unknown_document_that_never_arrived_is_sent_once(book, sandbox) -> None:
    """Past the window, a document the lookup does not find goes out again and is posted once."""
    store = connect(book, sandbox, settings={"time_scale": 100, "max_attempts": 1, "replay_window_hours": 0})
    approved_expenses(book, fuel(2))
    _leave_in_flight(book, sandbox, store)  # marked in flight, then killed before the request went out
    report = run_sync(book, SyncOptions(token_store=store))
    assert report.summary()["posted"] == 2 and _entries(sandbox) == 2
    assert sandbox.stats()["request_ids"] == 1  # one batch write, after the lookups found nothing


def _leave_in_flight(book, sandbox, store) -> None:
    """Do what a run killed between marking and sending would leave: rows in flight, nothing sent."""
    from bookbridge.sync.connection import find_connection, open_connector
    from bookbridge.sync.prepare import apply_plan, plan_documents
    from bookbridge.sync.pull import pull_reference
    from bookbridge.sync.reference import ReferenceIndex
    from bookbridge.journal.model import Grouping

    with book.read() as session:
        ref = find_connection(session, None)
    connector = open_connector(book, ref, store=store)
    index = ReferenceIndex.from_snapshot(pull_reference(connector))
    run_id = start_run(book, connection_id=ref.id, dry_run=False, actor="killed")
    with book.read() as session:
        plan = plan_documents(book, session, connection_id=ref.id, connector=connector, index=index,
                              grouping=Grouping.PER_EXPENSE, label="QuickBooks Online", make_vendor=None)
    with book.unit_of_work() as session:
        apply_plan(session, plan, connection_id=ref.id, connection=ref.name, run_id=run_id)
    lock = BookLock(book, purpose="killed run", heartbeat_seconds=0).acquire()
    ctx = PushContext(book=book, connector=connector, connection_id=ref.id, connection=ref.name, label="QBO",
                      run_id=run_id, lock=lock, counts=RunCounts())
    with book.read() as session:
        ids = [r.id for r in session.scalars(sa.select(OutboxItem))]
    push_module._claim(ctx, ids)
    # The process "dies" here: its lock row stays, pointing at a pid that is gone.
    with book.unit_of_work() as session:
        session.execute(sa.update(SyncLock).values(pid=_gone_pid()))
    connector.close()


def _gone_pid() -> int:
    import subprocess
    import sys

    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)


def test_interrupted_run_is_resolved_by_the_next(book, sandbox, store) -> None:
    """Rows left in flight by a killed run are resent first, its lock is cleared and its run marked abandoned."""
    approved_expenses(book, fuel(3))
    _leave_in_flight(book, sandbox, store)
    assert {r.status for r in _rows(book)} == {OutboxStatus.IN_FLIGHT} and _entries(sandbox) == 0
    report = run_sync(book, SyncOptions(token_store=store))
    assert report.summary()["posted"] == 3 and report.counts.resolved == 3 and _entries(sandbox) == 3
    with book.read() as session:
        statuses = dict(session.execute(sa.select(SyncRun.actor, SyncRun.status)).all())
    assert statuses == {"killed": RunStatus.ABANDONED, "sync": RunStatus.COMPLETED}


def test_server_errors_are_retried_and_post_once(book, sandbox) -> None:
    """With 5xx answers injected on most requests, retries still post every document exactly once."""
    store = connect(book, sandbox, settings={"time_scale": 100, "max_attempts": 8})
    approved_expenses(book, fuel(5))
    sandbox.faults.update({"error_5xx_rate": 0.5, "seed": 3})
    for _ in range(6):
        if run_sync(book, SyncOptions(token_store=store)).exit_code == 0:
            break
    sandbox.faults.update({"error_5xx_rate": 0.0})
    run_sync(book, SyncOptions(token_store=store))
    assert _entries(sandbox) == 5 and {r.status for r in _rows(book)} == {OutboxStatus.POSTED}


def test_sync_refuses_to_start_while_another_holds_the_lock(book, sandbox, store) -> None:
    """A second sync while one is running is refused before it sends anything."""
    approved_expenses(book, fuel(1))
    with BookLock(book, purpose="another window", heartbeat_seconds=0):
        with pytest.raises(LockHeld):
            run_sync(book, SyncOptions(token_store=store))
    assert _entries(sandbox) == 0
    with book.read() as session:
        assert session.get(SyncLock, "sync") is None  # the refused run did not take or break the lock


def test_entry_back_after_its_unsent_row_was_superseded_reuses_the_row(book, sandbox, store) -> None:
    """A never-sent row superseded when its expense was sent back is reused (same key) when the
    expense is approved again: one post, no clash on the key."""
    from bookbridge.store.models import Expense, ExpenseStatus
    from bookbridge.sync.connection import find_connection, open_connector
    from bookbridge.sync.prepare import apply_plan, plan_documents
    from bookbridge.sync.pull import pull_reference
    from bookbridge.sync.reference import ReferenceIndex
    from bookbridge.journal.model import Grouping

    (expense_id,) = approved_expenses(book, fuel(1))
    with book.read() as session:
        ref = find_connection(session, None)
    connector = open_connector(book, ref, store=store)
    index = ReferenceIndex.from_snapshot(pull_reference(connector))
    with book.read() as session:
        plan = plan_documents(book, session, connection_id=ref.id, connector=connector, index=index,
                              grouping=Grouping.PER_EXPENSE, label="QBO", make_vendor=None)
    with book.unit_of_work() as session:
        apply_plan(session, plan, connection_id=ref.id, connection=ref.name, run_id="queued-only")
    connector.close()

    def set_status(status: ExpenseStatus) -> None:
        with book.unit_of_work() as session:
            session.get(Expense, expense_id).status = status  # what coding does when it is sent back

    set_status(ExpenseStatus.REJECTED)
    run_sync(book, SyncOptions(token_store=store))
    (row,) = _rows(book)
    assert row.status is OutboxStatus.SUPERSEDED and row.attempts == 0
    set_status(ExpenseStatus.APPROVED)
    report = run_sync(book, SyncOptions(token_store=store))
    (again,) = _rows(book)
    assert report.summary()["posted"] == 1 and (again.id, again.key) == (row.id, row.key)
    assert again.status is OutboxStatus.POSTED and _entries(sandbox) == 1
