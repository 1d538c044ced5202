"""The Approvals page: the queue, the selected expense's levels and history, approve or reject;
and the approval policy (levels, their thresholds and conditions, approvers, people's roles).

Keyboard: ↑/↓ move through the queue, A approves, R rejects (the comment box holds the reason),
Ctrl+Enter in the comment box approves. Decisions go through ``coding.approvals`` on the
book-write lane, so the rules (no approving your own expense, no two levels by one person...)
are the engine's, and a refusal is shown with the engine's reason.

The policy tab edits the book's policy through the same service as ``bookbridge approval-policy
--set``: the service checks it (its problems are listed, nothing is saved), replaces it in one
audited transaction and, when asked, the expenses not yet posted are coded again so the queue
shows the levels they now need.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPlainTextEdit, QTabWidget, QVBoxLayout, QWidget

from bookbridge.coding.approvals import ApprovalOutcome, approval_queue, approve, reject
from bookbridge.core.errors import UsageError
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import escape_html, format_count, format_money
from bookbridge.ui.models.approval_queue_model import ApprovalQueueModel, QueueColumn, TypedSortProxy, item_money
from bookbridge.ui.models.policy_facts import PolicyForm, PolicySaved, policy_problems, read_policy_job, save_policy_job
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, AppContext, Page
from bookbridge.ui.widgets.page_jobs import LatestRead, OneWrite
from bookbridge.ui.widgets.page_parts import button, detail_pane, on_submit, sentence, side_by_side, stacked
from bookbridge.ui.widgets.policy_editor import ApprovalPolicyEditor
from bookbridge.ui.widgets.record_queue import RecordQueueView


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


def _same_expense(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["id"] == b["id"]


class ApprovalsPage(Page):
    """The approval queue with approve/reject, comments and keyboard shortcuts."""

    key = "approvals"
    title = "Approvals"
    areas = frozenset({APPROVALS, EXPENSES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.reads = LatestRead(self, ctx.runner)
        self.policy_reads = LatestRead(self, ctx.runner)
        self.writes = OneWrite(self, ctx.runner, self._update_buttons)
        self._policy_shown = False  # read once per book and after a save, so a reload never drops edits
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
        self.table = RecordQueueView("approvalQueue", "approvals", self.model, self.proxy)
        self.table.sortByColumn(QueueColumn.DATE, Qt.SortOrder.AscendingOrder)
        self.table.current_changed.connect(self._show_selected)

        self.detail = detail_pane("approvalDetail", "Select an expense in the queue.")
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("approvalComment")
        self.comment.setPlaceholderText("Comment (optional when approving, required when rejecting)")
        self.comment.setMaximumHeight(90)
        self.approve_button = button("Approve  (A)", "approveButton", self.approve_current)
        self.reject_button = button("Reject…  (R)", "rejectButton", self.reject_current)
        self.message = sentence("approvalMessage")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.approve_button)
        side = stacked(self.detail, QLabel("Comment:"), self.comment, buttons, self.message, stretch=self.detail)
        self.splitter = side_by_side("approvals", self.table, side, stretch=(3, 2))
        self.policy = ApprovalPolicyEditor()
        self.policy.save_requested.connect(self.save_policy)
        self.policy.revert_requested.connect(self._read_policy)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("approvalsTabs")
        self.tabs.addTab(stacked(top, self.splitter, stretch=self.splitter), "Queue")
        self.tabs.addTab(self.policy, "Approval policy")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)

        # A and R act on the queue only while it has focus, so typing a comment never approves.
        self.table.on_key(Qt.Key.Key_A, self.approve_current)
        self.table.on_key(Qt.Key.Key_R, self.reject_current)
        on_submit(self.comment, self.approve_current)
        self._update_buttons()

    @property
    def _busy(self) -> bool:
        return self.writes.busy

    # --- Page ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.acting.setText(f"Deciding as <b>{escape_html(self.ctx.actor())}</b> (change your name in Settings).")
        if not self.model.rowCount():
            self.detail.setText("Reading the queue…")
        book = self.ctx.book
        include_rejected = self.show_rejected.isChecked()
        self.reads.submit("Reading the approval queue",
                          lambda progress, cancel: approval_queue(book, include_rejected=include_rejected),
                          self._loaded)
        if not self._policy_shown:
            self._read_policy()

    def clear(self) -> None:
        self.reads.forget()
        self.policy_reads.forget()
        self._policy_shown = False
        self.model.set_items([])
        self.policy.set_form(PolicyForm())
        self._show_selected()

    def _loaded(self, items: list[dict[str, Any]]) -> None:
        current = self.current_item()
        self.model.set_items(items)
        awaiting = sum(1 for it in items if it["status"] == "awaiting_approval")
        self.count.setText(f"{format_count(awaiting)} awaiting approval")
        row, self._select_after = self._select_after, None
        self.table.reselect(current, _same_expense, row)
        self._show_selected()

    # --- selection ----------------------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        self.table.select_row(row)

    def current_item(self) -> dict[str, Any] | None:
        return self.table.current_record()

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
        self.policy.save_button.setEnabled(self.ctx.book is not None and not self._busy)

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
        self._select_after = self.table.current_row()
        self.writes.submit(name, job, self._decided, on_failed=self._forget_place)

    def _decided(self, outcome: ApprovalOutcome) -> None:
        self.message.setText(outcome.message[:1].upper() + outcome.message[1:] + ".")
        if outcome.done:
            self.comment.clear()
            self.ctx.notify_changed(APPROVALS, EXPENSES)
        else:
            self._forget_place()
        self._update_buttons()
        self.table.setFocus()

    def _forget_place(self) -> None:
        self._select_after = None

    # --- the policy ---------------------------------------------------------------------------------
    def _read_policy(self) -> None:
        if self.ctx.book is None:
            return
        self._policy_shown = True
        self.policy_reads.submit("Reading the approval policy", read_policy_job(self.ctx.book), self.policy.set_form)

    def save_policy(self, form: PolicyForm, code_now: bool) -> None:
        """Replace the book's policy with ``form`` unless the service finds problems (then list them)."""
        if self.ctx.book is None or self._busy:
            return
        problems = policy_problems(form)
        if problems:
            self.policy.show_problems(problems)
            return
        self.policy.message.setText("Saving…")
        self.writes.submit("Saving the approval policy", save_policy_job(self.ctx.book, form, self.ctx.actor(),
                                                                          code_now=code_now), self._policy_saved)

    def _policy_saved(self, saved: PolicySaved) -> None:
        levels = ", ".join(saved.change.after) or "none (coded expenses are postable without approval)"
        self.policy.message.setText(f"Approval policy saved; levels: {levels}. "
                                    + (saved.coding or "Expenses coded from now on follow it."))
        self._policy_shown = False
        self.ctx.notify_changed(APPROVALS, EXPENSES)
        self._update_buttons()
