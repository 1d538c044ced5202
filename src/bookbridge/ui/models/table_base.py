"""What every grid model of the app shares: read-only rows in a list, headers, typed sort roles.

Two kinds of grid sit on :class:`RowTableModel`: the small record grids (a queue, a preview, a
template's mappings) through :class:`~bookbridge.ui.models.record_table.RecordTableModel`, which
answers every role from declared columns, and the lazily fetched 100,000-row expenses grid, which
answers ``data()`` itself because it runs for every painted cell. Both keep Qt's contract the same
way (no children, read-only, selectable rows), so that part lives here once.

Roles are numbered once for the whole app, so a view or a test reads the same role from any grid:
:data:`SORT_ROLE` (the typed value a column sorts by: dates as dates, amounts as Decimals),
:data:`ID_ROLE` (the row's id, or its status where a grid filters on that), :data:`RECORD_ROLE`
(the row's record itself).
"""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

__all__ = ["ID_ROLE", "Index", "RECORD_ROLE", "RowTableModel", "SORT_ROLE", "TypedSortProxy"]

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
RECORD_ROLE = Qt.ItemDataRole.UserRole + 3
Index = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel):
    """Read-only rows held in ``self._rows``; subclasses set :attr:`headers` and answer ``data()``.

    Attributes:
        headers: the column titles, in column order.
        numbered_rows: the vertical header shows 1, 2, 3... (the expenses grid), else nothing.
    """

    headers: tuple[str, ...] = ()
    numbered_rows = False

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def _reset_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row at once (one model reset: the views re-read what they show)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def _in_range(self, index: Index) -> bool:
        """True when ``index`` names an existing cell (views may ask about rows just removed)."""
        return index.isValid() and 0 <= index.row() < len(self._rows) and 0 <= index.column() < len(self.headers)

    # --- Qt's model API -----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return section + 1 if self.numbered_rows else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class TypedSortProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE's typed values (Decimal amounts compare exactly; a missing value sorts first)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802 (Qt API)
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is None and b is not None
        return a < b
