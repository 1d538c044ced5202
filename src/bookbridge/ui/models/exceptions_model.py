"""The exception queue grid and its filters (severity, category, status, owner)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex

from bookbridge.core import clock
from bookbridge.exceptions.views import ExceptionView
from bookbridge.ui.formatting import format_count, format_datetime
from bookbridge.ui.models.record_table import RECORD_ROLE, ColumnSpec, RecordTableModel, TypedSortProxy

SEVERITY_RANK = {"blocker": 0, "warning": 1, "info": 2}
UNASSIGNED = "\u0000unassigned"  # the owner filter's value for "nobody owns it"


def due_text(view: ExceptionView, now: datetime | None = None) -> str:
    """When the SLA says someone must have dealt with it, relative to now ("overdue by 3 h")."""
    if view.status.value != "open":
        return f"resolved {format_datetime(view.resolved_at)}" if view.resolved_at else "resolved"
    delta = view.due_at - (now or clock.now())
    hours = abs(delta.total_seconds()) / 3600
    span = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
    return f"overdue by {span}" if delta.total_seconds() < 0 else f"due in {span}"


def _tone_severity(view: ExceptionView) -> str | None:
    return {"blocker": "bad", "warning": "warn"}.get(view.severity.value) if view.status.value == "open" else "quiet"


def _tone_due(view: ExceptionView) -> str | None:
    if view.status.value != "open":
        return "quiet"
    return "bad" if view.overdue else None


class ExceptionsModel(RecordTableModel):
    """Exceptions in working order (``exceptions.views.list_exceptions``)."""

    columns = (
        ColumnSpec("#", lambda v: str(v.id), sort=lambda v: v.id, right=True),
        ColumnSpec("Severity", lambda v: v.severity.value.capitalize(), sort=lambda v: SEVERITY_RANK[v.severity.value],
                   tone=_tone_severity),
        ColumnSpec("SLA", lambda v: due_text(v), sort=lambda v: (v.status.value != "open", v.due_at),
                   tone=_tone_due, tooltip=lambda v: f"Due {format_datetime(v.due_at)}"),
        ColumnSpec("Owner", lambda v: v.owner or "unassigned", tone=lambda v: None if v.owner else "quiet"),
        ColumnSpec("Category", lambda v: v.category.value.replace("_", " ")),
        ColumnSpec("Held", lambda v: format_count(len(v.held_items)), sort=lambda v: len(v.held_items), right=True,
                   tooltip=lambda v: "Items held back until this is resolved"),
        ColumnSpec("Problem", lambda v: v.title, tooltip=lambda v: v.message),
    )
    PROBLEM = 6  # the column that takes the room left


@dataclass(frozen=True, slots=True)
class ExceptionFilter:
    """Empty values do not filter. ``status`` is "open", "resolved" or ""."""

    severity: str = ""
    category: str = ""
    status: str = "open"
    owner: str = ""  # a name, UNASSIGNED, or "" for anyone

    def accepts(self, view: ExceptionView) -> bool:
        if self.severity and view.severity.value != self.severity:
            return False
        if self.category and view.category.value != self.category:
            return False
        if self.status and view.status.value != self.status:
            return False
        if self.owner == UNASSIGNED:
            return not view.owner
        return not self.owner or (view.owner or "").casefold() == self.owner.casefold()


class ExceptionFilterProxy(TypedSortProxy):
    """Sorts on typed values and keeps the rows the :class:`ExceptionFilter` accepts."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.filter = ExceptionFilter()

    def set_filter(self, flt: ExceptionFilter) -> None:
        self.beginFilterChange()
        self.filter = flt
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        view = self.sourceModel().index(source_row, 0, source_parent).data(RECORD_ROLE)
        return view is not None and self.filter.accepts(view)
