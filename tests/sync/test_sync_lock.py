"""The book-level sync lock on a real book: one holder, dead holders cleared, fencing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.store.models import AuditEntry, SyncLock
from bookbridge.sync.lock import BookLock, Holder, LockHeld, LockLost, holder_state, process_start, this_host


def _plant(book, *, pid: int, host: str, heartbeat_age: float = 0.0, start: str | None = None) -> None:
    """A lock row as another process would have left it."""
    now = clock.now()
    with book.unit_of_work() as session:
        session.add(SyncLock(name="sync", holder="other-token", purpose="sync by someone else", pid=pid, host=host,
                             process_start=start, acquired_at=now - timedelta(seconds=heartbeat_age),
                             heartbeat_at=now - timedelta(seconds=heartbeat_age)))


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


def test_second_holder_is_refused_while_the_first_lives(book) -> None:
    """While one lock is held, another acquisition fails with who holds it."""
    with BookLock(book, purpose="first", heartbeat_seconds=0):
        with pytest.raises(LockHeld, match=f"pid {os.getpid()}"):
            BookLock(book, purpose="second", heartbeat_seconds=0).acquire()


def test_release_frees_the_lock(book) -> None:
    """After release the row is gone and the next holder gets the lock at once."""
    with BookLock(book, purpose="first", heartbeat_seconds=0):
        pass
    with book.read() as session:
        assert session.get(SyncLock, "sync") is None
    with BookLock(book, purpose="second", heartbeat_seconds=0) as second:
        assert second.held and second.cleared is None


def test_lock_of_a_dead_process_is_cleared_and_audited(book) -> None:
    """A lock whose pid no longer runs on this host is taken over, and the takeover is audited."""
    pid = _dead_pid()
    _plant(book, pid=pid, host=this_host())
    with BookLock(book, purpose="next run", heartbeat_seconds=0) as lock:
        assert lock.cleared is not None and lock.cleared.pid == pid
    with book.read() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "sync.lock.cleared")).one()
    assert f'"previous_pid":{pid}' in entry.detail_json and '"reason":"dead"' in entry.detail_json


def test_reused_pid_is_recognised_by_its_start_time(book) -> None:
    """A live pid whose process started at another time is another process: the lock is cleared."""
    _plant(book, pid=os.getpid(), host=this_host(), start="1")
    with BookLock(book, purpose="next run", heartbeat_seconds=0) as lock:
        assert lock.cleared is not None and lock.cleared.process_start == "1"


def test_stale_heartbeat_from_another_host_is_cleared(book) -> None:
    """A holder on another computer that stopped beating for longer than the limit is gone."""
    _plant(book, pid=1, host="other-computer", heartbeat_age=120)
    with BookLock(book, purpose="next run", heartbeat_seconds=0, stale_after_seconds=30) as lock:
        assert lock.cleared is not None and lock.cleared.host == "other-computer"


def test_fresh_heartbeat_from_another_host_is_respected(book) -> None:
    """A holder on another computer with a recent heartbeat keeps the lock."""
    _plant(book, pid=1, host="other-computer", heartbeat_age=1)
    with pytest.raises(LockHeld, match="other-computer"):
        BookLock(book, purpose="next run", heartbeat_seconds=0).acquire()


def test_confirm_fails_once_the_lock_was_taken_over(book) -> None:
    """A run whose lock was taken over is fenced off: confirm raises instead of letting it send."""
    lock = BookLock(book, purpose="slow run", heartbeat_seconds=0).acquire()
    with book.unit_of_work() as session:
        session.execute(sa.update(SyncLock).values(holder="someone-else"))
    with pytest.raises(LockLost):
        with book.unit_of_work() as session:
            lock.confirm(session)
    lock.release()
    with book.read() as session:
        assert session.get(SyncLock, "sync").holder == "someone-else"  # the new holder's row is left alone


def test_heartbeat_moves_forward(book) -> None:
    """The heartbeat thread refreshes the row while the lock is held."""
    with BookLock(book, purpose="beating", heartbeat_seconds=0.05):
        with book.read() as session:
            first = session.get(SyncLock, "sync").heartbeat_at
        threading.Event().wait(0.3)
        with book.read() as session:
            later = session.get(SyncLock, "sync").heartbeat_at
    assert later > first


def test_two_processes_clearing_the_same_dead_lock_one_wins(book) -> None:
    """Racing takeovers of one dead lock: exactly one succeeds, the other is told the lock is held."""
    _plant(book, pid=_dead_pid(), host=this_host())
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def contender() -> None:
        barrier.wait()
        try:
            BookLock(book, purpose="racer", heartbeat_seconds=0).acquire()
            outcomes.append("won")
        except LockHeld:
            outcomes.append("refused")

    threads = [threading.Thread(target=contender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "won"]


def test_holder_state_rules() -> None:
    """Alive, dead (pid gone or reused) and stale (no heartbeat) are told apart."""
    now = clock.now()
    me = Holder("t", "p", os.getpid(), "here", process_start(os.getpid()), now, now)
    assert holder_state(me, now=now, stale_after=timedelta(seconds=30), host="here") == "alive"
    assert holder_state(me, now=now + timedelta(minutes=5), stale_after=timedelta(seconds=30), host="here") == "stale"
    gone = Holder("t", "p", _dead_pid(), "here", None, now, now)
    assert holder_state(gone, now=now, stale_after=timedelta(seconds=30), host="here") == "dead"
    remote = Holder("t", "p", _dead_pid(), "elsewhere", None, now, now)
    assert holder_state(remote, now=now, stale_after=timedelta(seconds=30), host="here") == "alive"
