"""The approval queue grid: one row per expense awaiting approval (or sent back).

Items are the plain dicts of ``coding.approvals.approval_queue`` (the same data the CLI prints),
read on a worker. The queue is small (a day's work), so sorting goes through a
``QSortFilterProxyModel`` on :data:`SORT_ROLE`'s typed values.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from bookbridge.core.money import Money
from bookbridge.ui.formatting import format_date, format_money

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


class QueueColumn(enum.IntEnum):
    DATE = 0
    VENDOR = 1
    CATEGORY = 2
    EMPLOYEE = 3
    AMOUNT = 4
    WAITING_FOR = 5
    STATUS = 6


HEADERS = {
    QueueColumn.DATE: "Date",
    QueueColumn.VENDOR: "Vendor",
    QueueColumn.CATEGORY: "Category",
    QueueColumn.EMPLOYEE: "Employee",
    QueueColumn.AMOUNT: "Amount",
    QueueColumn.WAITING_FOR: "Waiting for",
    QueueColumn.STATUS: "Status",
}


def item_money(item: dict[str, Any]) -> Money:
    return Money(Decimal(str(item["amount"])), str(item["currency"]))


def waiting_for(item: dict[str, Any]) -> str:
    pending = item.get("pending") or []
    return ", ".join(p["level"] for p in pending) if pending else "—"


class ApprovalQueueModel(QAbstractTableModel):
    """Rows of the approval queue (plain dicts from the approvals service)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[dict[str, Any]] = []

    def set_items(self, items: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> dict[str, Any]:
        return self._items[row]

    def row_of(self, expense_id: int) -> int | None:
        return next((i for i, it in enumerate(self._items) if it["id"] == expense_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(QueueColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(QueueColumn):
            return HEADERS[QueueColumn(section)]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._items)) or not (0 <= index.column() < len(QueueColumn)):
            return None
        item = self._items[index.row()]
        column = QueueColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == SORT_ROLE:
            return self._typed(item, column)
        if role == ID_ROLE:
            return item["id"]
        if role == Qt.ItemDataRole.TextAlignmentRole and column is QueueColumn.AMOUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column is QueueColumn.WAITING_FOR:
            pending = item.get("pending") or []
            return "\n".join(f"{p['level']}: {p['approvers']}" for p in pending) or None
        return None

    @staticmethod
    def _display(item: dict[str, Any], column: QueueColumn) -> str:
        if column is QueueColumn.DATE:
            return format_date(date.fromisoformat(item["date"]))
        if column is QueueColumn.AMOUNT:
            return format_money(item_money(item))
        if column is QueueColumn.WAITING_FOR:
            return waiting_for(item)
        if column is QueueColumn.STATUS:
            return "Sent back" if item["status"] == "rejected" else "Awaiting approval"
        key = {QueueColumn.VENDOR: "vendor", QueueColumn.CATEGORY: "category", QueueColumn.EMPLOYEE: "employee"}[column]
        return item.get(key) or ""

    @staticmethod
    def _typed(item: dict[str, Any], column: QueueColumn) -> Any:
        if column is QueueColumn.DATE:
            return date.fromisoformat(item["date"]).toordinal()
        if column is QueueColumn.AMOUNT:
            return item_money(item).amount
        if column is QueueColumn.STATUS:
            return 1 if item["status"] == "rejected" else 0
        return ApprovalQueueModel._display(item, column).lower()


class TypedSortProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE's typed values (Decimal amounts compare exactly)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802 (Qt API)
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is None and b is not None
        return a < b
