"""The month-end checklist with its statuses, the period's lock state, and sign-off / reopen.

The panel shows ``reconcile.checklist`` items (blockers first) and asks the person for what a
sign-off or reopen needs: a reason when signing off past blockers, a reason for every reopen.
The page runs the actual ``reconcile.periods.signoff`` / ``reopen``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.reconcile.checklist import Checklist
from bookbridge.reconcile.periods import PeriodState
from bookbridge.ui.formatting import escape_html, format_datetime
from bookbridge.ui.models.reconcile_models import ChecklistModel
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.settings import remember_header

OVERALL_WORDS = {"ok": "ready to sign off", "attention": "can be signed off; some items need a look",
                 "blocker": "not ready: blockers must be fixed (or signed off past, with a reason)"}


class ChecklistPanel(QGroupBox):
    """Checklist table, state line, Sign off and Reopen.

    Signals:
        signoff_requested(str, bool): a note (may be empty) and whether to force past blockers.
        reopen_requested(str): the reason.
    """

    signoff_requested = Signal(str, bool)
    reopen_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Month-end checklist", parent)
        self.setObjectName("checklistPanel")
        self.checklist: Checklist | None = None
        self.state: PeriodState | None = None
        self.model = ChecklistModel(self)
        self.proxy = TypedSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("checklistTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        remember_header(self.table.horizontalHeader(), "checklist")
        self.overall = QLabel("")
        self.overall.setObjectName("checklistOverall")
        self.overall.setWordWrap(True)
        self.overall.setTextFormat(Qt.TextFormat.RichText)
        self.signoff_button = QPushButton("Sign off…")
        self.signoff_button.setObjectName("signOff")
        self.signoff_button.clicked.connect(self.ask_signoff)
        self.reopen_button = QPushButton("Reopen…")
        self.reopen_button.setObjectName("reopenPeriod")
        self.reopen_button.clicked.connect(self.ask_reopen)
        row = QHBoxLayout()
        row.addWidget(self.overall, 1)
        row.addWidget(self.reopen_button)
        row.addWidget(self.signoff_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.show_checklist(None, None)

    def show_checklist(self, checklist: Checklist | None, state: PeriodState | None, source_label: str = "") -> None:
        self.checklist, self.state = checklist, state
        self.model.set_items(checklist.items if checklist is not None else ())
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        self.table.resizeRowsToContents()
        if checklist is None or state is None:
            self.overall.setText("Choose a month.")
        elif state.locked:
            self.overall.setText(f"<b>{escape_html(state.period)} is signed off</b> by {escape_html(state.locked_by or '?')} "
                                 f"({escape_html(format_datetime(state.locked_at))}) and locked until reopened.")
        else:
            blockers = len(checklist.blockers)
            figures = f" Tie-out against the {escape_html(source_label)}." if source_label else ""
            self.overall.setText(f"<b>{escape_html(checklist.period)}: {escape_html(OVERALL_WORDS[checklist.overall.value])}"
                                 f"</b>{f' ({blockers} blocker(s))' if blockers else ''}.{figures}")
        self.signoff_button.setEnabled(state is not None and not state.locked)
        self.reopen_button.setEnabled(state is not None and state.locked)

    def ask_signoff(self) -> None:
        if self.checklist is None:
            return
        blockers = len(self.checklist.blockers)
        dialog = QInputDialog(self)
        dialog.setObjectName("signoffDialog")
        dialog.setWindowTitle(f"Sign off {self.checklist.period}")
        if blockers:
            dialog.setLabelText(f"The checklist still has {blockers} blocker(s). To sign off anyway, say why "
                                "(the reason and the blockers are kept in the period's history):")
        else:
            dialog.setLabelText("Signing off locks the month: nothing in it can change until it is reopened.\n"
                                "Note (optional):")
        dialog.textValueSelected.connect(lambda text: self._signoff_answered(text, bool(blockers)))
        dialog.open()

    def _signoff_answered(self, text: str, force: bool) -> None:
        self.signoff_requested.emit(text.strip(), force)

    def ask_reopen(self) -> None:
        if self.state is None:
            return
        dialog = QInputDialog(self)
        dialog.setObjectName("reopenDialog")
        dialog.setWindowTitle(f"Reopen {self.state.period}")
        dialog.setLabelText("Why is the month reopened? (kept with your name in the period's history)")
        dialog.textValueSelected.connect(lambda text: self.reopen_requested.emit(text.strip()))
        dialog.open()
