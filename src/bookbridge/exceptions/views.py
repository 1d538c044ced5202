"""Reading the exception queue: frozen views for the CLI, the GUI and reports.

Views carry plain values (no ORM objects), so they can cross threads and go straight to JSON.
The queue is ordered the way a person works through it: open before resolved, blockers first,
then the earliest due.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.core.errors import NotFound
from bookbridge.store.book import Book
from bookbridge.store.models import ExceptionCategory, ExceptionRecord, ExceptionSeverity, ExceptionStatus

_SEVERITY_ORDER = {ExceptionSeverity.BLOCKER: 0, ExceptionSeverity.WARNING: 1, ExceptionSeverity.INFO: 2}


@dataclass(frozen=True, slots=True)
class ItemView:
    kind: str
    ref: str
    label: str | None
    released_at: datetime | None


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    actor: str
    action: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ExceptionView:
    """One exception as a person sees it."""

    id: int
    severity: ExceptionSeverity
    category: ExceptionCategory
    status: ExceptionStatus
    title: str
    message: str
    source: str
    connection: str | None
    owner: str | None
    created_at: datetime
    last_seen_at: datetime
    due_at: datetime
    overdue: bool
    repetitions: int
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    detail: Any
    items: tuple[ItemView, ...]
    trail: tuple[EventView, ...]

    @property
    def held_items(self) -> tuple[ItemView, ...]:
        """The items still held back (not released)."""
        return tuple(item for item in self.items if item.released_at is None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``bookbridge exceptions --json``)."""
        return {
            "id": self.id,
            "severity": self.severity.value,
            "category": self.category.value,
            "status": self.status.value,
            "title": self.title,
            "message": self.message,
            "source": self.source,
            "connection": self.connection,
            "owner": self.owner,
            "created_at": self.created_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "overdue": self.overdue,
            "repetitions": self.repetitions,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolved_by": self.resolved_by,
            "resolution_note": self.resolution_note,
            "detail": self.detail,
            "items": [
                {"kind": i.kind, "ref": i.ref, "label": i.label,
                 "released_at": i.released_at.isoformat() if i.released_at else None}
                for i in self.items
            ],
            "trail": [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "note": e.note} for e in self.trail],
        }


def _view(record: ExceptionRecord, now: datetime) -> ExceptionView:
    return ExceptionView(
        id=record.id,
        severity=record.severity,
        category=record.category,
        status=record.status,
        title=record.title,
        message=record.message,
        source=record.source,
        connection=record.connection_name,
        owner=record.owner,
        created_at=record.created_at,
        last_seen_at=record.last_seen_at,
        due_at=record.due_at,
        overdue=record.status is ExceptionStatus.OPEN and record.due_at < now,
        repetitions=record.repetitions,
        resolved_at=record.resolved_at,
        resolved_by=record.resolved_by,
        resolution_note=record.resolution_note,
        detail=json.loads(record.detail_json) if record.detail_json else None,
        items=tuple(ItemView(i.kind, i.ref, i.label, i.released_at) for i in record.items),
        trail=tuple(EventView(e.at, e.actor, e.action, e.note) for e in record.events),
    )


def _order(view: ExceptionView) -> tuple:
    return (view.status is not ExceptionStatus.OPEN, _SEVERITY_ORDER[view.severity], view.due_at, view.id)


def list_exceptions(
    book: Book,
    *,
    open_only: bool = False,
    category: ExceptionCategory | None = None,
    connection: str | None = None,
) -> list[ExceptionView]:
    """Exceptions in working order (open first, blockers first, earliest due first)."""
    query = sa.select(ExceptionRecord)
    if open_only:
        query = query.where(ExceptionRecord.status == ExceptionStatus.OPEN)
    if category is not None:
        query = query.where(ExceptionRecord.category == category)
    if connection is not None:
        query = query.where(ExceptionRecord.connection_name == connection)
    now = clock.now()
    with book.read() as session:
        views = [_view(record, now) for record in session.scalars(query)]
    return sorted(views, key=_order)


def get_exception(book: Book, exception_id: int) -> ExceptionView:
    """One exception with its items and trail.

    Raises:
        NotFound: no such exception.
    """
    with book.read() as session:
        record = session.get(ExceptionRecord, exception_id)
        if record is None:
            raise NotFound(f"There is no exception {exception_id} in this book.")
        return _view(record, clock.now())


def counts(book: Book) -> dict[str, int]:
    """Open exceptions per severity, plus how many are overdue (for status bars and the demo)."""
    now = clock.now()
    result = {"open": 0, "overdue": 0, **{s.value: 0 for s in ExceptionSeverity}}
    with book.read() as session:
        for severity, due_at in session.execute(
            sa.select(ExceptionRecord.severity, ExceptionRecord.due_at).where(
                ExceptionRecord.status == ExceptionStatus.OPEN
            )
        ):
            result["open"] += 1
            result[severity.value] += 1
            result["overdue"] += int(due_at < now)
    return result
