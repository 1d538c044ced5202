"""Choose a mapping template and one of its versions (or the draft); shared by Mappings and Rules.

Signals:
    template_chosen(str): the person picked another template.
    version_chosen(int): a version number, or 0 for the draft.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QTableView, QVBoxLayout, QWidget

from bookbridge.ui.formatting import escape_html, format_date
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.models.template_facts import TemplateState
from bookbridge.ui.models.template_models import VersionHistoryModel
from bookbridge.ui.settings import remember_header


class TemplateBrowser(QWidget):
    """Template picker, a sentence about its state, and its version history."""

    template_chosen = Signal(str)
    version_chosen = Signal(int)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state: TemplateState | None = None
        self.template = QComboBox()
        self.template.setObjectName(f"{name}Template")
        self.template.activated.connect(lambda _i: self.template_chosen.emit(self.template.currentData()))
        self.summary = QLabel()
        self.summary.setObjectName(f"{name}TemplateState")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.model = VersionHistoryModel(self)
        self.proxy = TypedSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName(f"{name}Versions")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        remember_header(self.table.horizontalHeader(), f"{name}_versions")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._chosen())
        row = QHBoxLayout()
        row.addWidget(QLabel("Template:"))
        row.addWidget(self.template, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("History (select one to see it):"))
        layout.addWidget(self.table, 1)

    def set_state(self, state: TemplateState, *, select: int | None = None) -> None:
        keep = self.selected_number() if select is None else select
        self.state = state
        self.template.blockSignals(True)
        self.template.clear()
        for summary in state.templates:
            self.template.addItem(summary.name + (" (default)" if summary.is_default else ""), summary.name)
        self.template.setCurrentIndex(max(0, self.template.findData(state.name)))
        self.template.blockSignals(False)
        self.model.set_items(state.versions)
        self.table.resizeColumnsToContents()
        if state.name is None:
            self.summary.setText("This book has no mapping template yet. Write one in the editor and save it as a "
                                 "draft, then publish it.")
        else:
            latest = state.version(state.latest)
            text = (f"<b>{escape_html(state.name)}</b>: version {state.latest} in force from "
                    f"{escape_html(format_date(latest.effective_from))}" if latest and not latest.is_draft
                    else f"<b>{escape_html(state.name)}</b>: nothing published yet")
            if state.draft_base is not None:
                text += f"; <b>a draft waits</b> (based on version {state.draft_base})"
            self.summary.setText(text + ".")
        row = self.model.row_where(lambda v: v.number == keep) if keep is not None else None
        if row is None:
            row = 0
        if self.model.rowCount():
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        self._chosen()

    def selected_number(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return self.model.number_at(self.proxy.mapToSource(index).row())

    def select_number(self, number: int) -> None:
        row = self.model.row_where(lambda v: v.number == number)
        if row is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())

    def _chosen(self) -> None:
        number = self.selected_number()
        if number is not None:
            self.version_chosen.emit(number)
