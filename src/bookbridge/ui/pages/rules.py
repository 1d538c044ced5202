"""The Rules page: the ordered rules of a template, edited with a preview before anything is saved.

Left, the template and its history (rules are versioned with their template). Right:

* **Rules**: the selected version's rules in the order they run (precedence), what each tests,
  what it does and whether it stops processing;
* **Edit and preview**: the rules as YAML. Preview validates them (problems listed with their
  line) and lists every not-yet-posted expense they would code differently, before → after
  (``coding.edits.import_rules`` in check mode: nothing is written). Save puts the rules in the
  template's draft, enabled once the text on screen has been previewed without errors.

Publishing the draft shows the publish preview first, as on the Mappings page.
Keyboard: F5 in the editor previews, Ctrl+S saves, Ctrl+Shift+P publishes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
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
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.models.template_facts import TemplateState, check_rules_job, read_templates
from bookbridge.ui.models.template_models import ExpenseChangesModel, RulesModel
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, AppContext, Page
from bookbridge.ui.pages.mappings import TEMPLATES
from bookbridge.ui.settings import remember_splitter
from bookbridge.ui.tasks import Lane
from bookbridge.ui.widgets.template_browser import TemplateBrowser
from bookbridge.ui.widgets.yaml_editor import YamlEditor


def _table(name: str, model) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


class RulesPage(Page):
    """Rules in run order, a YAML editor with preview, save to draft, publish."""

    key = "rules"
    title = "Rules"
    areas = frozenset({TEMPLATES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.state: TemplateState | None = None
        self.preview: ImportResult | None = None
        self.dialog: PublishDialog | None = None
        self._previewed_text: str | None = None
        self._generation = 0
        self._wanted: str | None = None

        self.browser = TemplateBrowser("rules")
        self.browser.template_chosen.connect(self._template_chosen)
        self.browser.version_chosen.connect(self._show_version)
        self.publish_button = QPushButton("Publish draft…  (Ctrl+Shift+P)")
        self.publish_button.setObjectName("rulesPublish")
        self.publish_button.clicked.connect(lambda: self.open_publish())
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.browser, 1)
        left_layout.addWidget(self.publish_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.model = RulesModel(self)
        self.table = _table("rulesTable", self.model)
        self.showing = QLabel()
        self.showing.setObjectName("rulesShowing")
        self.showing.setWordWrap(True)
        rules_tab = QWidget()
        rules_layout = QVBoxLayout(rules_tab)
        rules_layout.addWidget(self.showing)
        rules_layout.addWidget(self.table, 1)

        self.editor = YamlEditor()
        self.editor.setObjectName("rulesEditor")
        self.editor.editor.textChanged.connect(self._update_buttons)
        self.preview_button = QPushButton("Preview  (F5)")
        self.preview_button.setObjectName("rulesPreview")
        self.preview_button.clicked.connect(self.run_preview)
        self.save_button = QPushButton("Save in the draft  (Ctrl+S)")
        self.save_button.setObjectName("rulesSave")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("Edit the rules, then Preview: you see which expenses they would code differently "
                              "before anything is saved.")
        self.message.setObjectName("rulesMessage")
        self.message.setWordWrap(True)
        self.changes = ExpenseChangesModel(self)
        changes_proxy = TypedSortProxy(self)
        changes_proxy.setSourceModel(self.changes)
        self.changes_table = _table("rulesChanges", changes_proxy)
        self.changes_table.setSortingEnabled(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.save_button)
        edit_split = QSplitter(Qt.Orientation.Vertical)
        edit_split.setObjectName("rulesEditSplitter")
        edit_split.addWidget(self.editor)
        edit_split.addWidget(self.changes_table)
        edit_split.setStretchFactor(0, 3)
        edit_split.setStretchFactor(1, 2)
        edit_tab = QWidget()
        edit_layout = QVBoxLayout(edit_tab)
        edit_layout.addWidget(edit_split, 1)
        edit_layout.addLayout(buttons)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("rulesTabs")
        self.tabs.addTab(rules_tab, "Rules in the order they run")
        self.tabs.addTab(edit_tab, "Edit and preview")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("rulesSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([330, 790])
        remember_splitter(self.splitter, "rules")
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        for key, slot, widget in (("F5", self.run_preview, self.editor), ("Ctrl+S", self.save, self),
                                  ("Ctrl+Shift+P", lambda: self.open_publish(), self)):
            shortcut = QShortcut(QKeySequence(key), widget)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._update_buttons()

    # --- Page -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        book, wanted = self.ctx.book, self._wanted
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit("Reading rules", lambda progress, cancel: read_templates(book, wanted))
        handle.succeeded.connect(lambda state: self._loaded(generation, state))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.state = None
        self.model.set_items([])
        self.changes.set_items([])
        self.editor.set_text("")

    def _loaded(self, generation: int, state: TemplateState) -> None:
        if generation != self._generation:
            return
        self.state = state
        self.browser.set_state(state)
        self.editor.set_text(state.rules_text)
        self.preview, self._previewed_text = None, None
        self.changes.set_items([])
        self._update_buttons()

    def _template_chosen(self, name: str) -> None:
        self._wanted = name
        self.refresh()

    def _show_version(self, number: int) -> None:
        version = self.state.version(number) if self.state else None
        self.model.set_rules(version.spec.rules if version else ())
        self.table.resizeColumnsToContents()
        if version is not None:
            self.showing.setText(f"{version.label}: {format_count(len(version.spec.rules))} rules, run from the lowest "
                                 "number up; the first rule to set something keeps it.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.ctx.book is not None and self.state is not None and self.state.name is not None
        previewed = (self.preview is not None and self.preview.ok and self._previewed_text == self.editor.text())
        self.preview_button.setEnabled(ready)
        self.save_button.setEnabled(ready and previewed)
        self.publish_button.setEnabled(ready and self.state.draft_base is not None)

    # --- preview and save ----------------------------------------------------------------------------------
    def run_preview(self) -> None:
        self._submit(save=False)

    def save(self) -> None:
        if self.save_button.isEnabled():
            self._submit(save=True)

    def _submit(self, *, save: bool) -> None:
        if self.ctx.book is None or self.state is None or self.state.name is None:
            return
        text = self.editor.text()
        job = check_rules_job(self.ctx.book, text, self.ctx.actor(), self.state.name, save=save)
        handle = self.ctx.runner.submit("Saving rules" if save else "Previewing rules", job,
                                        lane=Lane.BOOK_WRITE if save else Lane.READ)
        handle.succeeded.connect(lambda result: self._done(result, text, save))
        handle.failed.connect(lambda exc: show_error(self, exc))
        self.message.setText("Saving…" if save else "Coding every not-yet-posted expense both ways…")

    def _done(self, result: ImportResult, text: str, save: bool) -> None:
        self.preview, self._previewed_text = result, text
        self.editor.show_issues(result.issues)
        self.changes.set_items(result.changes)
        self.changes_table.resizeColumnsToContents()
        if not result.ok:
            errors = sum(1 for i in result.issues if i.severity.value == "error")
            self.message.setText(f"{format_count(errors)} error(s): nothing was saved. Click one to go to its line.")
        elif save:
            self.message.setText(f"Saved in the draft of {result.template}. Publish the draft to start coding with "
                                 "these rules.")
            self.ctx.notify_changed(TEMPLATES)
        else:
            self.message.setText(f"{format_count(len(result.changes))} not-yet-posted expense(s) would be coded "
                                 f"differently (listed below); {format_count(len(result.diff))} change(s) to the rules. "
                                 "Save to keep them in the draft.")
        self._update_buttons()

    # --- publish ------------------------------------------------------------------------------------------
    def open_publish(self) -> PublishDialog | None:
        state = self.state
        if state is None or state.name is None or state.draft_base is None or self.ctx.book is None:
            return None
        self.dialog = PublishDialog(self.ctx, state.name, self)
        self.dialog.published.connect(self._published)
        self.dialog.open()
        return self.dialog

    def _published(self, result) -> None:
        self.message.setText(result.coding)
        self.ctx.notify_changed(TEMPLATES, EXPENSES, APPROVALS)
        self.ctx.say(f"Published {result.info.template} version {result.info.number}. {result.coding}")
