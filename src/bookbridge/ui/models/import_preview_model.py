"""The import preview grid: one row per input row with what the import would do and why.

Small enough to hold in memory (a file's rows), so sorting and filtering go through a
``QSortFilterProxyModel`` on :data:`SORT_ROLE`'s typed values (line numbers as ints, dates as
dates, amounts as Decimals) and :data:`STATUS_ROLE` for the status filter.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, NamedTuple

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from bookbridge.core.errors import MoneyError
from bookbridge.core.money import Money, parse_decimal
from bookbridge.ingest.results import RowOutcome
from bookbridge.ui.formatting import format_date, format_money
from bookbridge.ui.models.record_table import ColumnSpec, RecordTableModel
from bookbridge.ui.models.table_base import ID_ROLE, SORT_ROLE, Index, TypedSortProxy

__all__ = ["ImportPreviewModel", "PreviewColumn", "PreviewFilterProxy", "PreviewRow", "SORT_ROLE", "STATUS_ROLE",
           "outcome_money", "reason"]

STATUS_ROLE = ID_ROLE  # the preview's rows have no id yet; the filter reads their status in its place


class PreviewColumn(enum.IntEnum):
    LINE = 0
    STATUS = 1
    DATE = 2
    VENDOR = 3
    AMOUNT = 4
    REASON = 5


STATUS_TEXT = {"new": "New", "duplicate": "Duplicate", "conflict": "Conflict", "error": "Error: not imported"}
_STATUS_RANK = {"error": 0, "conflict": 1, "duplicate": 2, "new": 3}
# Muted tints that read on light and dark palettes alike (alpha lets the base show through).
STATUS_TINT = {"error": QColor(220, 53, 69, 60), "conflict": QColor(255, 153, 0, 60),
               "duplicate": QColor(128, 128, 128, 45)}


def outcome_money(outcome: RowOutcome) -> Money | None:
    """The row's amount as Money (the service reports it as ``"12.50 USD"``)."""
    if not outcome.amount:
        return None
    number, _, code = outcome.amount.partition(" ")
    try:
        return Money(parse_decimal(number), code)
    except MoneyError:
        return None


def reason(outcome: RowOutcome) -> str:
    """Why the row gets its status, in one line a bookkeeper can act on."""
    parts = [issue.message for issue in outcome.issues if issue.is_error]
    if outcome.status == "duplicate":
        if outcome.matched_expense_id:
            parts.insert(0, f"already in the book as expense #{outcome.matched_expense_id}")
        elif outcome.matched_line:
            parts.insert(0, f"same as line {outcome.matched_line} of this file")
    elif outcome.status == "conflict":
        target = (f"expense #{outcome.matched_expense_id}" if outcome.matched_expense_id
                  else f"line {outcome.matched_line}" if outcome.matched_line else "an earlier version")
        parts.insert(0, f"changed version of {target}; it will wait for a person to choose")
    parts.extend(f"warning: {issue.message}" for issue in outcome.issues if not issue.is_error)
    if outcome.rule and outcome.status != "new":
        parts.append(f"(rule {outcome.rule})")
    return "; ".join(parts)


class PreviewRow(NamedTuple):
    """A row outcome with its amount read once as Money (sorting and painting ask for it often)."""

    outcome: RowOutcome
    money: Money | None


def _amount_text(row: PreviewRow) -> str:
    return format_money(row.money) if row.money is not None else (row.outcome.amount or "")


def _amount_key(row: PreviewRow) -> Decimal:
    return row.money.amount if row.money is not None else Decimal("-Infinity")


class ImportPreviewModel(RecordTableModel):
    """Rows of an :class:`~bookbridge.ingest.results.ImportResult` preview, columns as :class:`PreviewColumn`."""

    columns = (  # in PreviewColumn order
        ColumnSpec("Line", lambda r: str(r.outcome.line), sort=lambda r: r.outcome.line, right=True),
        ColumnSpec("Will be", lambda r: STATUS_TEXT.get(r.outcome.status, r.outcome.status),
                   sort=lambda r: _STATUS_RANK.get(r.outcome.status, len(_STATUS_RANK))),
        ColumnSpec("Date", lambda r: format_date(r.outcome.txn_date),
                   sort=lambda r: r.outcome.txn_date.toordinal() if r.outcome.txn_date else -1),
        ColumnSpec("Vendor", lambda r: r.outcome.vendor or "", sort=lambda r: (r.outcome.vendor or "").lower()),
        ColumnSpec("Amount", _amount_text, sort=_amount_key, right=True),
        ColumnSpec("Why", lambda r: reason(r.outcome), sort=lambda r: reason(r.outcome).lower(),
                   tooltip=lambda r: reason(r.outcome) or None),
    )

    def set_rows(self, rows: tuple[RowOutcome, ...]) -> None:
        self.set_items([PreviewRow(r, outcome_money(r)) for r in rows])

    def outcome(self, row: int) -> RowOutcome:
        return self.item(row).outcome

    def role_data(self, item: PreviewRow, column: int, role: int) -> Any:
        status = item.outcome.status
        if role == STATUS_ROLE:
            return status
        if role == Qt.ItemDataRole.BackgroundRole and status in STATUS_TINT:
            return QBrush(STATUS_TINT[status])
        return None


class PreviewFilterProxy(TypedSortProxy):
    """Sorts on the typed SORT_ROLE and shows only the chosen statuses."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._statuses: frozenset[str] = frozenset()

    def set_statuses(self, statuses: frozenset[str]) -> None:
        """Show rows whose status is in ``statuses`` (empty: every row)."""
        self.beginFilterChange()
        self._statuses = statuses
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802 (Qt API)
        if not self._statuses:
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        return self.sourceModel().data(index, STATUS_ROLE) in self._statuses
