"""The book-level sync lock: one posting run per book at a time, across windows and processes.

The lock is a row in ``sync_locks`` holding a random token, the holder's pid, host and process
start time, and a heartbeat a background thread refreshes. Acquiring it is a plain INSERT (the
primary key makes two inserts race safely); a row left by a holder that is gone is taken over
with a compare-and-swap UPDATE on the old token, so two processes finding the same dead lock
cannot both win. A holder is gone when, on this host, its pid no longer runs or now belongs to
another process (the start time differs), or, anywhere, its heartbeat is older than
``stale_after``.

Before every send the runner *fences*: :meth:`BookLock.confirm` re-reads the row inside the
transaction that marks documents in flight, so a run that lost its lock (paused for longer than
``stale_after``, then overtaken) stops instead of posting next to the new holder.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import BookbridgeError
from bookbridge.core.keys import new_id
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import SyncLock

log = logging.getLogger(__name__)

SYNC_LOCK = "sync"
HEARTBEAT_SECONDS = 2.0
STALE_AFTER_SECONDS = 30.0
_ACQUIRE_ROUNDS = 5


class LockHeld(BookbridgeError):
    """Another live process holds the lock: the run did not start (exit 2)."""


class LockLost(BookbridgeError):
    """This run no longer holds the lock (another process took it over); it stopped sending."""


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds (or held) the lock."""

    token: str
    purpose: str
    pid: int
    host: str
    process_start: str | None
    acquired_at: datetime
    heartbeat_at: datetime


def this_host() -> str:
    return socket.gethostname()


def process_start(pid: int) -> str | None:
    """When process ``pid`` started, as the kernel counts it (Linux), or ``None`` if unknown.

    Together with the pid this identifies a process: a pid reused after a crash has another start.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22 (starttime); the command name in field 2 may contain spaces, so split after ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it just belongs to someone else
    return True


def holder_state(holder: Holder, *, now: datetime, stale_after: timedelta, host: str | None = None) -> str:
    """``"alive"``, ``"dead"`` (its process is gone) or ``"stale"`` (no heartbeat for too long)."""
    if holder.host == (host or this_host()):
        if not pid_alive(holder.pid):
            return "dead"
        current = process_start(holder.pid)
        if holder.process_start and current and current != holder.process_start:
            return "dead"  # the pid now belongs to another process
    if now - holder.heartbeat_at > stale_after:
        return "stale"
    return "alive"


def _rowcount(result: object) -> int:
    """Rows an UPDATE touched (SQLAlchemy types ``Session.execute`` as a plain ``Result``)."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def _holder(row: SyncLock) -> Holder:
    return Holder(row.holder, row.purpose, row.pid, row.host, row.process_start, row.acquired_at, row.heartbeat_at)


def current_holder(book: Book, name: str = SYNC_LOCK) -> Holder | None:
    with book.read() as session:
        row = session.get(SyncLock, name)
        return _holder(row) if row is not None else None


class BookLock:
    """The sync lock of one book (use as a context manager, or acquire/release).

    Args:
        book: the open book.
        purpose: what the holder is doing, shown to whoever finds the lock taken.
        heartbeat_seconds: how often the heartbeat is refreshed (0: no heartbeat thread).
        stale_after_seconds: how old a heartbeat may get before its holder counts as gone.
    """

    def __init__(
        self,
        book: Book,
        *,
        purpose: str,
        name: str = SYNC_LOCK,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        stale_after_seconds: float = STALE_AFTER_SECONDS,
    ) -> None:
        self.book = book
        self.name = name
        self.purpose = purpose
        self.token = new_id()
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_after = timedelta(seconds=stale_after_seconds)
        self.held = False
        self.cleared: Holder | None = None  # the dead holder this acquisition replaced, if any
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost = threading.Event()

    # --- acquiring ----------------------------------------------------------------------------
    def acquire(self) -> "BookLock":
        """Take the lock, clearing one left by a holder that is gone.

        Raises:
            LockHeld: a live holder has it.
        """
        for _ in range(_ACQUIRE_ROUNDS):
            if self._insert():
                break
            previous = current_holder(self.book, self.name)
            if previous is None:
                continue  # released between our insert and our read: try again
            state = holder_state(previous, now=clock.now(), stale_after=self.stale_after)
            if state == "alive":
                raise LockHeld(
                    f"Another Bookbridge process is already syncing this book ({previous.purpose}; pid "
                    f"{previous.pid} on {previous.host}, since {previous.acquired_at:%Y-%m-%d %H:%M:%S} UTC). "
                    "Wait for it to finish, then run again."
                )
            if self._take_over(previous, state):
                break
        else:
            raise LockHeld("Could not take the sync lock: other processes keep competing for it. Try again.")
        self.held = True
        if self.heartbeat_seconds > 0:
            self._thread = threading.Thread(target=self._beat, name=f"lock-heartbeat-{self.name}", daemon=True)
            self._thread.start()
        return self

    def _insert(self) -> bool:
        now = clock.now()
        try:
            with self.book.unit_of_work() as session:
                session.add(SyncLock(
                    name=self.name, holder=self.token, purpose=self.purpose, pid=os.getpid(), host=this_host(),
                    process_start=process_start(os.getpid()), acquired_at=now, heartbeat_at=now,
                ))
        except IntegrityError:
            return False
        return True

    def _take_over(self, previous: Holder, state: str) -> bool:
        now = clock.now()
        with self.book.unit_of_work() as session:
            # Compare-and-swap on the old token: of two processes clearing the same dead lock, one wins.
            taken = _rowcount(session.execute(
                sa.update(SyncLock)
                .where(SyncLock.name == self.name, SyncLock.holder == previous.token)
                .values(holder=self.token, purpose=self.purpose, pid=os.getpid(), host=this_host(),
                        process_start=process_start(os.getpid()), acquired_at=now, heartbeat_at=now)
            ))
            if taken == 1:
                audit.record(
                    session, "sync.lock.cleared", entity_type="sync_lock", entity_id=self.name,
                    previous_pid=previous.pid, previous_host=previous.host, previous_purpose=previous.purpose,
                    previous_heartbeat=previous.heartbeat_at, reason=state,
                )
        if taken == 1:
            self.cleared = previous
            log.warning("Cleared a %s sync lock left by pid %s on %s", state, previous.pid, previous.host)
        return taken == 1

    # --- holding ------------------------------------------------------------------------------
    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            try:
                with self.book.unit_of_work() as session:
                    if not self._refresh(session):
                        self._lost.set()
                        return
            except OperationalError as busy:
                # The book was busy longer than the busy timeout (a long write of this very run):
                # this beat is skipped, the next one follows; confirm() fences every send anyway.
                log.warning("sync lock heartbeat skipped, the book was busy: %s", busy.orig)
            except Exception:  # noqa: BLE001 - a missed beat is logged; confirm() decides whether the lock is lost
                log.exception("sync lock heartbeat failed; will try again")

    def _refresh(self, session: Session) -> bool:
        updated = _rowcount(session.execute(
            sa.update(SyncLock)
            .where(SyncLock.name == self.name, SyncLock.holder == self.token)
            .values(heartbeat_at=clock.now())
        ))
        return updated == 1

    def confirm(self, session: Session) -> None:
        """Fence: prove, inside the caller's transaction, that this run still holds the lock.

        Call it as the first statement of a transaction that leads to a send: it writes, so
        SQLite takes the write lock at once and nobody can take the sync lock over before commit.

        Raises:
            LockLost: another process holds the lock now.
        """
        if not self.held or self._lost.is_set() or not self._refresh(session):
            self._lost.set()
            raise LockLost(
                "This sync lost its lock on the book to another process and stopped sending; nothing was "
                "posted twice. Run it again when the other sync has finished."
            )

    # --- releasing ----------------------------------------------------------------------------
    def release(self) -> None:
        """Stop the heartbeat and delete our row (a row taken over by someone else is left alone)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.held:
            with self.book.unit_of_work() as session:
                session.execute(sa.delete(SyncLock).where(SyncLock.name == self.name, SyncLock.holder == self.token))
        self.held = False

    def __enter__(self) -> "BookLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
