"""A work queue grid: records sorted on typed values, one current row, kept across reloads.

The Approvals and Exceptions pages (and any page that works through a list one item at a time)
show a :class:`~bookbridge.ui.models.record_table.RecordTableModel` through a sorting proxy, act
on the current row, and after every reload put the selection back on the same record, or on
the row where the person was, so the keyboard user keeps their place.

Signals:
    current_changed(): the current row changed (the page shows the new record).
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView

from bookbridge.ui.models.record_table import RecordTableModel
from bookbridge.ui.settings import remember_header


class RecordQueueView(QTableView):
    """A sortable single-selection grid over ``model`` through ``proxy``; columns remembered under ``key``."""

    current_changed = Signal()

    def __init__(self, name: str, key: str, model: RecordTableModel, proxy: QSortFilterProxyModel) -> None:
        super().__init__()
        self.setObjectName(name)
        self.records = model
        self.proxy = proxy
        proxy.setSourceModel(model)
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        remember_header(self.horizontalHeader(), key)
        self.selectionModel().currentRowChanged.connect(lambda _c, _p: self.current_changed.emit())
        self._keys: dict[int, Callable[[], object]] = {}

    def on_key(self, key: Qt.Key, slot: Callable[[], object]) -> None:
        """Make the plain letter ``key`` call ``slot`` while the queue has the keyboard.

        Handled in :meth:`keyPressEvent` rather than with a QShortcut: the key belongs to the queue
        alone (typing the same letter in a comment box is text), and it acts on whatever key event
        reaches the queue, even while another window (an error dialog just closed) is still active.
        """
        self._keys[int(key)] = slot

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        slot = self._keys.get(event.key()) if event.modifiers() == Qt.KeyboardModifier.NoModifier else None
        if slot is None:
            super().keyPressEvent(event)
            return
        event.accept()
        slot()

    def current_record(self) -> Any | None:
        """The record in the current row, or None when no row is current."""
        index = self.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return self.records.item(self.proxy.mapToSource(index).row())

    def current_row(self) -> int:
        """The current row as shown (sorted and filtered), -1 when none."""
        return self.selectionModel().currentIndex().row()

    def select_row(self, row: int) -> None:
        """Make ``row`` (as shown) the current and only selected row."""
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.selectionModel().setCurrentIndex(self.proxy.index(row, 0), flags)

    def reselect(self, previous: Any | None, same: Callable[[Any, Any], bool], row: int | None = None) -> None:
        """After a reload: select ``row`` if given, else ``previous``'s record where it now is, else the first.

        Args:
            previous: the record that was current before the reload (None: none was).
            same: whether a new record is ``previous`` (compares ids, not objects: the reload made new ones).
            row: a row (as shown) to select instead, e.g. where the person was before their decision
                removed the record from the queue; clamped to the rows there are.
        """
        if row is None and previous is not None:
            source_row = self.records.row_where(lambda record: same(record, previous))
            row = self.proxy.mapFromSource(self.records.index(source_row, 0)).row() if source_row is not None else 0
        if self.proxy.rowCount():
            self.select_row(min(max(0, row or 0), self.proxy.rowCount() - 1))
