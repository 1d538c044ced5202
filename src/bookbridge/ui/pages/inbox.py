"""The Inbox: what needs a person now, each with the action that deals with it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import escape_html, format_count
from bookbridge.ui.models.book_facts import InboxCounts, inbox_counts
from bookbridge.ui.models.expense_query import ExpenseFilter
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, IMPORTS, SYNC, AppContext, Page


class InboxPage(Page):
    """One line per kind of work waiting, with its count and a button to do it."""

    key = "inbox"
    title = "Inbox"
    areas = frozenset({EXPENSES, IMPORTS, APPROVALS, SYNC})

    # kind -> (what it is, button text)
    KINDS = {
        "uncoded": ("Expenses not coded yet (no mapping fits, or coding has not run)", "Review"),
        "awaiting_approval": ("Expenses awaiting approval", "Approve…"),
        "conflicts": ("Conflicts: a source sent a second version of an expense", "Review"),
        "rejected": ("Rejected expenses sent back for correction", "Review"),
    }

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.counts: InboxCounts | None = None
        self._generation = 0
        box = QGroupBox("Needs a person")
        grid = QGridLayout(box)
        self.count_labels: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        for row, (kind, (text, button_text)) in enumerate(self.KINDS.items()):
            count = QLabel("–")
            count.setObjectName(f"inbox_count_{kind}")
            button = QPushButton(button_text)
            button.setObjectName(f"inbox_action_{kind}")
            button.clicked.connect(lambda _checked=False, k=kind: self.act(k))
            grid.addWidget(count, row, 0)
            grid.addWidget(QLabel(text), row, 1)
            grid.addWidget(button, row, 2)
            self.count_labels[kind] = count
            self.buttons[kind] = button
        grid.setColumnStretch(1, 1)
        self.reasons = QLabel()
        self.reasons.setObjectName("inboxReasons")
        self.reasons.setWordWrap(True)
        self.rejected_rows = QLabel()
        self.rejected_rows.setObjectName("inboxRejectedRows")
        self.rejected_rows.setWordWrap(True)
        self.coming = QLabel("Failed posts, conflicts with the accounting system and other problems that need a "
                             "person wait in the exception queue, with their owner and deadline.")
        self.coming.setWordWrap(True)
        self.open_exceptions = QPushButton("Open the exception queue")
        self.open_exceptions.setObjectName("inboxOpenExceptions")
        self.open_exceptions.clicked.connect(lambda: self.ctx.navigate("exceptions"))
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(self.reasons)
        layout.addWidget(self.rejected_rows)
        layout.addWidget(self.coming)
        layout.addWidget(self.open_exceptions, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def reload(self) -> None:
        book = self.ctx.book
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit("Reading the inbox", lambda progress, cancel: inbox_counts(book))
        handle.succeeded.connect(lambda counts: self._show(generation, counts))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.counts = None

    def _show(self, generation: int, counts: InboxCounts) -> None:
        if generation != self._generation:
            return
        self.counts = counts
        values = {"uncoded": counts.uncoded, "awaiting_approval": counts.awaiting_approval,
                  "conflicts": counts.conflicts, "rejected": counts.rejected}
        for kind, value in values.items():
            self.count_labels[kind].setText(format_count(value))
            self.buttons[kind].setEnabled(value > 0)
        if counts.blocked_reasons:
            lines = ", ".join(f"{escape_html(code.replace('_', ' '))} ({format_count(n)})" for code, n in counts.blocked_reasons)
            self.reasons.setText(f"Why coding is blocked: {lines}.")
        else:
            self.reasons.clear()
        self.rejected_rows.setText(
            f"{format_count(counts.rejected_rows)} rows were rejected by imports; the Import page shows why "
            "before you import." if counts.rejected_rows else "")

    def act(self, kind: str) -> None:
        """Go where the work is done."""
        if kind == "awaiting_approval":
            self.ctx.navigate("approvals")
            return
        status = {"uncoded": "imported", "conflicts": "conflict", "rejected": "rejected"}[kind]
        self.ctx.navigate("expenses", ExpenseFilter(statuses=frozenset({status})))
