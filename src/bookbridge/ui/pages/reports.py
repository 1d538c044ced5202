"""The Reports page: month-end packs written for this book, a new one, and the CSV export.

The grid lists every pack the book recorded (``month_end_packs``: month, when, by whom, signed
off or draft, pages, SHA-256), and whether the file this computer wrote is still the one whose
hash the audit log holds. "Generate pack" writes a month's PDF (``reports.pack``) off the GUI
thread and opens it in the system viewer; "Export CSV" writes the same tables as CSV files for
an auditor's spreadsheet (``reports.pack.csv_export``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.reconcile.periods import Period
from bookbridge.reports.pack.csv_export import write_csv
from bookbridge.reports.pack.gather import gather_snapshot
from bookbridge.ui.dialogs.pack_flow import PACKS, PackFlow
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.packs_model import PackRow, PacksModel, list_packs, remembered_paths
from bookbridge.ui.models.reconcile_facts import ledger_source, recent_periods
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.pages.base import AppContext, Page
from bookbridge.ui.sandboxes import host_of
from bookbridge.ui.settings import remember_header
from bookbridge.ui.tasks import Lane


def csv_job(book, period: Period, folder: Path, *, preparer: str, host):
    """Write the month's pack tables as CSV files into ``folder`` (read-only on the book)."""
    def job(progress, cancel) -> list[Path]:
        progress(f"Exporting {period} as CSV")
        with ledger_source(book, host, read_back=False) as source:
            return write_csv(gather_snapshot(book, period, preparer=preparer, source=source), folder)
    return job


class ReportsPage(Page):
    """Packs written, generate one, open it, export CSV."""

    key = "reports"
    title = "Reports"
    areas = frozenset({PACKS})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._generation = 0
        self.pack = PackFlow(ctx, self)
        self.pack.written.connect(lambda _result: self.refresh())
        self.period = QComboBox()
        self.period.setObjectName("reportsPeriod")
        self.generate_button = QPushButton("Generate pack…")
        self.generate_button.setObjectName("reportsGenerate")
        self.generate_button.clicked.connect(lambda: self.generate())
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setObjectName("reportsCsv")
        self.csv_button.setToolTip("Every table of the month's pack as CSV files, for a spreadsheet")
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("reportsOpen")
        self.open_button.clicked.connect(self.open_selected)
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setObjectName("reportsFolder")
        self.folder_button.clicked.connect(self.show_folder)
        intro = QLabel("The month-end reconciliation pack is the PDF an auditor receives: cover, checklist and "
                       "tie-out, matched and unmatched lines, exceptions, template versions, approvals, sync runs "
                       "and receipts. Its SHA-256 is kept in the book's audit log.")
        intro.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Month:"))
        top.addWidget(self.period)
        top.addWidget(self.generate_button)
        top.addWidget(self.csv_button)
        top.addStretch(1)
        top.addWidget(self.open_button)
        top.addWidget(self.folder_button)

        self.model = PacksModel(self)
        self.proxy = TypedSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("packsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        remember_header(self.table.horizontalHeader(), "packs")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._update_buttons())
        self.state = QLabel()
        self.state.setObjectName("reportsState")
        self.state.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.state)
        self._update_buttons()

    # --- Page -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        book = self.ctx.book
        paths = remembered_paths()
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit("Reading packs",
                                        lambda progress, cancel: (list_packs(book, paths), recent_periods(book)))
        handle.succeeded.connect(lambda found: self._loaded(generation, *found))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.model.set_items([])
        self.period.clear()
        self._update_buttons()

    def _loaded(self, generation: int, packs: list[PackRow], periods: list[str]) -> None:
        if generation != self._generation:
            return
        chosen = self.period.currentData()
        self.period.clear()
        for label in periods:
            self.period.addItem(label, label)
        self.period.setCurrentIndex(max(0, self.period.findData(chosen)))
        self.model.set_items(packs)
        self.table.resizeColumnsToContents()
        if packs and not self.table.selectionModel().currentIndex().isValid():
            self.table.selectRow(0)
        self.state.setText(f"{format_count(len(packs))} pack(s) written for this book." if packs else
                           "No pack has been written yet. Choose a month and press Generate pack.")
        self._update_buttons()

    def selected(self) -> PackRow | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.item(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        pack = self.selected()
        self.open_button.setEnabled(pack is not None and pack.path is not None)
        self.folder_button.setEnabled(pack is not None and pack.path is not None)
        ready = self.ctx.book is not None and self.period.count() > 0
        self.generate_button.setEnabled(ready)
        self.csv_button.setEnabled(ready)

    # --- actions ------------------------------------------------------------------------------------------
    def current_period(self) -> Period | None:
        label = self.period.currentData()
        return Period.parse(label) if label else None

    def generate(self, output: Path | None = None):
        period = self.current_period()
        return self.pack.start(period, output) if period is not None else None

    def export_csv(self, folder: Path | None = None):
        period = self.current_period()
        if period is None or self.ctx.book is None:
            return None
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, f"Folder for the {period} CSV files")
            if not chosen:
                return None
            folder = Path(chosen)
        handle = self.ctx.runner.submit(f"Exporting {period} as CSV",
                                        csv_job(self.ctx.book, period, folder, preparer=self.ctx.actor(),
                                                host=host_of(self.ctx)), lane=Lane.READ)
        handle.succeeded.connect(lambda files: self.state.setText(
            f"Wrote {format_count(len(files))} CSV files to {folder}."))
        handle.failed.connect(lambda exc: show_error(self, exc))
        return handle

    def open_selected(self) -> None:
        pack = self.selected()
        if pack is not None and pack.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(pack.path)))

    def show_folder(self) -> None:
        pack = self.selected()
        if pack is not None and pack.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(pack.path.parent)))
