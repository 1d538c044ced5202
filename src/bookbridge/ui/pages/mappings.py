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

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QWidget

from bookbridge.coding.edits import ImportResult
from bookbridge.ui.dialogs.publish_dialog import PublishDialog
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.template_facts import (
    DRAFT,
    Published,
    TemplateState,
    VersionRow,
    check_template_job,
    code_job,
    diff_versions,
    discard_job,
)
from bookbridge.ui.models.template_models import MappingsModel
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, AppContext
from bookbridge.ui.tasks import Lane
from bookbridge.ui.widgets.diff_view import DiffView
from bookbridge.ui.widgets.page_parts import button, sentence, shortcuts, stacked
from bookbridge.ui.widgets.version_browser import TEMPLATES, VersionedTemplatePage, refusal_text

__all__ = ["MappingsPage", "TEMPLATES"]


class MappingsPage(VersionedTemplatePage):
    """Template versions, the mapping table, the YAML editor, compare, publish and rollback."""

    key = "mappings"
    title = "Mappings"
    publish_name = "publishDraft"
    reading = "Reading mapping templates"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, MappingsModel(), parent)
        self.model.setParent(self)
        self.last_check: ImportResult | None = None

        self.check_button = button("Check  (F7)", "mappingsCheck", self.check)
        self.save_button = button("Save as draft  (Ctrl+S)", "mappingsSave", self.save)
        self.revert_button = button("Revert", "mappingsRevert", self._revert)
        self.edit_message = sentence("mappingsEditMessage", "Edit the template, then Check it; Save keeps it as the draft.")
        edit_buttons = QHBoxLayout()
        edit_buttons.addWidget(self.edit_message, 1)
        for pushed in (self.revert_button, self.check_button, self.save_button):
            edit_buttons.addWidget(pushed)
        edit_tab = stacked(self.editor, edit_buttons, stretch=self.editor)

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
        compare_tab = stacked(compare_row, self.diff, stretch=self.diff)

        tabs = QTabWidget()
        tabs.addTab(self.version_tab, "Mappings")
        tabs.addTab(edit_tab, "Edit (YAML)")
        tabs.addTab(compare_tab, "Compare versions")

        self.rollback_button = button("Roll back to this version…", "rollbackVersion",
                                      lambda: self.open_publish(rollback=True))
        self.discard_button = button("Discard draft", "discardDraft", self.discard)
        for action in (self.rollback_button, self.discard_button):
            self.versions.add_action(action)
        self.code_button = button("Code expenses now", "codeExpenses", self.code_expenses)
        self.code_button.setToolTip("Code every expense not yet posted with the versions in force (after an import, "
                                    "or to retry those that could not be coded)")
        self.code_message = sentence("codeMessage")
        code_row = QHBoxLayout()
        code_row.addWidget(self.code_message, 1)
        code_row.addWidget(self.code_button)
        left = stacked(self.versions, code_row, stretch=self.versions)
        left.layout().setContentsMargins(0, 0, 0, 0)
        shortcuts(self.editor, ("F7",), self.check)
        self._place(left, tabs, (360, 760))

    def _loaded(self, state: TemplateState) -> None:
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

    def _show_version(self, version: VersionRow | None) -> None:
        self.model.set_items(version.spec.mappings if version else ())
        self.table.resizeColumnsToContents()
        if version is not None:
            self.showing.setText(f"{version.label}: {format_count(len(version.spec.mappings))} mappings, "
                                 f"{format_count(len(version.spec.rules))} rules. Blank Posted as and Credit follow how "
                                 "the expense was paid (card, reimbursable, bill...).")
        self._update_buttons()

    def _update_buttons(self) -> None:
        super()._update_buttons()
        self.discard_button.setEnabled(self.versions.has_draft())
        self.rollback_button.setEnabled(self.versions.can_roll_back())
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
        if not result.ok:
            self.edit_message.setText(refusal_text(result))
            return
        self.diff.show_diff(result.diff)
        if save and result.saved:
            self.edit_message.setText(f"Saved as the draft of {result.template}: {format_count(len(result.diff))} "
                                      "change(s). Publish it to start coding with it.")
            self.versions.select_after_reload(DRAFT, template=result.template)
            self.ctx.notify_changed(TEMPLATES)
        else:
            self.edit_message.setText(f"No errors; {format_count(len(result.diff))} change(s) against the published "
                                      "version (see Compare versions).")

    def _revert(self) -> None:
        if self.state is not None:
            self.editor.set_text(self.state.template_text)
            self.edit_message.setText("Back to the text of the draft (or the newest version).")

    # --- publish, rollback, discard ---------------------------------------------------------------------
    def open_publish(self, *, rollback: bool = False) -> PublishDialog | None:  # type: ignore[override]
        return self.versions.open_publish(rollback=rollback)

    def _published(self, result: Published) -> None:
        self.versions.select_after_reload(result.info.number)
        self.code_message.setText(result.coding)

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
