"""The Sync page: post approved expenses exactly once, watch it happen, or preview it first.

"Sync now" runs the sync engine (``sync.runner.run_sync``, the one ``bookbridge sync`` runs) on
the book-write lane through :mod:`bookbridge.ui.sync_adapter`, which turns the engine's progress
lines into a bar with done/total and lets Cancel stop it between batches. "Dry run" runs the
same engine in preview mode: nothing is sent, and every payload it would send is listed, with
the exact JSON on selection. Below, recent runs with their counts, and the last result with a
door to the exception queue when something needs a person.

Keyboard: F9 syncs, Shift+F9 dry-runs, Esc cancels (while the page has focus).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bookbridge.sync.runs import recent_runs
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import escape_html, format_count, format_datetime
from bookbridge.ui.models.connection_facts import ConnectionInfo, list_connections
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.models.sync_models import PayloadsModel, RunHistoryModel, pretty_json
from bookbridge.ui.pages.base import EXPENSES, SYNC, AppContext, Page
from bookbridge.ui.sandboxes import host_of
from bookbridge.ui.settings import remember_header, remember_splitter
from bookbridge.ui.sync_adapter import SyncOutcome, sync_job
from bookbridge.ui.tasks import Lane, TaskHandle, TaskProgress

CONNECTIONS = "connections"
EXCEPTIONS = "exceptions"


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def summary_text(outcome: SyncOutcome) -> str:
    """The result in the words a bookkeeper uses (rich text)."""
    if outcome.dry_run and not outcome.cancelled:
        held = f" {format_count(outcome.failed)} would be held back." if outcome.failed else ""
        return (f"<b>Dry run: {format_count(outcome.would_post)} documents would be sent.</b>{held} Nothing was sent "
                "and nothing changed; the payloads are listed below.")
    if outcome.cancelled:
        return (f"<b>Cancelled</b> after {format_count(outcome.posted)} posted and {format_count(outcome.failed)} failed. "
                "Everything posted is recorded; the rest goes out with the next sync, never twice.")
    head = f"<b>Posted {format_count(outcome.posted)}</b>"
    parts = [head]
    if outcome.failed:
        parts.append(f"<b>{format_count(outcome.failed)} failed</b> and wait in the exception queue")
    if outcome.skipped:
        parts.append(f"{format_count(outcome.skipped)} skipped")
    text = ", ".join(parts) + f". {format_count(outcome.api_calls)} API calls"
    if outcome.throttled:
        text += f", {format_count(outcome.throttled)} slowed down by the accounting system's limits"
    text += "."
    if outcome.quota:
        left = ", ".join(f"{escape_html(str(name))} {w.get('remaining')}/{w.get('limit')}"
                         for name, w in sorted(outcome.quota.items()) if isinstance(w, dict))
        text += f" Quota left: {left}."
    if outcome.notes:
        text += "<br>" + escape_html("; ".join(outcome.notes))
    return text


class SyncPage(Page):
    """Sync now, dry run, progress with cancel, the last result and recent runs."""

    key = "sync"
    title = "Sync"
    areas = frozenset({SYNC, CONNECTIONS})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.connections: list[ConnectionInfo] = []
        self.outcome: SyncOutcome | None = None
        self._task: TaskHandle | None = None
        self._generation = 0

        self.connection = QComboBox()
        self.connection.setObjectName("syncConnection")
        self.connection.setMinimumWidth(220)
        self.connection.currentIndexChanged.connect(lambda _i: self._show_connection())
        self.connection_state = QLabel()
        self.connection_state.setObjectName("syncConnectionState")
        self.connection_state.setWordWrap(True)
        manage = QPushButton("Connections…")
        manage.setObjectName("manageConnections")
        manage.clicked.connect(lambda: self.ctx.navigate("connections"))
        top = QHBoxLayout()
        top.addWidget(QLabel("Post to:"))
        top.addWidget(self.connection)
        top.addWidget(self.connection_state, 1)
        top.addWidget(manage)

        self.sync_button = QPushButton("Sync now  (F9)")
        self.sync_button.setObjectName("syncNow")
        self.sync_button.setDefault(True)
        self.sync_button.clicked.connect(lambda: self.start(dry_run=False))
        self.dry_button = QPushButton("Dry run: show what would be sent  (Shift+F9)")
        self.dry_button.setObjectName("syncDryRun")
        self.dry_button.clicked.connect(lambda: self.start(dry_run=True))
        self.cancel_button = QPushButton("Cancel  (Esc)")
        self.cancel_button.setObjectName("syncCancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.dry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)

        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m")
        self.step = QLabel("Nothing running.")
        self.step.setObjectName("syncStep")
        self.result = QLabel("No sync has run in this session yet.")
        self.result.setObjectName("syncSummary")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.show_exceptions = QPushButton("Open the exception queue")
        self.show_exceptions.setObjectName("syncShowExceptions")
        self.show_exceptions.clicked.connect(lambda: self.ctx.navigate("exceptions"))
        self.show_exceptions.hide()
        result_box = QGroupBox("Progress and result")
        result_layout = QVBoxLayout(result_box)
        result_layout.addWidget(self.step)
        result_layout.addWidget(self.progress)
        result_row = QHBoxLayout()
        result_row.addWidget(self.result, 1)
        result_row.addWidget(self.show_exceptions, 0, Qt.AlignmentFlag.AlignTop)
        result_layout.addLayout(result_row)

        self.runs_model = RunHistoryModel(self)
        self.runs_proxy = TypedSortProxy(self)
        self.runs_proxy.setSourceModel(self.runs_model)
        self.runs = _table("syncRuns")
        self.runs.setModel(self.runs_proxy)
        self.runs.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        remember_header(self.runs.horizontalHeader(), "sync_runs")

        self.payloads_model = PayloadsModel(self)
        self.payloads_proxy = TypedSortProxy(self)
        self.payloads_proxy.setSourceModel(self.payloads_model)
        self.payloads = _table("syncPayloads")
        self.payloads.setModel(self.payloads_proxy)
        remember_header(self.payloads.horizontalHeader(), "sync_payloads")
        self.payloads.selectionModel().currentRowChanged.connect(lambda _c, _p: self._show_payload())
        self.payload_text = QPlainTextEdit()
        self.payload_text.setObjectName("syncPayloadJson")
        self.payload_text.setReadOnly(True)
        self.payload_text.setPlaceholderText("Run a dry run, then pick a document to see the exact JSON it would send.")
        self.payload_split = QSplitter(Qt.Orientation.Horizontal)
        self.payload_split.setObjectName("syncPayloadSplitter")
        self.payload_split.addWidget(self.payloads)
        self.payload_split.addWidget(self.payload_text)
        self.payload_split.setSizes([520, 420])
        remember_splitter(self.payload_split, "sync_payloads")

        self.tabs = QTabWidget()
        self.tabs.setObjectName("syncTabs")
        self.tabs.addTab(self.runs, "Recent runs")
        self.tabs.addTab(self.payload_split, "What a dry run would send")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(result_box)
        layout.addWidget(self.tabs, 1)
        for key, slot in (("F9", lambda: self.start(dry_run=False)), ("Shift+F9", lambda: self.start(dry_run=True)),
                          ("Esc", self.cancel)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._update_buttons()

    # --- Page -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        book = self.ctx.book
        host = host_of(self.ctx)
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit(
            "Reading connections and runs",
            lambda progress, cancel: (list_connections(book, host), recent_runs(book, limit=50)))
        handle.succeeded.connect(lambda found: self._loaded(generation, *found))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.connections = []
        self.connection.clear()
        self.runs_model.set_items([])
        self.payloads_model.set_items([])
        self.payload_text.clear()
        self.outcome = None
        self.result.setText("No sync has run in this session yet.")
        self.show_exceptions.hide()
        self._update_buttons()

    def _loaded(self, generation: int, connections: list[ConnectionInfo], runs: list) -> None:
        if generation != self._generation:
            return
        chosen = self.connection.currentData()
        self.connections = connections
        self.connection.blockSignals(True)
        self.connection.clear()
        for info in connections:
            self.connection.addItem(f"{info.name} ({info.label})", info.name)
        index = self.connection.findData(chosen)
        self.connection.setCurrentIndex(index if index >= 0 else 0)
        self.connection.blockSignals(False)
        self.runs_model.set_items(runs)
        self.runs.resizeColumnsToContents()
        self._show_connection()

    # --- connection ---------------------------------------------------------------------------------------
    def current_connection(self) -> ConnectionInfo | None:
        name = self.connection.currentData()
        return next((c for c in self.connections if c.name == name), None)

    def _show_connection(self) -> None:
        info = self.current_connection()
        if info is None:
            self.connection_state.setText("This book is not connected to an accounting system yet: "
                                          "connect one on the Connections page.")
        else:
            last = f"; last sync {format_datetime(info.last_sync_at)}" if info.last_sync_at else "; never synced"
            where = "local sandbox in this app" if info.in_app_sandbox else info.base_url
            self.connection_state.setText(f"Company {info.company_id} at {where}: {info.status}{last}.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self._task is not None
        usable = self.current_connection() is not None and self.ctx.book is not None
        self.sync_button.setEnabled(usable and not running)
        self.dry_button.setEnabled(usable and not running)
        self.cancel_button.setEnabled(running)
        self.connection.setEnabled(not running)

    # --- running ------------------------------------------------------------------------------------------
    def start(self, *, dry_run: bool) -> TaskHandle | None:
        """Run a sync (or dry run) of the chosen connection in the task runner."""
        info = self.current_connection()
        if info is None or self._task is not None or self.ctx.book is None:
            return None
        book = self.ctx.book
        store = host_of(self.ctx).token_store(book.book_id, info.name)
        job = sync_job(book, connection=info.name, token_store=store, actor=self.ctx.actor(), dry_run=dry_run,
                       label=info.label)
        name = f"{'Dry run' if dry_run else 'Sync'} of {info.name}"
        handle = self.ctx.runner.submit(name, job, lane=Lane.BOOK_WRITE)
        self._task = handle
        self.step.setText(f"{name}: waiting for other work on the book to finish…")
        self.progress.setRange(0, 0)
        self.result.setText("Running…")
        self.show_exceptions.hide()
        handle.progressed.connect(self._progressed)
        handle.succeeded.connect(self._finished)
        handle.cancelled.connect(self._finished)
        handle.failed.connect(self._failed)
        self._update_buttons()
        return handle

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.step.setText("Cancelling after the batch being sent…")

    def _progressed(self, report: TaskProgress) -> None:
        self.step.setText(report.step)
        if report.total:
            self.progress.setRange(0, report.total)
            self.progress.setValue(min(report.done, report.total))
        else:
            self.progress.setRange(0, 0)

    def _finished(self, outcome: SyncOutcome | None) -> None:
        self._task = None
        self._update_buttons()
        if outcome is None:  # cancelled before it started
            self.step.setText("Cancelled before it started.")
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.result.setText("Nothing was sent.")
            return
        self.outcome = outcome
        self.step.setText("Cancelled." if outcome.cancelled else "Dry run finished." if outcome.dry_run else "Finished.")
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
        self.result.setText(summary_text(outcome))
        self.show_exceptions.setVisible(bool(outcome.failed or outcome.exceptions))
        if outcome.dry_run and not outcome.cancelled:
            self.payloads_model.set_items(outcome.payloads)
            self.payloads.resizeColumnsToContents()
            self.tabs.setCurrentIndex(1)
            if self.payloads_proxy.rowCount():
                self.payloads.selectRow(0)
        else:
            self.tabs.setCurrentIndex(0)
        self.ctx.notify_changed(SYNC, EXPENSES, EXCEPTIONS, CONNECTIONS)
        self.ctx.say(f"{'Dry run' if outcome.dry_run else 'Sync'} of {outcome.connection}: "
                     f"{format_count(outcome.would_post if outcome.dry_run else outcome.posted)} "
                     f"{'would be sent' if outcome.dry_run else 'posted'}.")

    def _failed(self, exc: BaseException) -> None:
        self._task = None
        self._update_buttons()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.step.setText("The sync stopped.")
        self.result.setText("The sync could not run; see the message. Nothing was posted twice.")
        self.show_exceptions.show()
        self.ctx.notify_changed(SYNC, EXCEPTIONS, CONNECTIONS)
        show_error(self, exc)

    def _show_payload(self) -> None:
        index = self.payloads.selectionModel().currentIndex()
        if not index.isValid():
            self.payload_text.clear()
            return
        payload = self.payloads_model.item(self.payloads_proxy.mapToSource(index).row())
        self.payload_text.setPlainText(pretty_json(payload.get("payload")))
