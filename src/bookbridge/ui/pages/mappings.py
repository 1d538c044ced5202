"""The Mappings page: which ledger account each category goes to, version by version.

Left, the template and its history (the draft, then every published version with author, date
and note). Right, three views of it:

* **Mappings**: the selected version's category → account table, as a bookkeeper reads it;
* **Edit**: the template as YAML (the file a firm keeps in version control), with line numbers;
  Check validates it and lists every problem with its line, Save keeps it as the draft
  (``coding.edits.import_template``) — nothing is coded with it until it is published;
* **Compare**: the differences between any two versions (or the draft), per mapping and rule.

"Publish draft…" and "Roll back to this version…" open a preview of what changes (the diff and
every not-yet-posted expense coded differently) before anything is published.

Keyboard: Ctrl+S saves the draft, Ctrl+Shift+P publishes, F7 checks (in the editor).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bookbridge.coding.edits import ImportResult
from bookbridge.ui.dialogs.publish_dialog import PublishDialog
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.template_facts import (
    DRAFT,
    TemplateState,
    check_template_job,
    code_job,
    diff_versions,
    discard_job,
    read_templates,
)
from bookbridge.ui.models.template_models import MappingsModel
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, AppContext, Page
from bookbridge.ui.settings import remember_splitter
from bookbridge.ui.tasks import Lane
from bookbridge.ui.widgets.diff_view import DiffView
from bookbridge.ui.widgets.template_browser import TemplateBrowser
from bookbridge.ui.widgets.yaml_editor import YamlEditor

TEMPLATES = "templates"


class MappingsPage(Page):
    """Template versions, the mapping table, the YAML editor, compare, publish and rollback."""

    key = "mappings"
    title = "Mappings"
    areas = frozenset({TEMPLATES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.state: TemplateState | None = None
        self.dialog: PublishDialog | None = None
        self.last_check: ImportResult | None = None
        self._generation = 0
        self._wanted: str | None = None
        self._select: int | None = None

        self.browser = TemplateBrowser("mappings")
        self.browser.template_chosen.connect(self._template_chosen)
        self.browser.version_chosen.connect(self._show_version)

        self.model = MappingsModel(self)
        self.table = QTableView()
        self.table.setObjectName("mappingsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.showing = QLabel()
        self.showing.setObjectName("mappingsShowing")
        self.showing.setWordWrap(True)
        mappings_tab = QWidget()
        mappings_layout = QVBoxLayout(mappings_tab)
        mappings_layout.addWidget(self.showing)
        mappings_layout.addWidget(self.table, 1)

        self.editor = YamlEditor()
        self.editor.setObjectName("mappingsEditor")
        self.check_button = self._button("Check  (F7)", "mappingsCheck", self.check)
        self.save_button = self._button("Save as draft  (Ctrl+S)", "mappingsSave", self.save)
        self.revert_button = self._button("Revert", "mappingsRevert", self._revert)
        self.edit_message = QLabel("Edit the template, then Check it; Save keeps it as the draft.")
        self.edit_message.setObjectName("mappingsEditMessage")
        self.edit_message.setWordWrap(True)
        edit_buttons = QHBoxLayout()
        edit_buttons.addWidget(self.edit_message, 1)
        for button in (self.revert_button, self.check_button, self.save_button):
            edit_buttons.addWidget(button)
        edit_tab = QWidget()
        edit_layout = QVBoxLayout(edit_tab)
        edit_layout.addWidget(self.editor, 1)
        edit_layout.addLayout(edit_buttons)

        self.compare_from = QComboBox()
        self.compare_from.setObjectName("compareFrom")
        self.compare_to = QComboBox()
        self.compare_to.setObjectName("compareTo")
        for combo in (self.compare_from, self.compare_to):
            combo.currentIndexChanged.connect(lambda _i: self.compare())
        self.diff = DiffView()
        self.diff.setObjectName("mappingsDiff")
        compare_row = QHBoxLayout()
        compare_row.addWidget(QLabel("From:"))
        compare_row.addWidget(self.compare_from)
        compare_row.addWidget(QLabel("to:"))
        compare_row.addWidget(self.compare_to)
        compare_row.addStretch(1)
        compare_tab = QWidget()
        compare_layout = QVBoxLayout(compare_tab)
        compare_layout.addLayout(compare_row)
        compare_layout.addWidget(self.diff, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mappingsTabs")
        self.tabs.addTab(mappings_tab, "Mappings")
        self.tabs.addTab(edit_tab, "Edit (YAML)")
        self.tabs.addTab(compare_tab, "Compare versions")

        self.publish_button = self._button("Publish draft…  (Ctrl+Shift+P)", "publishDraft", lambda: self.open_publish())
        self.rollback_button = self._button("Roll back to this version…", "rollbackVersion",
                                            lambda: self.open_publish(rollback=True))
        self.discard_button = self._button("Discard draft", "discardDraft", self.discard)
        self.code_button = self._button("Code expenses now", "codeExpenses", self.code_expenses)
        self.code_button.setToolTip("Code every expense not yet posted with the versions in force (after an import, "
                                    "or to retry those that could not be coded)")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.browser, 1)
        actions = QHBoxLayout()
        for button in (self.publish_button, self.rollback_button, self.discard_button):
            actions.addWidget(button)
        left_layout.addLayout(actions)
        self.code_message = QLabel()
        self.code_message.setObjectName("codeMessage")
        self.code_message.setWordWrap(True)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code_message, 1)
        code_row.addWidget(self.code_button)
        left_layout.addLayout(code_row)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mappingsSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([360, 760])
        remember_splitter(self.splitter, "mappings")
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        for key, slot, widget in (("Ctrl+S", self.save, self), ("Ctrl+Shift+P", lambda: self.open_publish(), self),
                                  ("F7", self.check, self.editor)):
            shortcut = QShortcut(QKeySequence(key), widget)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._update_buttons()

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # --- Page -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        book, wanted = self.ctx.book, self._wanted
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit("Reading mapping templates", lambda progress, cancel: read_templates(book, wanted))
        handle.succeeded.connect(lambda state: self._loaded(generation, state))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.state = None
        self.model.set_items([])
        self.editor.set_text("")

    def _loaded(self, generation: int, state: TemplateState) -> None:
        if generation != self._generation:
            return
        self.state = state
        self.browser.set_state(state, select=self._select)
        self._select = None
        self.editor.set_text(state.template_text)
        self.last_check = None
        for combo in (self.compare_from, self.compare_to):
            combo.blockSignals(True)
            combo.clear()
            for version in state.versions:
                combo.addItem(version.label, version.number)
            combo.blockSignals(False)
        self.compare_to.setCurrentIndex(0)
        self.compare_from.setCurrentIndex(min(1, self.compare_from.count() - 1))
        self.compare()
        self._update_buttons()

    def _template_chosen(self, name: str) -> None:
        self._wanted = name
        self.refresh()

    def _show_version(self, number: int) -> None:
        version = self.state.version(number) if self.state else None
        self.model.set_items(version.spec.mappings if version else ())
        self.table.resizeColumnsToContents()
        if version is not None:
            self.showing.setText(f"{version.label}: {format_count(len(version.spec.mappings))} mappings, "
                                 f"{format_count(len(version.spec.rules))} rules. Blank Posted as and Credit follow how "
                                 "the expense was paid (card, reimbursable, bill...).")
        self._update_buttons()

    def _update_buttons(self) -> None:
        state = self.state
        has_draft = state is not None and state.draft_base is not None
        chosen = self.browser.selected_number()
        self.publish_button.setEnabled(has_draft)
        self.discard_button.setEnabled(has_draft)
        self.rollback_button.setEnabled(state is not None and chosen not in (None, DRAFT, state.latest))
        self.save_button.setEnabled(self.ctx.book is not None)

    # --- compare ------------------------------------------------------------------------------------------
    def compare(self) -> None:
        if self.state is None or self.compare_to.currentData() is None:
            self.diff.show_diff([])
            return
        old = self.compare_from.currentData()
        new = self.compare_to.currentData()
        self.diff.show_diff(diff_versions(self.state, old if old != new else None, new) if old != new else [])

    # --- edit ---------------------------------------------------------------------------------------------
    def check(self) -> None:
        self._submit_check(save=False)

    def save(self) -> None:
        self._submit_check(save=True)

    def _submit_check(self, *, save: bool) -> None:
        if self.ctx.book is None:
            return
        job = check_template_job(self.ctx.book, self.editor.text(), self.ctx.actor(), save=save)
        handle = self.ctx.runner.submit("Saving the draft" if save else "Checking the template", job,
                                        lane=Lane.BOOK_WRITE if save else Lane.READ)
        handle.succeeded.connect(lambda result: self._checked(result, save))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def _checked(self, result: ImportResult, save: bool) -> None:
        self.last_check = result
        self.editor.show_issues(result.issues)
        errors = sum(1 for i in result.issues if i.severity.value == "error")
        if not result.ok:
            self.edit_message.setText(f"{format_count(errors)} error(s): nothing was saved. Click one to go to its line.")
            return
        self.diff.show_diff(result.diff)
        if save and result.saved:
            self.edit_message.setText(f"Saved as the draft of {result.template}: {format_count(len(result.diff))} "
                                      "change(s). Publish it to start coding with it.")
            self._wanted, self._select = result.template, DRAFT
            self.ctx.notify_changed(TEMPLATES)
        else:
            self.edit_message.setText(f"No errors; {format_count(len(result.diff))} change(s) against the published "
                                      "version (see Compare versions).")

    def _revert(self) -> None:
        if self.state is not None:
            self.editor.set_text(self.state.template_text)
            self.edit_message.setText("Back to the text of the draft (or the newest version).")

    # --- publish, rollback, discard ---------------------------------------------------------------------
    def open_publish(self, *, rollback: bool = False) -> PublishDialog | None:
        state = self.state
        if state is None or state.name is None or self.ctx.book is None:
            return None
        target = self.browser.selected_number() if rollback else None
        if (rollback and target in (None, DRAFT, state.latest)) or (not rollback and state.draft_base is None):
            return None
        self.dialog = PublishDialog(self.ctx, state.name, self, rollback_to=target)
        self.dialog.published.connect(self._published)
        self.dialog.open()
        return self.dialog

    def _published(self, result) -> None:
        self._select = result.info.number
        self.code_message.setText(result.coding)
        self.ctx.notify_changed(TEMPLATES, EXPENSES, APPROVALS)
        self.ctx.say(f"Published {result.info.template} version {result.info.number}. {result.coding}")

    def code_expenses(self):
        """Run the coding service over every not-yet-posted expense (book-write lane)."""
        if self.ctx.book is None:
            return None
        self.code_button.setEnabled(False)
        self.code_message.setText("Coding…")
        handle = self.ctx.runner.submit("Coding expenses", code_job(self.ctx.book, self.ctx.actor()),
                                        lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(self._coded)
        handle.failed.connect(lambda exc: (self.code_button.setEnabled(True), show_error(self, exc)))
        return handle

    def _coded(self, text: str) -> None:
        self.code_button.setEnabled(True)
        self.code_message.setText(text)
        self.ctx.notify_changed(EXPENSES, APPROVALS)

    def discard(self) -> None:
        state = self.state
        if state is None or state.name is None or state.draft_base is None or self.ctx.book is None:
            return
        handle = self.ctx.runner.submit("Discarding the draft", discard_job(self.ctx.book, state.name, self.ctx.actor()),
                                        lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(lambda text: (self.ctx.say(text), self.ctx.notify_changed(TEMPLATES)))
        handle.failed.connect(lambda exc: show_error(self, exc))
