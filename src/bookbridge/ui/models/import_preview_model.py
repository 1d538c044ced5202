"""The import preview grid: one row per input row with what the import would do and why.

Small enough to hold in memory (a file's rows), so sorting and filtering go through a
``QSortFilterProxyModel`` on :data:`SORT_ROLE`'s typed values (line numbers as ints, dates as
dates, amounts as Decimals) and :data:`STATUS_ROLE` for the status filter.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from bookbridge.core.errors import MoneyError
from bookbridge.core.money import Money, parse_decimal
from bookbridge.ingest.results import RowOutcome
from bookbridge.ui.formatting import format_date, format_money

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


class PreviewColumn(enum.IntEnum):
    LINE = 0
    STATUS = 1
    DATE = 2
    VENDOR = 3
    AMOUNT = 4
    REASON = 5


HEADERS = {
    PreviewColumn.LINE: "Line",
    PreviewColumn.STATUS: "Will be",
    PreviewColumn.DATE: "Date",
    PreviewColumn.VENDOR: "Vendor",
    PreviewColumn.AMOUNT: "Amount",
    PreviewColumn.REASON: "Why",
}
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


class ImportPreviewModel(QAbstractTableModel):
    """Rows of an :class:`~bookbridge.ingest.results.ImportResult` preview."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[RowOutcome] = []
        self._money: list[Money | None] = []

    def set_rows(self, rows: tuple[RowOutcome, ...]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._money = [outcome_money(r) for r in self._rows]
        self.endResetModel()

    def outcome(self, row: int) -> RowOutcome:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(PreviewColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(PreviewColumn):
            return HEADERS[PreviewColumn(section)]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or not (0 <= index.column() < len(PreviewColumn)):
            return None
        outcome = self._rows[index.row()]
        money = self._money[index.row()]
        column = PreviewColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(outcome, money, column)
        if role == SORT_ROLE:
            return self._typed(outcome, money, column)
        if role == STATUS_ROLE:
            return outcome.status
        if role == Qt.ItemDataRole.ToolTipRole and column is PreviewColumn.REASON:
            return reason(outcome) or None
        if role == Qt.ItemDataRole.BackgroundRole and outcome.status in STATUS_TINT:
            return QBrush(STATUS_TINT[outcome.status])
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PreviewColumn.AMOUNT, PreviewColumn.LINE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(outcome: RowOutcome, money: Money | None, column: PreviewColumn) -> str:
        if column is PreviewColumn.LINE:
            return str(outcome.line)
        if column is PreviewColumn.STATUS:
            return STATUS_TEXT.get(outcome.status, outcome.status)
        if column is PreviewColumn.DATE:
            return format_date(outcome.txn_date)
        if column is PreviewColumn.VENDOR:
            return outcome.vendor or ""
        if column is PreviewColumn.AMOUNT:
            return format_money(money) if money is not None else (outcome.amount or "")
        return reason(outcome)

    @staticmethod
    def _typed(outcome: RowOutcome, money: Money | None, column: PreviewColumn) -> Any:
        if column is PreviewColumn.LINE:
            return outcome.line
        if column is PreviewColumn.STATUS:
            return _STATUS_RANK.get(outcome.status, len(_STATUS_RANK))
        if column is PreviewColumn.DATE:
            return outcome.txn_date.toordinal() if outcome.txn_date else -1
        if column is PreviewColumn.AMOUNT:
            value: Decimal | None = money.amount if money is not None else None
            return value if value is not None else Decimal("-Infinity")
        if column is PreviewColumn.VENDOR:
            return (outcome.vendor or "").lower()
        return reason(outcome).lower()


class PreviewFilterProxy(QSortFilterProxyModel):
    """Sorts on the typed SORT_ROLE and shows only the chosen statuses."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
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

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802 (Qt API)
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is None and b is not None
        return a < b
