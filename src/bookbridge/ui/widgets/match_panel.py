"""The selected statement line beside the expense(s) the matcher suggests, with the decision buttons.

Shows the line, then either its decided match (who accepted it, or the explanation) with Undo,
or its suggestions (score, the matcher's explanation and each expense) with Accept, Reject and
Explain. When a line has several suggestions they are listed and the chosen one is decided on.
The panel only emits what the person asked for; the page runs the decision.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from bookbridge.ui.formatting import escape_html, format_date, format_datetime, format_money
from bookbridge.ui.models.reconcile_facts import LineRow
from bookbridge.ui.models.reconcile_models import target_text

MATCH_ROLE = Qt.ItemDataRole.UserRole


class MatchPanel(QGroupBox):
    """Line, suggested or decided match, and Accept / Reject / Undo / Explain.

    Signals:
        accept_requested(int), reject_requested(int), undo_requested(int): a match id.
        explain_requested(int): a statement line id (the page asks for the note).
    """

    accept_requested = Signal(int)
    reject_requested = Signal(int)
    undo_requested = Signal(int)
    explain_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Suggested match", parent)
        self.setObjectName("matchPanel")
        self.line: LineRow | None = None
        self._locked = False
        self.line_label = QLabel("Select a statement line.")
        self.line_label.setObjectName("matchLine")
        self.line_label.setWordWrap(True)
        self.line_label.setTextFormat(Qt.TextFormat.RichText)
        self.choices = QListWidget()
        self.choices.setObjectName("matchChoices")
        self.choices.setWordWrap(True)
        self.choices.currentItemChanged.connect(lambda _c, _p: self._show_choice())
        self.explanation = QLabel()
        self.explanation.setObjectName("matchExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.accept_button = self._button("Accept  (A)", "acceptMatch", lambda: self._emit(self.accept_requested))
        self.reject_button = self._button("Reject  (R)", "rejectMatch", lambda: self._emit(self.reject_requested))
        self.undo_button = self._button("Undo  (U)", "undoMatch", lambda: self._emit(self.undo_requested, undo=True))
        self.explain_button = self._button("Explain…  (E)", "explainLine", self._explain)
        self.explain_button.setToolTip("A line with nothing to match (a bank fee, interest, a transfer): say why")
        buttons = QHBoxLayout()
        for button in (self.undo_button, self.explain_button, self.reject_button, self.accept_button):
            buttons.addWidget(button)
        buttons.insertStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.line_label)
        layout.addWidget(self.choices, 1)
        layout.addWidget(self.explanation, 1)
        layout.addLayout(buttons)
        self.show_line(None)

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # --- showing ------------------------------------------------------------------------------------------
    def show_line(self, line: LineRow | None, *, locked: bool = False) -> None:
        self.line = line
        self._locked = locked
        self.choices.clear()
        if line is None:
            self.line_label.setText("Select a statement line. ↑/↓ move, A accepts, R rejects, U undoes, E explains.")
            self.explanation.clear()
            self.choices.hide()
            self._update_buttons()
            return
        self.line_label.setText(
            f"<b>{escape_html(line.payee or 'No payee')}</b> — {escape_html(format_money(line.amount))}<br>"
            f"{escape_html(format_date(line.booked))} · {escape_html(line.account)}"
            + (f" · {escape_html(line.memo)}" if line.memo else ""))
        shown = [line.decided] if line.decided is not None else list(line.suggestions)
        for match in shown:
            label = ("Explained" if match.get("shape") == "explained"
                     else f"{float(match['score']):.2f}  " + "; ".join(target_text(t) for t in match.get("targets") or []))
            item = QListWidgetItem(label)
            item.setData(MATCH_ROLE, match)
            self.choices.addItem(item)
        self.choices.setVisible(len(shown) > 1)
        if shown:
            self.choices.setCurrentRow(0)
        else:
            self.explanation.setText("The matcher found no expense for this line. Explain it (a bank fee, interest, a "
                                     "transfer) or import the missing expense and find matches again.")
        self._update_buttons()

    def current_match(self) -> dict[str, Any] | None:
        item = self.choices.currentItem()
        return item.data(MATCH_ROLE) if item is not None else None

    def _show_choice(self) -> None:
        match = self.current_match()
        if match is None:
            self._update_buttons()
            return
        if match["status"] == "accepted":
            who = f"{escape_html(match.get('decided_by') or '?')}, {escape_html(format_datetime(match.get('decided_at')))}"
            head = "Explained" if match.get("shape") == "explained" else f"Matched (score {float(match['score']):.2f})"
            lines = [f"<b>{head}</b> by {who}"]
        else:
            lines = [f"<b>Score {float(match['score']):.2f}</b> ({escape_html(str(match.get('band')))} band)"]
        for target in match.get("targets") or []:
            lines.append("• " + escape_html(target_text(target)))
        lines.append(f"<i>{escape_html(str(match.get('explanation') or ''))}</i>")
        self.explanation.setText("<br>".join(lines))
        self._update_buttons()

    def _update_buttons(self) -> None:
        match = self.current_match()
        suggested = match is not None and match["status"] == "suggested" and not self._locked
        self.accept_button.setEnabled(suggested)
        self.reject_button.setEnabled(suggested)
        self.undo_button.setEnabled(match is not None and match["status"] == "accepted" and not self._locked)
        self.explain_button.setEnabled(self.line is not None and self.line.status == "unmatched" and not self._locked)

    # --- asking -------------------------------------------------------------------------------------------
    def _emit(self, signal, *, undo: bool = False) -> None:
        match = self.current_match()
        wanted = "accepted" if undo else "suggested"
        if match is not None and match["status"] == wanted and not self._locked:
            signal.emit(int(match["match_id"]))

    def _explain(self) -> None:
        if self.line is not None and self.explain_button.isEnabled():
            self.explain_requested.emit(self.line.id)

    def act(self, action: str) -> None:
        """Keyboard entry point: "accept", "reject", "undo" or "explain" (ignored when not possible)."""
        button = {"accept": self.accept_button, "reject": self.reject_button, "undo": self.undo_button,
                  "explain": self.explain_button}[action]
        if button.isEnabled():
            button.click()
