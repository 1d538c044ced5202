"""The Expenses page's right-hand panel: one expense, its receipt, coding, dedupe and lineage."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from bookbridge.ui.formatting import escape_html, format_date, format_datetime, format_money
from bookbridge.ui.models.expense_detail import ExpenseDetail
from bookbridge.ui.models.expense_query import STATUS_LABELS
from bookbridge.ui.widgets.receipt_preview import ReceiptPreview


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _items(lines: list[str]) -> str:
    return "<br>".join(lines)


class ExpenseDetailPanel(QScrollArea):
    """Read-only detail of one expense; :meth:`show_detail` fills it, :meth:`show_message` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("expenseDetail")
        self.setWidgetResizable(True)
        self.detail: ExpenseDetail | None = None
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = _label("detailTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = _label("detailSummary")
        layout.addWidget(self.title)
        layout.addWidget(self.summary)

        self.receipt = ReceiptPreview()
        layout.addWidget(self._group("Receipt", self.receipt))
        self.fields_box = QGroupBox("Custom fields")
        self.fields_form = QFormLayout(self.fields_box)
        self.fields_form.setObjectName("detailFields")
        layout.addWidget(self.fields_box)
        self.coding = _label("detailCoding")
        layout.addWidget(self._group("Coding", self.coding))
        self.approvals = _label("detailApprovals")
        layout.addWidget(self._group("Approvals", self.approvals))
        self.dedupe = _label("detailDedupe")
        layout.addWidget(self._group("Duplicate checks", self.dedupe))
        self.lineage = _label("detailLineage")
        layout.addWidget(self._group("Lineage", self.lineage))
        layout.addStretch(1)
        self.setWidget(body)
        self._sections = [w for w in body.findChildren(QGroupBox)]
        self.show_message("Select an expense to see its receipt, coding and history.")

    @staticmethod
    def _group(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.addWidget(widget)
        return box

    def show_message(self, text: str) -> None:
        self.detail = None
        self.title.setText(escape_html(text))
        self.summary.clear()
        for box in self._sections:
            box.hide()

    def show_detail(self, d: ExpenseDetail) -> None:
        self.detail = d
        for box in self._sections:
            box.show()
        self.title.setText(f"{escape_html(d.vendor or 'Unknown vendor')} — {escape_html(format_money(d.amount))}")
        lines = [
            f"{escape_html(format_date(d.txn_date))} · {escape_html(STATUS_LABELS.get(d.status, d.status))} · "
            f"{escape_html(d.payment_method.replace('_', ' '))}",
            f"Category: {escape_html(d.category or 'none')}" + (f" · Employee: {escape_html(d.employee)}" if d.employee else ""),
        ]
        if d.tax is not None:
            lines.append(f"Tax included: {escape_html(format_money(d.tax))}")
        if d.original is not None:
            lines.append(f"Originally {escape_html(format_money(d.original))}")
        if d.memo:
            lines.append(f"Memo: {escape_html(d.memo)}")
        if d.reference:
            lines.append(f"Reference: {escape_html(d.reference)}")
        self.summary.setText(_items(lines))
        self.receipt.show_receipts(d.receipts)
        self._show_fields(d)
        self.coding.setText(self._coding_text(d))
        self.approvals.setText(self._approvals_text(d))
        self.dedupe.setText(self._dedupe_text(d))
        self.lineage.setText(self._lineage_text(d))

    def _show_fields(self, d: ExpenseDetail) -> None:
        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)
        if not d.fields:
            self.fields_form.addRow(QLabel("None recorded."))
        for name, value in d.fields:
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields_form.addRow(name.replace("_", " ").capitalize() + ":", label)

    @staticmethod
    def _coding_text(d: ExpenseDetail) -> str:
        current = next((c for c in d.coding if c.current), None)
        if current is None:
            return "Not coded yet."
        lines = [f"State: {escape_html(current.state)}"]
        if current.template:
            lines.append(f"Template <b>{escape_html(current.template)}</b> version {current.template_version}")
        if current.rules_fired:
            lines.append("Rules applied: " + ", ".join(escape_html(r) for r in current.rules_fired))
        else:
            lines.append("No rule changed its coding.")
        if current.required_levels:
            lines.append("Approval levels: " + ", ".join(escape_html(x) for x in current.required_levels))
        for problem in current.problems:
            lines.append(f"Problem: {escape_html(problem)}")
        if current.skip_reason:
            lines.append(f"Skipped: {escape_html(current.skip_reason)}")
        earlier = len(d.coding) - 1
        if earlier > 0:
            lines.append(f"{earlier} earlier coding round(s) kept in its history.")
        return _items(lines)

    @staticmethod
    def _approvals_text(d: ExpenseDetail) -> str:
        if not d.approvals:
            return "No decisions yet."
        lines = []
        for a in d.approvals:
            note = f": “{escape_html(a.comment)}”" if a.comment else ""
            old = "" if a.current else " (earlier round)"
            lines.append(f"{escape_html(a.decision.capitalize())} at {escape_html(a.level)} by {escape_html(a.actor)}, "
                         f"{escape_html(format_datetime(a.at))}{note}{old}")
        return _items(lines)

    @staticmethod
    def _dedupe_text(d: ExpenseDetail) -> str:
        if not d.dedupe:
            return "No duplicate checks recorded (it was not imported through the importer)."
        lines = []
        for x in d.dedupe:
            where = f"import #{x.batch_id}" + (f", line {x.line}" if x.line else "")
            matched = f" → matches expense #{x.matched_expense_id}" if x.matched_expense_id else ""
            detail = f" ({escape_html(x.detail)})" if x.detail else ""
            lines.append(f"{escape_html(x.outcome.capitalize())} by rule {escape_html(x.rule)}, {escape_html(where)}{matched}{detail}")
        return _items(lines)

    @staticmethod
    def _lineage_text(d: ExpenseDetail) -> str:
        lines = []
        for step in d.lineage:
            mark = "●" if step.exists else "○"
            style = "" if step.exists else ' style="color: gray"'
            lines.append(f"<span{style}>{mark} <b>{escape_html(step.label)}</b>: {escape_html(step.value)}</span>")
        return _items(lines)
