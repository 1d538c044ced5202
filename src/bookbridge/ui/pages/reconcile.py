"""The Reconcile page: statement lines beside expenses, decided with the keyboard, then the month-end.

For the chosen month: every statement line with its status and the matcher's best match (score
and explanation), the selected line's suggestions beside it with Accept / Reject / Undo /
Explain, and below, the month-end checklist with sign-off and reopen. Statement files are
imported here (OFX/QFX, camt.053, or CSV with a profile) and matched at once; "Generate pack"
writes the month's PDF in the task runner and opens it in the system viewer.

Every action is the engine's (``reconcile.statements``, ``reconcile.matching``,
``reconcile.periods``, ``reports.pack``), run off the GUI thread; a refusal (a locked month,
a match already decided) comes back through the one error presenter.

Keyboard (in the lines grid): ↑/↓ move, A or Enter accepts, R or Delete rejects, U undoes,
E explains; Ctrl+M finds matches; Ctrl+P generates the pack.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.reconcile.periods import Period
from bookbridge.ui.dialogs.pack_flow import PackFlow
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.reconcile_facts import ReconcileView, busiest_recent_period, read_reconcile, recent_periods
from bookbridge.ui.models.reconcile_jobs import (
    decide_job,
    explain_job,
    import_job,
    match_job,
    reopen_job,
    signoff_job,
)
from bookbridge.ui.models.reconcile_models import StatementLinesModel
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.pages.base import EXPENSES, SYNC, AppContext, Page
from bookbridge.ui.sandboxes import host_of
from bookbridge.ui.settings import remember_header, remember_splitter
from bookbridge.ui.tasks import Lane
from bookbridge.ui.widgets.checklist_panel import ChecklistPanel
from bookbridge.ui.widgets.match_panel import MatchPanel

RECONCILE = "reconcile"
STATEMENT_FILTER = "Statements (*.ofx *.qfx *.xml *.csv *.txt);;All files (*)"


class ReconcilePage(Page):
    """Lines and suggestions side by side, the checklist below."""

    key = "reconcile"
    title = "Reconcile"
    areas = frozenset({RECONCILE, SYNC, EXPENSES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.view: ReconcileView | None = None
        self._generation = 0
        self._busy = False
        self._select_line: int | None = None
        self._last_dir = ""
        self._preferred: str | None = None
        self.pack = PackFlow(ctx, self)

        self.period = QComboBox()
        self.period.setObjectName("reconcilePeriod")
        self.period.currentIndexChanged.connect(lambda _i: self._choice_changed())
        self.account = QComboBox()
        self.account.setObjectName("reconcileAccount")
        self.account.addItem("All accounts", "")
        self.account.currentIndexChanged.connect(lambda _i: self._choice_changed())
        self.read_back = QCheckBox("Tie out against the accounting system now")
        self.read_back.setObjectName("readBack")
        self.read_back.setToolTip("Reads every posted document back through the connection (slower); otherwise the "
                                  "figures recorded by the last sync are used.")
        self.read_back.toggled.connect(lambda _on: self.refresh())
        self.import_button = self._button("Import statement…", "importStatement", self.choose_statement)
        self.match_button = self._button("Find matches  (Ctrl+M)", "findMatches", self.find_matches)
        self.pack_button = self._button("Generate pack…  (Ctrl+P)", "generatePack", lambda: self.generate_pack())
        top = QHBoxLayout()
        top.addWidget(QLabel("Month:"))
        top.addWidget(self.period)
        top.addWidget(QLabel("Account:"))
        top.addWidget(self.account)
        top.addWidget(self.read_back)
        top.addStretch(1)
        for button in (self.import_button, self.match_button, self.pack_button):
            top.addWidget(button)
        self.summary = QLabel("Choose a month.")
        self.summary.setObjectName("reconcileSummary")
        self.summary.setWordWrap(True)

        self.model = StatementLinesModel(self)
        self.proxy = TypedSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("statementLines")
        self.table.setWordWrap(False)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        remember_header(self.table.horizontalHeader(), "statement_lines")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._show_selected())
        self.match_panel = MatchPanel()
        self.match_panel.accept_requested.connect(lambda match_id: self._decide("accept", match_id))
        self.match_panel.reject_requested.connect(lambda match_id: self._decide("reject", match_id))
        self.match_panel.undo_requested.connect(lambda match_id: self._decide("undo", match_id))
        self.match_panel.explain_requested.connect(self.ask_explanation)
        self.lines_split = QSplitter(Qt.Orientation.Horizontal)
        self.lines_split.setObjectName("reconcileLinesSplitter")
        self.lines_split.addWidget(self.table)
        self.lines_split.addWidget(self.match_panel)
        self.lines_split.setStretchFactor(0, 3)
        self.lines_split.setStretchFactor(1, 2)
        self.lines_split.setSizes([680, 380])
        remember_splitter(self.lines_split, "reconcile_lines")
        self.checklist = ChecklistPanel()
        self.checklist.signoff_requested.connect(self.sign_off)
        self.checklist.reopen_requested.connect(self.reopen)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("reconcileSplitter")
        self.splitter.addWidget(self.lines_split)
        self.splitter.addWidget(self.checklist)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        remember_splitter(self.splitter, "reconcile")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        self._shortcuts()

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _shortcuts(self) -> None:
        for keys, action in ((("A", "Return", "Enter"), "accept"), (("R", "Delete"), "reject"), (("U",), "undo"),
                             (("E",), "explain")):
            for key in keys:  # on the grid only, so typing a note elsewhere never decides a match
                shortcut = QShortcut(QKeySequence(key), self.table)
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
                shortcut.activated.connect(lambda a=action: self.match_panel.act(a))
        for key, slot in (("Ctrl+M", self.find_matches), ("Ctrl+P", lambda: self.generate_pack())):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # --- Page -------------------------------------------------------------------------------------------
    def current_period(self) -> Period | None:
        label = self.period.currentData()
        return Period.parse(label) if label else None

    def reload(self) -> None:
        book = self.ctx.book
        if self.period.count() == 0:  # two small aggregate queries, once per book
            self._fill_periods(recent_periods(book), self._preferred or busiest_recent_period(book))
            self._preferred = None
        period = self.current_period()
        if period is None:
            return
        account, read_back, host = self.account.currentData() or None, self.read_back.isChecked(), host_of(self.ctx)
        self._generation += 1
        generation = self._generation
        self.summary.setText(f"Reading {period}…")
        handle = self.ctx.runner.submit(
            f"Reading {period}",
            lambda progress, cancel: read_reconcile(book, period, account=account, host=host, read_back=read_back))
        handle.succeeded.connect(lambda view: self._loaded(generation, view))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.view = None
        self.period.blockSignals(True)
        self.period.clear()
        self.period.blockSignals(False)
        self.model.set_items([])
        self.match_panel.show_line(None)
        self.checklist.show_checklist(None, None)

    def receive(self, argument: object) -> None:
        """Navigation with a period label ("2026-01")."""
        if isinstance(argument, str):
            if self.period.count() == 0:  # not loaded yet: the first reload starts there
                self._preferred = argument
                return
            self._go_to_month(argument)

    def _fill_periods(self, labels: list[str], preferred: str | None) -> None:
        self.period.blockSignals(True)
        self.period.clear()
        for label in labels:
            self.period.addItem(label, label)
        index = self.period.findData(preferred) if preferred else -1
        self.period.setCurrentIndex(index if index >= 0 else 0)
        self.period.blockSignals(False)

    def _choice_changed(self) -> None:
        self._select_line = None
        self.refresh()

    def _loaded(self, generation: int, view: ReconcileView) -> None:
        if generation != self._generation:
            return
        self.view = view
        chosen = self.account.currentData()
        self.account.blockSignals(True)
        while self.account.count() > 1:
            self.account.removeItem(1)
        for name in view.accounts:
            self.account.addItem(name, name)
        self.account.setCurrentIndex(max(0, self.account.findData(chosen)))
        self.account.blockSignals(False)
        self.model.set_items(view.lines)
        self.table.setColumnHidden(1, len(view.accounts) <= 1)  # one account: the column says nothing
        self.table.resizeColumnsToContents()
        counts = view.counts()
        state = "signed off and locked" if view.state.locked else "open"
        if view.lines:
            self.summary.setText(
                f"{view.period} is {state}: {format_count(len(view.lines))} statement lines, "
                f"{format_count(counts['matched'])} matched, {format_count(counts['explained'])} explained, "
                f"{format_count(counts['unmatched'])} to review ({format_count(counts['suggested'])} with a suggestion).")
        else:
            self.summary.setText(f"{view.period} is {state}. No statement lines for this month yet: import the bank or "
                                 "card statement (OFX, camt.053 or CSV).")
        self.checklist.show_checklist(view.checklist, view.state, view.source_label)
        self._restore_selection()
        for button in (self.match_button, self.import_button):
            button.setEnabled(not view.state.locked and not self._busy)

    def _restore_selection(self) -> None:
        wanted = self._select_line
        row = None
        if wanted is not None:
            source = self.model.row_where(lambda line: line.id == wanted)
            row = None if source is None else self.proxy.mapFromSource(self.model.index(source, 0)).row()
        if row is None:  # the first line still to review, in the grid's order
            row = next((r for r in range(self.proxy.rowCount())
                        if self.model.item(self.proxy.mapToSource(self.proxy.index(r, 0)).row()).status == "unmatched"), 0)
        if self.proxy.rowCount():
            self.table.selectRow(row)
        self._show_selected()

    def current_line(self):
        index = self.table.selectionModel().currentIndex()
        return self.model.item(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def _show_selected(self) -> None:
        locked = self.view is not None and self.view.state.locked
        self.match_panel.show_line(self.current_line(), locked=locked or self._busy)

    # --- jobs ---------------------------------------------------------------------------------------------
    def _run(self, name: str, job, *, select_next: bool = True):
        if self._busy or self.ctx.book is None:
            return None
        self._busy = True
        line = self.current_line()
        if select_next and line is not None:  # after a decision, move on to the next line to review
            following = [l for l in self.model.items() if (l.booked, l.id) > (line.booked, line.id)
                         and l.status == "unmatched"]
            self._select_line = following[0].id if following else line.id
        self._show_selected()
        handle = self.ctx.runner.submit(name, job, lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(self._done)
        handle.failed.connect(self._failed)
        return handle

    def _done(self, message: object) -> None:
        self._busy = False
        if isinstance(message, tuple):  # (text, month to show)
            message = message[0]
        if isinstance(message, str):
            self.ctx.say(message)
        self.ctx.notify_changed(RECONCILE)
        self.table.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._show_selected()
        show_error(self, exc)

    def _decide(self, action: str, match_id: int) -> None:
        self._run(f"{action.capitalize()} match {match_id}",
                  decide_job(self.ctx.book, action, match_id, self.ctx.actor()), select_next=action != "undo")

    def ask_explanation(self, line_id: int) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("explainDialog")
        dialog.setWindowTitle("Explain a statement line")
        dialog.setLabelText("Why has this line no expense? (a bank fee, interest, a transfer between own accounts)")
        dialog.textValueSelected.connect(lambda text: self.explain_line(line_id, text))
        dialog.open()

    def explain_line(self, line_id: int, note: str) -> None:
        self._run("Explaining a line", explain_job(self.ctx.book, line_id, note, self.ctx.actor()))

    def find_matches(self) -> None:
        period = self.current_period()
        if period is not None:
            self._run(f"Matching {period}", match_job(self.ctx.book, period, self.account.currentData() or None,
                                                      self.ctx.actor()), select_next=False)

    def choose_statement(self) -> None:
        """The native file dialog; a CSV also needs the account's name."""
        chosen, _filter = QFileDialog.getOpenFileName(self, "Import a bank or card statement", self._last_dir,
                                                      STATEMENT_FILTER)
        if not chosen:
            return
        path = Path(chosen)
        self._last_dir = str(path.parent)
        if path.suffix.lower() in (".csv", ".txt"):
            names = list(self.view.accounts) if self.view is not None else []
            name, ok = QInputDialog.getItem(self, "Statement account", "Which account is this statement for?",
                                            names or ["Business checking"], 0, True)
            if not ok or not name.strip():
                return
            self.import_statement(path, account=name.strip(), profile="generic")
        else:
            self.import_statement(path)

    def import_statement(self, path: Path, *, account: str | None = None, profile: str | None = None):
        """Import ``path`` and match its lines at once; the page moves to the statement's month."""
        handle = self._run(f"Importing {Path(path).name}",
                           import_job(self.ctx.book, Path(path), account, profile, self.ctx.actor()), select_next=False)
        if handle is not None:
            handle.succeeded.connect(lambda result: self._go_to_month(result[1]))
        return handle

    def _go_to_month(self, month: str | None) -> None:
        if month and month != self.period.currentData():
            self.period.blockSignals(True)
            if self.period.findData(month) < 0:
                self.period.insertItem(0, month, month)
            self.period.setCurrentIndex(self.period.findData(month))
            self.period.blockSignals(False)
            self.refresh()

    def sign_off(self, note: str, force: bool) -> None:
        period = self.current_period()
        if period is not None:
            self._run(f"Signing off {period}", signoff_job(self.ctx.book, period, note, force, self.ctx.actor(),
                                                           host_of(self.ctx), self.read_back.isChecked()),
                      select_next=False)

    def reopen(self, reason: str) -> None:
        period = self.current_period()
        if period is not None:
            self._run(f"Reopening {period}", reopen_job(self.ctx.book, period, reason, self.ctx.actor()),
                      select_next=False)

    def generate_pack(self, output: Path | None = None):
        """Write the month's pack (asking where when ``output`` is None) and open it."""
        period = self.current_period()
        if period is None:
            return None
        return self.pack.start(period, output, read_back=self.read_back.isChecked())
