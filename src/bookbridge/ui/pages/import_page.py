"""The Import page: drop or choose files, see what each row would become, then import.

Nothing is written until the user presses Import: the preview runs the ingest service's
``preview_file`` (the same decisions as the import, in a read-only session) off the GUI thread
and shows every row as new, duplicate, conflict or error with the reason. The import itself runs
``import_file`` on the book-write lane with progress and Cancel (a cancelled import rolls back
completely: the service does it in one transaction).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.ingest.pipeline import ImportCancelled
from bookbridge.ingest.profiles import BUILTIN_PROFILES
from bookbridge.ingest.results import ImportOptions, ImportResult
from bookbridge.ingest.service import import_file, preview_file
from bookbridge.store.models import CsvProfile
from bookbridge.ui.dialogs.profile_editor import ProfileEditor
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.expense_query import ExpenseFilter
from bookbridge.ui.models.import_preview_model import ImportPreviewModel, PreviewFilterProxy
from bookbridge.ui.pages.base import EXPENSES, IMPORTS, PROFILES, AppContext, Page
from bookbridge.ui.settings import remember_header, remember_splitter
from bookbridge.ui.tasks import Lane, TaskHandle
from bookbridge.ui.widgets.drop_zone import DropZone

FILE_FILTER = "Expense files (*.csv *.txt *.json *.xml);;All files (*)"
PATH_ROLE = Qt.ItemDataRole.UserRole


def preview_job(book, options: ImportOptions):
    """Read-only: every row's outcome (ingest ``preview_file``), with progress and cancel."""
    def job(progress, cancel) -> ImportResult:
        progress(f"Previewing {Path(options.path).name}")
        return preview_file(book, options, rows=True,
                            progress=lambda n: progress(f"Previewing {Path(options.path).name}", n, None),
                            cancel=cancel.is_set)
    return job


def import_job(book, options: ImportOptions):
    """Writes: the whole file in one transaction (ingest ``import_file``)."""
    def job(progress, cancel) -> ImportResult:
        progress(f"Importing {Path(options.path).name}")
        return import_file(book, options,
                           progress=lambda n: progress(f"Importing {Path(options.path).name}", n, None),
                           cancel=cancel.is_set)
    return job


def summary_text(result: ImportResult) -> str:
    """One paragraph a bookkeeper reads before pressing Import (or after it)."""
    verb = "would be" if result.dry_run else "were"
    parts = [f"{format_count(result.rows_read)} rows read with the {result.profile} profile"
             f" ({result.encoding or 'unknown encoding'}"
             + (f", delimiter {result.delimiter!r}" if result.delimiter else "") + ")."]
    parts.append(f"{format_count(result.new)} new, {format_count(result.duplicates)} duplicates (skipped), "
                 f"{format_count(result.conflicts)} conflicts (kept for review), {format_count(result.rejected)} "
                 f"rows with errors {verb} not imported.")
    if result.warnings:
        parts.append(f"{format_count(len(result.warnings))} warnings.")
    if result.strict_rejected:
        parts.append("Strict mode: because of the errors, nothing from this file " + verb + " imported.")
    return " ".join(parts)


class ImportPage(Page):
    """Files on the left, the selected file's preview on the right."""

    key = "import"
    title = "Import"
    areas = frozenset({PROFILES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.previews: dict[str, ImportResult] = {}
        self.results: dict[str, ImportResult] = {}
        self._task: TaskHandle | None = None
        self._last_dir = ""

        self.drop_zone = DropZone("Drop expense files here (CSV, JSON or XML exports from Expensify, Concur, "
                                  "your card or your transport system).")
        self.drop_zone.files_dropped.connect(self.add_files)
        self.drop_zone.choose_clicked.connect(self.choose_files)

        self.profile = QComboBox()
        self.profile.setObjectName("importProfile")
        self.edit_profile = QPushButton("Profiles…")
        self.edit_profile.setObjectName("editProfile")
        self.edit_profile.setToolTip("Create a profile, or edit the selected saved one")
        self.edit_profile.clicked.connect(self.open_profile_editor)
        self.receipts = QLineEdit()
        self.receipts.setObjectName("receiptsFolder")
        self.receipts.setPlaceholderText("Receipts folder (optional)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._choose_receipts)
        self.strict = QCheckBox("Strict: import nothing if any row has an error")
        self.strict.setObjectName("strictImport")
        self.receipts.setMinimumWidth(220)
        options = QHBoxLayout()
        options.addWidget(QLabel("Profile:"))
        options.addWidget(self.profile)
        options.addWidget(self.edit_profile)
        options.addSpacing(12)
        options.addWidget(self.receipts, 1)
        options.addWidget(browse)
        strict_row = QHBoxLayout()
        strict_row.addWidget(self.strict)
        strict_row.addStretch(1)

        self.files = QListWidget()
        self.files.setObjectName("importFiles")
        self.files.currentItemChanged.connect(lambda _current, _previous: self.preview_selected())
        self.summary = QLabel("Choose or drop a file to see what it contains before anything is imported.")
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("previewStatusFilter")
        for label, statuses in (("All rows", ()), ("New", ("new",)), ("Duplicates", ("duplicate",)),
                                ("Conflicts", ("conflict",)), ("Errors", ("error",)),
                                ("Needs a look (errors and conflicts)", ("error", "conflict"))):
            self.status_filter.addItem(label, frozenset(statuses))
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_statuses(self.status_filter.currentData()))
        self.model = ImportPreviewModel(self)
        self.proxy = PreviewFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("importPreview")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        remember_header(self.table.horizontalHeader(), "import_preview")
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("importButton")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.import_selected)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("importCancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_task)
        self.show_button = QPushButton("Show imported expenses")
        self.show_button.setObjectName("showImported")
        self.show_button.setEnabled(False)
        self.show_button.clicked.connect(self._show_imported)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Show:"))
        actions.addWidget(self.status_filter)
        actions.addStretch(1)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.show_button)
        actions.addWidget(self.import_button)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.table, 1)
        right_layout.addLayout(actions)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("importSplitter")
        self.splitter.addWidget(self.files)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([220, 700])
        remember_splitter(self.splitter, "import")
        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_zone)
        layout.addLayout(options)
        layout.addLayout(strict_row)
        layout.addWidget(self.splitter, 1)
        self.profile.currentIndexChanged.connect(lambda _i: self._options_changed())
        self.strict.toggled.connect(lambda _on: self._options_changed())
        self.receipts.editingFinished.connect(self._options_changed)
        self._fill_profiles([])

    # --- Page -----------------------------------------------------------------------------------------
    def reload(self) -> None:
        book = self.ctx.book
        with book.engine.connect() as conn:  # a handful of names: cheap enough for the GUI thread
            saved = list(conn.execute(sa.select(CsvProfile.name).order_by(CsvProfile.name)).scalars())
        self._fill_profiles(saved)

    def clear(self) -> None:
        self.cancel_task()
        self.files.clear()
        self.previews.clear()
        self.results.clear()
        self.model.set_rows(())
        self.summary.setText("Choose or drop a file to see what it contains before anything is imported.")
        self.import_button.setEnabled(False)
        self.show_button.setEnabled(False)

    def _fill_profiles(self, saved: list[str]) -> None:
        current = self.profile.currentData()
        self.profile.blockSignals(True)
        self.profile.clear()
        self.profile.addItem("Detect from the file", None)
        for name in BUILTIN_PROFILES:
            self.profile.addItem(f"{name} (built in)", name)
        for name in saved:
            self.profile.addItem(name, name)
        self.profile.setCurrentIndex(max(0, self.profile.findData(current)))
        self.profile.blockSignals(False)

    # --- files ----------------------------------------------------------------------------------------
    def choose_files(self) -> None:
        """The native file dialog (Ctrl+I lands here)."""
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose files to import", self._last_dir, FILE_FILTER)
        if paths:
            self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> None:
        """List the files (once each) and preview the first new one."""
        known = {self.files.item(i).data(PATH_ROLE) for i in range(self.files.count())}
        first_new: QListWidgetItem | None = None
        for path in paths:
            key = str(Path(path).resolve())
            self._last_dir = str(Path(key).parent)
            if key in known:
                continue
            item = QListWidgetItem(f"{Path(key).name}  ·  waiting")
            item.setData(PATH_ROLE, key)
            item.setToolTip(key)
            self.files.addItem(item)
            known.add(key)
            first_new = first_new or item
        if first_new is not None:
            self.files.setCurrentItem(first_new)

    def selected_path(self) -> str | None:
        item = self.files.currentItem()
        return None if item is None else item.data(PATH_ROLE)

    def _set_file_state(self, path: str, state: str) -> None:
        for i in range(self.files.count()):
            item = self.files.item(i)
            if item.data(PATH_ROLE) == path:
                item.setText(f"{Path(path).name}  ·  {state}")

    def options_for(self, path: str) -> ImportOptions:
        receipts = self.receipts.text().strip()
        return ImportOptions(Path(path), profile=self.profile.currentData(),
                             receipts_dir=Path(receipts) if receipts else None, strict=self.strict.isChecked(),
                             actor=self.ctx.actor())

    def _options_changed(self) -> None:
        self.previews.clear()
        self.preview_selected()

    def _choose_receipts(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the receipt files", self._last_dir)
        if folder:
            self.receipts.setText(folder)
            self._options_changed()

    # --- preview and import -----------------------------------------------------------------------------
    def preview_selected(self) -> None:
        path = self.selected_path()
        if path is None or self.ctx.book is None:
            return
        if path in self.results:
            self._show_result(self.results[path])
            return
        if path in self.previews:
            self._show_result(self.previews[path])
            return
        self.cancel_task()
        self.model.set_rows(())
        self.import_button.setEnabled(False)
        self.show_button.setEnabled(False)
        self.summary.setText(f"Reading {Path(path).name}…")
        self._set_file_state(path, "previewing…")
        handle = self.ctx.runner.submit(f"Previewing {Path(path).name}", preview_job(self.ctx.book, self.options_for(path)))
        self._track(handle)
        handle.succeeded.connect(lambda result, p=path: self._previewed(p, result))
        handle.failed.connect(lambda exc, p=path: self._task_failed(p, exc, "could not be read"))
        handle.cancelled.connect(lambda _r, p=path: self._set_file_state(p, "preview cancelled"))

    def _previewed(self, path: str, result: ImportResult) -> None:
        self.previews[path] = result
        self._set_file_state(path, f"{format_count(result.new)} new")
        if path == self.selected_path():
            self._show_result(result)

    def _show_result(self, result: ImportResult) -> None:
        self.model.set_rows(result.rows)
        self.summary.setText(summary_text(result))
        imported = not result.dry_run
        landing = result.new + result.conflicts
        self.import_button.setEnabled(not imported and not result.strict_rejected and landing > 0)
        self.import_button.setText("Imported" if imported else
                                   f"Import {format_count(landing)} expense{'s' if landing != 1 else ''}")
        self.show_button.setEnabled(imported and result.batch_id is not None and result.new > 0)

    def import_selected(self) -> None:
        path = self.selected_path()
        preview = self.previews.get(path or "")
        if path is None or preview is None or self.ctx.book is None:
            return
        self.import_button.setEnabled(False)
        self._set_file_state(path, "importing…")
        handle = self.ctx.runner.submit(f"Importing {Path(path).name}", import_job(self.ctx.book, self.options_for(path)),
                                        lane=Lane.BOOK_WRITE)
        self._track(handle)
        handle.succeeded.connect(lambda result, p=path: self._imported(p, result))
        handle.failed.connect(lambda exc, p=path: self._task_failed(p, exc, "was not imported"))

    def _imported(self, path: str, result: ImportResult) -> None:
        # Keep the preview's rows on screen: the import itself returns counts, not rows.
        preview = self.previews.get(path)
        shown = replace(result, rows=preview.rows) if preview is not None else result
        self.results[path] = shown
        self._set_file_state(path, f"imported: {format_count(result.new)} new")
        self.ctx.notify_changed(EXPENSES, IMPORTS)
        self.ctx.say(f"Imported {Path(path).name}: {format_count(result.new)} new expenses.")
        if path == self.selected_path():
            self._show_result(shown)

    def _task_failed(self, path: str, exc: BaseException, what: str) -> None:
        if isinstance(exc, ImportCancelled):
            self._set_file_state(path, "cancelled: nothing saved")
            self.summary.setText("Cancelled. Nothing from this file was saved.")
            self.import_button.setEnabled(path in self.previews)
            return
        self._set_file_state(path, what)
        self.summary.setText(f"{Path(path).name} {what}: {getattr(exc, 'user_message', 'see the message')}")
        show_error(self, exc)

    def _track(self, handle: TaskHandle) -> None:
        self._task = handle
        self.cancel_button.setEnabled(True)
        handle.finished.connect(self._task_finished)

    def _task_finished(self, task_id: int) -> None:
        if self._task is not None and self._task.task_id == task_id:
            self._task = None
            self.cancel_button.setEnabled(False)

    def cancel_task(self) -> None:
        if self._task is not None and not self._task.is_done():
            self._task.cancel()

    def _show_imported(self) -> None:
        result = self.results.get(self.selected_path() or "")
        if result is not None and result.batch_id is not None:
            self.ctx.navigate("expenses", ExpenseFilter(batch_id=result.batch_id))

    def open_profile_editor(self) -> ProfileEditor | None:
        """Edit the selected saved profile, or create a new one."""
        if self.ctx.book is None:
            return None
        name = self.profile.currentData()
        editing = name if name and name not in BUILTIN_PROFILES else None
        dialog = ProfileEditor(self.ctx.book, self.ctx.runner, editing, self)
        dialog.saved.connect(self._profile_saved)
        dialog.open()
        return dialog

    def _profile_saved(self, name: str) -> None:
        self.ctx.notify_changed(PROFILES)
        self.reload()
        self.profile.setCurrentIndex(max(0, self.profile.findData(name)))
        self.ctx.say(f"Profile {name} saved.")
