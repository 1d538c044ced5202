"""The approval policy editor: levels (when each applies, who approves it) and who holds which role.

It only collects what is typed: rows go out as a :class:`~bookbridge.ui.models.policy_facts.PolicyForm`
and come back the same way. Whether the policy is valid, and saving it, belong to the approvals
service, reached through the page's jobs; its problems are listed here in its own words.

Signals:
    save_requested(object, bool): the form to save, and whether to code the expenses again now.
    revert_requested(): read the policy in the book again, dropping the edits.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bookbridge.ui.models.policy_facts import LevelForm, PersonForm, PolicyForm
from bookbridge.ui.widgets.page_parts import button, sentence

LEVEL_HEADERS = ("Level", "Amount over", "Categories", "Field conditions", "Flagged only", "Approver roles",
                 "Approver names")
LEVEL_TIPS = ("The level's name, as the queue shows it",
              "Needed only above this amount in the home currency (blank: any amount)",
              "Needed only for these categories, comma-separated (blank: any)",
              "Custom field tests, semicolon-separated: litres > 300; vehicle_type = reefer",
              "Needed only for expenses flagged for review",
              "Roles that may approve it, comma-separated", "People who may approve it, comma-separated")
FLAGGED = 4  # the check-box column
PEOPLE_HEADERS = ("Person", "Roles")


def _grid(name: str, headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


class ApprovalPolicyEditor(QWidget):
    """Two editable grids (levels, people), their row buttons, Save and Revert."""

    save_requested = Signal(object, bool)
    revert_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.levels = _grid("policyLevels", LEVEL_HEADERS)
        for column, tip in enumerate(LEVEL_TIPS):
            self.levels.horizontalHeaderItem(column).setToolTip(tip)
        self.people = _grid("policyPeople", PEOPLE_HEADERS)
        level_buttons = QHBoxLayout()
        for text, name, slot in (("Add level", "addLevel", lambda: self.add_level(LevelForm())),
                                 ("Remove level", "removeLevel", lambda: self._remove(self.levels)),
                                 ("Move up", "levelUp", lambda: self._move(-1)),
                                 ("Move down", "levelDown", lambda: self._move(1))):
            level_buttons.addWidget(button(text, name, slot))
        level_buttons.addStretch(1)
        people_buttons = QHBoxLayout()
        people_buttons.addWidget(button("Add person", "addPerson", lambda: self.add_person(PersonForm())))
        people_buttons.addWidget(button("Remove person", "removePerson", lambda: self._remove(self.people)))
        people_buttons.addStretch(1)
        self.code_now = QCheckBox("Code the expenses not yet posted with it now (they then wait for its levels)")
        self.code_now.setObjectName("policyCodeNow")
        self.code_now.setChecked(True)
        self.save_button = button("Save policy", "savePolicy",
                                  lambda: self.save_requested.emit(self.form(), self.code_now.isChecked()))
        self.revert_button = button("Revert", "revertPolicy", self.revert_requested.emit)
        self.message = sentence("policyMessage", "Levels are checked from the top; an expense needs every level "
                                "whose conditions it meets. Save replaces the book's policy.")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        save_row = QHBoxLayout()
        save_row.addWidget(self.code_now, 1)
        save_row.addWidget(self.revert_button)
        save_row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Approval levels, in the order they are asked for:"))
        layout.addWidget(self.levels, 3)
        layout.addLayout(level_buttons)
        layout.addWidget(QLabel("People and their roles:"))
        layout.addWidget(self.people, 2)
        layout.addLayout(people_buttons)
        layout.addLayout(save_row)
        layout.addWidget(self.message)

    # --- in -----------------------------------------------------------------------------------------
    def set_form(self, form: PolicyForm) -> None:
        """Show ``form`` (the policy in the book), replacing whatever was typed."""
        for table in (self.levels, self.people):
            table.setRowCount(0)
        for level in form.levels:
            self.add_level(level)
        for person in form.people:
            self.add_person(person)
        self.levels.resizeColumnsToContents()

    def add_level(self, level: LevelForm) -> int:
        """Append a level row (``LevelForm()``: an empty one to fill in); returns its row."""
        texts = (level.name, level.amount_over, level.categories, level.fields, None, level.roles, level.names)
        row = self._append(self.levels, texts)
        flagged = QTableWidgetItem()
        flagged.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
        flagged.setCheckState(Qt.CheckState.Checked if level.flagged else Qt.CheckState.Unchecked)
        self.levels.setItem(row, FLAGGED, flagged)
        return row

    def add_person(self, person: PersonForm) -> int:
        return self._append(self.people, (person.name, person.roles))

    def show_problems(self, problems: list[str]) -> None:
        self.message.setText("Not saved; the policy has problems:\n• " + "\n• ".join(problems))

    # --- out ----------------------------------------------------------------------------------------
    def form(self) -> PolicyForm:
        """The rows exactly as typed."""
        levels = tuple(
            LevelForm(*(_cell(self.levels, row, column) for column in range(FLAGGED)),
                      self.levels.item(row, FLAGGED).checkState() == Qt.CheckState.Checked,
                      *(_cell(self.levels, row, column) for column in range(FLAGGED + 1, len(LEVEL_HEADERS))))
            for row in range(self.levels.rowCount()))
        people = tuple(PersonForm(_cell(self.people, row, 0), _cell(self.people, row, 1))
                       for row in range(self.people.rowCount()))
        return PolicyForm(levels, people)

    # --- rows ---------------------------------------------------------------------------------------
    @staticmethod
    def _append(table: QTableWidget, texts: tuple[str | None, ...]) -> int:
        row = table.rowCount()
        table.insertRow(row)
        for column, text in enumerate(texts):
            if text is not None:
                table.setItem(row, column, QTableWidgetItem(text))
        table.setCurrentCell(row, 0)
        return row

    @staticmethod
    def _remove(table: QTableWidget) -> None:
        if table.currentRow() >= 0:
            table.removeRow(table.currentRow())

    def _move(self, step: int) -> None:
        """Move the current level up or down (the order is the order levels are asked for)."""
        row, form = self.levels.currentRow(), self.form()
        target = row + step
        if row < 0 or not 0 <= target < len(form.levels):
            return
        levels = list(form.levels)
        levels[row], levels[target] = levels[target], levels[row]
        self.set_form(PolicyForm(tuple(levels), form.people))
        self.levels.setCurrentCell(target, 0)
