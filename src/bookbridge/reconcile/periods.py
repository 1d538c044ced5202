"""Accounting periods (calendar months): sign-off, which locks a month, and the audited reopen.

Sign-off builds the month-end checklist afresh (so nobody signs off on a stale one) and refuses
while it shows blockers, unless forced with a reason. It then records the checklist in the
append-only period history and adds a :class:`~bookbridge.store.models.PeriodLock` row; from
that moment the database's lock triggers refuse any change to the month's expenses, their coding
and approvals, its statement lines and matches, and mapping versions that would take effect in it
(see :mod:`bookbridge.store.models.month_end`); sign-off installs those triggers and the reopen
of the last locked month drops them (:mod:`bookbridge.reconcile.periods_locks`). A reopen needs
who and why; both sign-off and reopen go to the audit log in the same transaction as the lock
change.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import BookbridgeError, UsageError
from bookbridge.core.keys import canonical_json, sha256_hex
from bookbridge.reconcile.periods_locks import drop_lock_triggers_if_unlocked, install_lock_triggers
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import PeriodAction, PeriodEvent, PeriodLock

if TYPE_CHECKING:  # the checklist imports this module; sign-off needs it only when it runs
    from bookbridge.reconcile.ledger import LedgerSource

_PERIOD = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class PeriodNotReady(BookbridgeError):
    """Sign-off refused: the checklist still has blockers (nothing was locked)."""

    def __init__(self, user_message: str, blockers: list[dict[str, Any]]) -> None:
        super().__init__(user_message)
        self.blockers = blockers


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """One calendar month, the unit of sign-off."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None) -> "Period":
        """``YYYY-MM`` to a period.

        Raises:
            UsageError: the text is not a month.
        """
        found = _PERIOD.match(text or "")
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise UsageError(f"Period {text!r} must be written YYYY-MM, for example 2026-01.")
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, slots=True)
class PeriodEventView:
    """One step of a period's history, detached from the session."""

    action: str
    actor: str
    at: datetime
    reason: str | None
    forced: bool
    checklist_sha256: str | None

    def as_dict(self) -> dict[str, object]:
        return {"action": self.action, "actor": self.actor, "at": self.at.isoformat(), "reason": self.reason,
                "forced": self.forced, "checklist_sha256": self.checklist_sha256}


@dataclass(frozen=True, slots=True)
class PeriodState:
    """Whether a month is signed off, by whom, and everything that happened to it."""

    period: str
    locked: bool
    locked_by: str | None
    locked_at: datetime | None
    history: tuple[PeriodEventView, ...]

    def as_dict(self) -> dict[str, object]:
        return {"period": self.period, "locked": self.locked, "locked_by": self.locked_by,
                "locked_at": self.locked_at.isoformat() if self.locked_at else None,
                "history": [event.as_dict() for event in self.history]}


def period_state(session: Session, period: Period) -> PeriodState:
    """The lock and history of ``period``, read in the caller's session."""
    lock = session.get(PeriodLock, period.label)
    events = session.scalars(
        sa.select(PeriodEvent).where(PeriodEvent.period == period.label).order_by(PeriodEvent.id)
    ).all()
    history = tuple(PeriodEventView(e.action.value, e.actor, e.at, e.reason, e.forced, e.checklist_sha256)
                    for e in events)
    return PeriodState(period.label, lock is not None, lock.locked_by if lock else None,
                       lock.locked_at if lock else None, history)


def locked_periods(session: Session) -> list[str]:
    """Every signed-off month, oldest first."""
    return list(session.scalars(sa.select(PeriodLock.period).order_by(PeriodLock.period)))


@dataclass(frozen=True, slots=True)
class SignOff:
    """What a sign-off recorded."""

    period: str
    actor: str
    at: datetime
    forced: bool
    reason: str | None
    checklist_sha256: str
    checklist: dict[str, Any]

    def as_dict(self) -> dict[str, object]:
        return {"period": self.period, "signed_off_by": self.actor, "at": self.at.isoformat(), "forced": self.forced,
                "reason": self.reason, "checklist_sha256": self.checklist_sha256, "checklist": self.checklist}


def _require(text: str | None, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise UsageError(f"Say {what}.")
    return value


def signoff(
    book: Book,
    period: Period,
    *,
    actor: str,
    reason: str | None = None,
    force: bool = False,
    source: "LedgerSource | None" = None,
) -> SignOff:
    """Sign ``period`` off and lock it.

    Args:
        actor: who signs off (recorded on the lock, in the history and the audit log).
        reason: a note; required with ``force``.
        force: sign off although the checklist has blockers (the blockers are recorded).
        source: where the accounting system's figures come from for the tie-out (default: the
            state recorded by the last pull).

    Raises:
        UsageError: no actor, the month has not ended, it is already signed off, or ``force``
            without a reason.
        PeriodNotReady: the checklist has blockers and ``force`` was not given.
    """
    from bookbridge.reconcile.checklist import build_checklist  # checklist imports Period from here

    who = _require(actor, "who signs off with --as NAME")
    note = (reason or "").strip() or None
    if force and not note:
        raise UsageError("Signing off a period that still has blockers needs --reason saying why.")
    if period.end >= clock.today():
        raise UsageError(f"{period} has not ended yet (its last day is {period.end}); sign it off after that.")
    with book.read() as session:
        state = period_state(session, period)
    if state.locked:
        raise UsageError(f"{period} is already signed off (by {state.locked_by} on {state.locked_at:%Y-%m-%d}).")
    checklist = build_checklist(book, period, source=source)
    blockers = [item.as_dict() for item in checklist.blockers]
    if blockers and not force:
        listed = "; ".join(f"{b['title']}: {b['sentence']}" for b in blockers)
        raise PeriodNotReady(
            f"{period} cannot be signed off: {len(blockers)} blocker(s) on the checklist. {listed} "
            "Fix them, or sign off anyway with --force --reason TEXT.", blockers)
    data = checklist.as_dict()
    text = canonical_json(data)
    digest = sha256_hex(text)
    now = clock.now()
    with book.unit_of_work() as session:
        event = PeriodEvent(period=period.label, action=PeriodAction.SIGNED_OFF, actor=who, at=now, reason=note,
                            forced=bool(blockers), checklist_json=text, checklist_sha256=digest)
        session.add(event)
        session.flush()
        install_lock_triggers(session.connection())  # before the lock row: its guard checks them
        session.add(PeriodLock(period=period.label, start_date=period.start, end_date=period.end,
                               signoff_event_id=event.id, locked_by=who, locked_at=now))
        audit.record(session, "period.signed_off", actor=who, entity_type="period", entity_id=period.label,
                     reason=note, forced=bool(blockers), blockers=[b["code"] for b in blockers],
                     checklist_sha256=digest)
    return SignOff(period.label, who, now, bool(blockers), note, digest, data)


def reopen(book: Book, period: Period, *, actor: str, reason: str) -> PeriodState:
    """Reopen a signed-off period: the lock goes, the history and the audit log keep who and why.

    Raises:
        UsageError: no actor or reason, or the period is not signed off.
    """
    who = _require(actor, "who reopens the period with --as NAME")
    why = _require(reason, "why the period is reopened with --reason TEXT")
    with book.unit_of_work() as session:
        lock = session.get(PeriodLock, period.label)
        if lock is None:
            raise UsageError(f"{period} is not signed off; there is nothing to reopen.")
        signed_by, signed_at = lock.locked_by, lock.locked_at
        session.delete(lock)
        session.flush()
        drop_lock_triggers_if_unlocked(session.connection())  # the last reopen takes them away
        session.add(PeriodEvent(period=period.label, action=PeriodAction.REOPENED, actor=who, at=clock.now(),
                                reason=why, forced=False))
        audit.record(session, "period.reopened", actor=who, entity_type="period", entity_id=period.label,
                     reason=why, signed_off_by=signed_by, signed_off_at=signed_at)
        session.flush()
        return period_state(session, period)
