"""The Approvals page: the queue, the selected expense's levels and history, approve or reject.

Keyboard: ↑/↓ move through the queue, A approves, R rejects (the comment box holds the reason),
Ctrl+Enter in the comment box approves. Decisions go through ``coding.approvals`` on the
book-write lane, so the rules (no approving your own expense, no two levels by one person...)
are the engine's, and a refusal is shown with the engine's reason.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.coding.approvals import ApprovalOutcome, approval_queue, approve, reject
from bookbridge.core.errors import UsageError
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import escape_html, format_count, format_money
from bookbridge.ui.models.approval_queue_model import ApprovalQueueModel, QueueColumn, TypedSortProxy, item_money
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, AppContext, Page
from bookbridge.ui.settings import remember_header, remember_splitter
from bookbridge.ui.tasks import Lane


def approve_job(book, expense_id: int, actor: str, comment: str | None):
    def job(progress, cancel) -> ApprovalOutcome:
        progress(f"Approving expense {expense_id}")
        return approve(book, actor=actor, expense_ids=[expense_id], comment=comment)[0]
    return job


def reject_job(book, expense_id: int, actor: str, reason: str):
    def job(progress, cancel) -> ApprovalOutcome:
        progress(f"Rejecting expense {expense_id}")
        return reject(book, expense_id=expense_id, actor=actor, reason=reason)
    return job


class ApprovalsPage(Page):
    """The approval queue with approve/reject, comments and keyboard shortcuts."""

    key = "approvals"
    title = "Approvals"
    areas = frozenset({APPROVALS, EXPENSES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._generation = 0
        self._busy = False
        self._select_after: int | None = None  # row to select after the queue reloads

        self.acting = QLabel()
        self.acting.setObjectName("actingAs")
        self.show_rejected = QCheckBox("Show expenses sent back")
        self.show_rejected.setObjectName("showRejected")
        self.show_rejected.setChecked(True)
        self.show_rejected.toggled.connect(lambda _on: self.refresh())
        self.count = QLabel()
        self.count.setObjectName("queueCount")
        top = QHBoxLayout()
        top.addWidget(self.acting, 1)
        top.addWidget(self.count)
        top.addWidget(self.show_rejected)

        self.model = ApprovalQueueModel(self)
        self.proxy = TypedSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("approvalQueue")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(QueueColumn.DATE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        remember_header(self.table.horizontalHeader(), "approvals")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._show_selected())

        self.detail = QLabel("Select an expense in the queue.")
        self.detail.setObjectName("approvalDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("approvalComment")
        self.comment.setPlaceholderText("Comment (optional when approving, required when rejecting)")
        self.comment.setMaximumHeight(90)
        self.approve_button = QPushButton("Approve  (A)")
        self.approve_button.setObjectName("approveButton")
        self.approve_button.clicked.connect(self.approve_current)
        self.reject_button = QPushButton("Reject…  (R)")
        self.reject_button.setObjectName("rejectButton")
        self.reject_button.clicked.connect(self.reject_current)
        self.message = QLabel()
        self.message.setObjectName("approvalMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.approve_button)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.detail, 1)
        side_layout.addWidget(QLabel("Comment:"))
        side_layout.addWidget(self.comment)
        side_layout.addLayout(buttons)
        side_layout.addWidget(self.message)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("approvalsSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        remember_splitter(self.splitter, "approvals")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        # A and R act on the queue only while it has focus, so typing a comment never approves.
        for key, slot in (("A", self.approve_current), ("R", self.reject_current)):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(key), self.comment)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.approve_current)
        self._update_buttons()

    # --- Page ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.acting.setText(f"Deciding as <b>{escape_html(self.ctx.actor())}</b> (change your name in Settings).")
        if not self.model.rowCount():
            self.detail.setText("Reading the queue…")
        book = self.ctx.book
        include_rejected = self.show_rejected.isChecked()
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit(
            "Reading the approval queue",
            lambda progress, cancel: approval_queue(book, include_rejected=include_rejected))
        handle.succeeded.connect(lambda items: self._loaded(generation, items))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.model.set_items([])
        self._show_selected()

    def _loaded(self, generation: int, items: list[dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        current = self.current_item()
        self.model.set_items(items)
        awaiting = sum(1 for it in items if it["status"] == "awaiting_approval")
        self.count.setText(f"{format_count(awaiting)} awaiting approval")
        row = self._select_after
        self._select_after = None
        if row is None and current is not None:
            source_row = self.model.row_of(current["id"])
            row = self.proxy.mapFromSource(self.model.index(source_row, 0)).row() if source_row is not None else 0
        if self.proxy.rowCount():
            self.select_row(min(max(0, row or 0), self.proxy.rowCount() - 1))
        self._show_selected()

    # --- selection ----------------------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        index = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, self.table.selectionModel().SelectionFlag.ClearAndSelect
            | self.table.selectionModel().SelectionFlag.Rows)

    def current_item(self) -> dict[str, Any] | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return self.model.item(self.proxy.mapToSource(index).row())

    def _show_selected(self) -> None:
        item = self.current_item()
        self._update_buttons()
        if item is None:
            self.detail.setText("Nothing to decide." if not self.model.rowCount() else "Select an expense in the queue.")
            return
        lines = [f"<b>{escape_html(item.get('vendor') or 'Unknown vendor')}</b> — {escape_html(format_money(item_money(item)))}",
                 f"{escape_html(item.get('category') or 'no category')} · {escape_html(item.get('employee') or 'no employee')}"]
        for level in item.get("approved") or []:
            lines.append(f"✓ {escape_html(level['level'])} approved by {escape_html(level['by'])}")
        for level in item.get("pending") or []:
            lines.append(f"○ {escape_html(level['level'])}: {escape_html(level['approvers'])}")
        if item.get("flags"):
            lines.append("Flags: " + escape_html(", ".join(str(f) for f in item["flags"])))
        rejection = item.get("rejection")
        if rejection:
            lines.append(f"Sent back by {escape_html(rejection['by'])}: “{escape_html(rejection['reason'] or '')}”")
        for h in item.get("history") or []:
            note = f": “{escape_html(h['comment'])}”" if h.get("comment") else ""
            lines.append(f"<span style='color: gray'>{escape_html(h['decision'])} at {escape_html(h['level'])} by "
                         f"{escape_html(h['by'])}{note}</span>")
        self.detail.setText("<br>".join(lines))

    def _update_buttons(self) -> None:
        item = self.current_item()
        awaiting = item is not None and item["status"] == "awaiting_approval"
        self.approve_button.setEnabled(awaiting and not self._busy)
        self.reject_button.setEnabled(awaiting and not self._busy)

    # --- decisions ----------------------------------------------------------------------------------
    def approve_current(self) -> None:
        item = self.current_item()
        if item is None or item["status"] != "awaiting_approval" or self._busy or self.ctx.book is None:
            return
        comment = self.comment.toPlainText().strip() or None
        self._decide(approve_job(self.ctx.book, item["id"], self.ctx.actor(), comment), f"Approving {item['id']}")

    def reject_current(self) -> None:
        item = self.current_item()
        if item is None or item["status"] != "awaiting_approval" or self._busy or self.ctx.book is None:
            return
        reason = self.comment.toPlainText().strip()
        if not reason:
            self.comment.setFocus()
            show_error(self, UsageError("Write the reason for the rejection in the comment box; the submitter needs it."))
            return
        self._decide(reject_job(self.ctx.book, item["id"], self.ctx.actor(), reason), f"Rejecting {item['id']}")

    def _decide(self, job, name: str) -> None:
        self._busy = True
        self._update_buttons()
        self._select_after = self.table.selectionModel().currentIndex().row()
        handle = self.ctx.runner.submit(name, job, lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(self._decided)
        handle.failed.connect(self._decision_failed)

    def _decided(self, outcome: ApprovalOutcome) -> None:
        self._busy = False
        self.message.setText(outcome.message[:1].upper() + outcome.message[1:] + ".")
        if outcome.done:
            self.comment.clear()
            self.ctx.notify_changed(APPROVALS, EXPENSES)
        else:
            self._select_after = None
        self._update_buttons()
        self.table.setFocus()

    def _decision_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._select_after = None
        self._update_buttons()
        show_error(self, exc)
