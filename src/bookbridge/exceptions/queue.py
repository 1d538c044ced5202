"""Writing to the exception queue: report a problem, resolve it, assign it, release its items.

Any part of Bookbridge that meets an item it cannot put through calls :func:`report` inside its
own transaction. The *cause* (category + connection + what exactly is wrong, e.g. "account 21
is inactive") is hashed into a fingerprint: reporting the same cause again bumps the existing
record's repetition count and adds any new affected items, instead of adding noise. A cause
that comes back after being resolved re-opens its record, with a new SLA due time.

Resolving an exception, by a person (:func:`resolve`) or because the cause went away
(:func:`resolve_cause`, :func:`release_items`), stamps its items as released; whoever holds
items back (the sync engine's outbox) checks the exception's status and lets them go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import BookbridgeError, NotFound, UsageError
from bookbridge.core.keys import canonical_json, short_key
from bookbridge.exceptions.policy import default_owner, sla_for
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import (
    ExceptionCategory,
    ExceptionEvent,
    ExceptionItem,
    ExceptionRecord,
    ExceptionSeverity,
    ExceptionStatus,
)

MAX_TITLE = 300


class AlreadyResolved(BookbridgeError):
    """Refused to resolve an exception that is already resolved (nothing changed)."""


@dataclass(frozen=True, slots=True)
class AffectedItem:
    """An item an exception holds back: ``kind`` (expense, outbox, remote...) and its id."""

    kind: str
    ref: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Reported:
    """What :func:`report` did."""

    exception_id: int
    created: bool
    reopened: bool
    repetitions: int


@dataclass(frozen=True, slots=True)
class Resolution:
    """What resolving released."""

    exception_id: int
    released: tuple[AffectedItem, ...]


def fingerprint(category: ExceptionCategory, connection: str | None, cause: Sequence[str]) -> str:
    """The identity of a cause: the same category, connection and cause parts give the same value."""
    return short_key("exception", category.value, connection or "", *cause, length=40)


def _event(record: ExceptionRecord, action: str, actor: str, note: str | None = None) -> None:
    record.events.append(ExceptionEvent(at=clock.now(), actor=actor, action=action, note=note))


def _add_items(record: ExceptionRecord, items: Iterable[AffectedItem]) -> int:
    """Attach items not attached yet; re-attach released ones. Returns how many were new or re-held."""
    existing = {(item.kind, item.ref): item for item in record.items}
    changed = 0
    now = clock.now()
    for item in items:
        found = existing.get((item.kind, str(item.ref)))
        if found is None:
            row = ExceptionItem(kind=item.kind, ref=str(item.ref), label=item.label, added_at=now)
            record.items.append(row)
            existing[(item.kind, str(item.ref))] = row
            changed += 1
        elif found.released_at is not None:
            found.released_at = None
            changed += 1
    return changed


def report(
    session: Session,
    *,
    category: ExceptionCategory,
    severity: ExceptionSeverity,
    title: str,
    message: str,
    cause: Sequence[str],
    items: Iterable[AffectedItem] = (),
    detail: Any = None,
    source: str = "sync",
    connection: str | None = None,
    actor: str = "system",
) -> Reported:
    """Raise an exception, or count a repetition of the same cause (in the caller's transaction).

    Args:
        cause: what exactly is wrong, as stable parts (``["account", "21", "inactive"]``); with the
            category and connection it decides whether this is a new problem or a repetition.
        items: the items the problem holds back.
        detail: JSON-ready data shown with the exception (e.g. both versions of a conflict).
    """
    mark = fingerprint(category, connection, cause)
    now = clock.now()
    record = session.scalars(
        sa.select(ExceptionRecord).where(ExceptionRecord.fingerprint == mark).order_by(ExceptionRecord.id.desc()).limit(1)
    ).first()
    detail_json = canonical_json(detail) if detail is not None else None
    if record is None:
        record = ExceptionRecord(
            fingerprint=mark, severity=severity, category=category, title=title[:MAX_TITLE], message=message,
            detail_json=detail_json, source=source, connection_name=connection,
            owner=default_owner(session, category), status=ExceptionStatus.OPEN, created_at=now, last_seen_at=now,
            due_at=now + sla_for(session, category), repetitions=1,
        )
        session.add(record)
        _add_items(record, items)
        _event(record, "created", actor, message)
        session.flush()
        return Reported(record.id, created=True, reopened=False, repetitions=1)
    reopened = record.status is ExceptionStatus.RESOLVED
    record.repetitions += 1
    record.last_seen_at = now
    # The newest wording and data describe the problem as it is now.
    record.severity, record.title, record.message = severity, title[:MAX_TITLE], message
    if detail_json is not None:
        record.detail_json = detail_json
    _add_items(record, items)
    if reopened:
        record.status = ExceptionStatus.OPEN
        record.due_at = now + sla_for(session, category)
        record.resolved_at = record.resolved_by = record.resolution_note = None
        _event(record, "reopened", actor, f"the problem came back after it was resolved: {message}")
    session.flush()
    return Reported(record.id, created=False, reopened=reopened, repetitions=record.repetitions)


def _close(record: ExceptionRecord, *, actor: str, note: str, action: str) -> tuple[AffectedItem, ...]:
    now = clock.now()
    record.status = ExceptionStatus.RESOLVED
    record.resolved_at, record.resolved_by, record.resolution_note = now, actor, note
    released = []
    for item in record.items:
        if item.released_at is None:
            item.released_at = now
            released.append(AffectedItem(item.kind, item.ref, item.label))
    _event(record, action, actor, note)
    return tuple(released)


def _load(session: Session, exception_id: int) -> ExceptionRecord:
    record = session.get(ExceptionRecord, exception_id)
    if record is None:
        raise NotFound(f"There is no exception {exception_id} in this book (see `bookbridge exceptions BOOK`).")
    return record


def _require_actor(actor: str) -> str:
    actor = (actor or "").strip()
    if not actor:
        raise UsageError("Say who you are (--as NAME): the resolution trail records it.")
    return actor


def resolve(book: Book, exception_id: int, *, actor: str, note: str) -> Resolution:
    """A person resolves an exception: its items are released for the next sync.

    Raises:
        NotFound: no such exception.
        AlreadyResolved: it was resolved before (nothing changes).
        UsageError: no actor or no note.
    """
    actor = _require_actor(actor)
    note = (note or "").strip()
    if not note:
        raise UsageError("Add a note (--note TEXT) saying what was done: the resolution trail keeps it.")
    with book.unit_of_work() as session:
        record = _load(session, exception_id)
        if record.status is ExceptionStatus.RESOLVED:
            raise AlreadyResolved(
                f"Exception {exception_id} was already resolved by {record.resolved_by} on "
                f"{record.resolved_at:%Y-%m-%d %H:%M} UTC; nothing changed."
            )
        released = _close(record, actor=actor, note=note, action="resolved")
        audit.record(session, "exception.resolve", actor=actor, entity_type="exception", entity_id=exception_id,
                     note=note, released=len(released))
    return Resolution(exception_id, released)


def resolve_cause(
    session: Session,
    *,
    category: ExceptionCategory,
    cause: Sequence[str],
    connection: str | None = None,
    actor: str = "system",
    note: str,
) -> Resolution | None:
    """Resolve the open exception of a cause that has gone away (e.g. a reconnect worked).

    Returns ``None`` when no open exception has that cause.
    """
    mark = fingerprint(category, connection, cause)
    record = session.scalars(
        sa.select(ExceptionRecord).where(
            ExceptionRecord.fingerprint == mark, ExceptionRecord.status == ExceptionStatus.OPEN
        )
    ).first()
    if record is None:
        return None
    released = _close(record, actor=actor, note=note, action="resolved")
    audit.record(session, "exception.resolve", actor=actor, entity_type="exception", entity_id=record.id,
                 note=note, released=len(released), automatic=True)
    return Resolution(record.id, released)


def release_items(
    session: Session, kind: str, refs: Iterable[str], *, actor: str = "system", note: str
) -> list[Resolution]:
    """Release items that went through after all; an exception left with no held item is resolved.

    Returns one :class:`Resolution` per exception that got resolved this way.
    """
    wanted = [str(ref) for ref in refs]
    if not wanted:
        return []
    rows = session.scalars(
        sa.select(ExceptionItem)
        .join(ExceptionRecord, ExceptionRecord.id == ExceptionItem.exception_id)
        .where(
            ExceptionItem.kind == kind,
            ExceptionItem.ref.in_(wanted),
            ExceptionItem.released_at.is_(None),
            ExceptionRecord.status == ExceptionStatus.OPEN,
        )
    ).all()
    now = clock.now()
    touched: dict[int, None] = {}
    for row in rows:
        row.released_at = now
        touched[row.exception_id] = None
    session.flush()
    resolutions = []
    for exception_id in touched:
        record = _load(session, exception_id)
        if all(item.released_at is not None for item in record.items):
            resolutions.append(Resolution(exception_id, tuple(_close(record, actor=actor, note=note, action="resolved"))))
    return resolutions


def release_from(
    session: Session, exception_id: int, kind: str, refs: Iterable[str], *, actor: str = "system", note: str
) -> Resolution | None:
    """Release some items of one exception (they are no longer held for this cause); resolve it when
    nothing is left held. Returns the resolution, or ``None`` while items remain held."""
    record = _load(session, exception_id)
    wanted = {str(ref) for ref in refs}
    now = clock.now()
    for item in record.items:
        if item.kind == kind and item.ref in wanted and item.released_at is None:
            item.released_at = now
    if record.status is ExceptionStatus.OPEN and all(item.released_at is not None for item in record.items):
        return Resolution(exception_id, _close(record, actor=actor, note=note, action="resolved"))
    return None


def open_by_source(session: Session, source: str) -> list[ExceptionRecord]:
    """Open exceptions a part of Bookbridge reported (e.g. ``"approval"``), oldest first."""
    return list(session.scalars(
        sa.select(ExceptionRecord)
        .where(ExceptionRecord.source == source, ExceptionRecord.status == ExceptionStatus.OPEN)
        .order_by(ExceptionRecord.id)
    ))


def assign(book: Book, exception_id: int, owner: str, *, actor: str, note: str | None = None) -> str | None:
    """Give an exception an owner; returns the previous owner."""
    actor = _require_actor(actor)
    owner = (owner or "").strip()
    if not owner:
        raise UsageError("Name the new owner (--to NAME).")
    with book.unit_of_work() as session:
        record = _load(session, exception_id)
        before = record.owner
        record.owner = owner
        _event(record, "assigned", actor, f"owner {before or '(none)'} -> {owner}" + (f": {note}" if note else ""))
        audit.record(session, "exception.assign", actor=actor, entity_type="exception", entity_id=exception_id,
                     before=before, after=owner)
    return before


def open_exception_ids(session: Session, kind: str, ref: str) -> list[int]:
    """Open exceptions that hold back the item ``kind``/``ref`` (oldest first)."""
    return list(
        session.scalars(
            sa.select(ExceptionItem.exception_id)
            .join(ExceptionRecord, ExceptionRecord.id == ExceptionItem.exception_id)
            .where(
                ExceptionItem.kind == kind,
                ExceptionItem.ref == str(ref),
                ExceptionItem.released_at.is_(None),
                ExceptionRecord.status == ExceptionStatus.OPEN,
            )
            .order_by(ExceptionItem.exception_id)
        )
    )


def is_open(session: Session, exception_id: int) -> bool:
    """True when the exception exists and is still open."""
    status = session.scalar(sa.select(ExceptionRecord.status).where(ExceptionRecord.id == exception_id))
    return status is ExceptionStatus.OPEN
