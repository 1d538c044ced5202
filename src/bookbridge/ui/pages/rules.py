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
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QTabWidget, QWidget

from bookbridge.coding.edits import ImportResult
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.models.template_facts import Published, TemplateState, VersionRow, check_rules_job
from bookbridge.ui.models.template_models import ExpenseChangesModel, RulesModel
from bookbridge.ui.pages.base import AppContext
from bookbridge.ui.tasks import Lane
from bookbridge.ui.widgets.page_parts import button, grid, sentence, shortcuts, stacked
from bookbridge.ui.widgets.version_browser import TEMPLATES, VersionedTemplatePage, refusal_text


class RulesPage(VersionedTemplatePage):
    """Rules in run order, a YAML editor with preview, save to draft, publish."""

    key = "rules"
    title = "Rules"
    publish_name = "rulesPublish"
    reading = "Reading rules"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, RulesModel(), parent)
        self.model.setParent(self)
        self.preview: ImportResult | None = None
        self._previewed_text: str | None = None

        self.editor.editor.textChanged.connect(self._update_buttons)
        self.preview_button = button("Preview  (F5)", "rulesPreview", self.run_preview)
        self.save_button = button("Save in the draft  (Ctrl+S)", "rulesSave", self.save)
        self.message = sentence("rulesMessage", "Edit the rules, then Preview: you see which expenses they would code "
                                "differently before anything is saved.")
        self.changes = ExpenseChangesModel(self)
        changes_proxy = TypedSortProxy(self)
        changes_proxy.setSourceModel(self.changes)
        self.changes_table = grid("rulesChanges", changes_proxy)
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
        edit_tab = stacked(edit_split, buttons, stretch=edit_split)

        tabs = QTabWidget()
        tabs.addTab(self.version_tab, "Rules in the order they run")
        tabs.addTab(edit_tab, "Edit and preview")
        shortcuts(self.editor, ("F5",), self.run_preview)
        self._place(self.versions, tabs, (330, 790))

    # --- Page -------------------------------------------------------------------------------------------
    def clear(self) -> None:
        super().clear()
        self.changes.set_items([])

    def _loaded(self, state: TemplateState) -> None:
        self.editor.set_text(state.rules_text)
        self.preview, self._previewed_text = None, None
        self.changes.set_items([])
        self._update_buttons()

    def _show_version(self, version: VersionRow | None) -> None:
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
        super()._update_buttons()

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
            self.message.setText(refusal_text(result))
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
    def _published(self, result: Published) -> None:
        self.message.setText(result.coding)
