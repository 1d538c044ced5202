"""The versioned-template side of the Mappings and Rules pages: history, selection, publish.

Both pages show one mapping template (rules are versioned with their template): the template
picker and its version history (:class:`~bookbridge.ui.widgets.template_browser.TemplateBrowser`),
read off the GUI thread with only the newest read counting, and "Publish draft…", which opens the
publish preview (:class:`~bookbridge.ui.dialogs.publish_dialog.PublishDialog`) and announces
what a publish changed. :class:`VersionBrowser` does all of that once; each page keeps only what
it shows for a version and how it edits the draft.

Signals:
    template_chosen(str): the person picked another template (the page refreshes: it may be stale).
    loaded(object): a new :class:`~bookbridge.ui.models.template_facts.TemplateState`; the history
        already shows it.
    version_shown(object): the selected :class:`~bookbridge.ui.models.template_facts.VersionRow`, or
        None.
    published(object): a :class:`~bookbridge.ui.models.template_facts.Published` result; the
        changed areas were already announced.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from bookbridge.coding.edits import ImportResult
from bookbridge.ui.dialogs.publish_dialog import PublishDialog
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.record_table import RecordTableModel
from bookbridge.ui.models.template_facts import DRAFT, Published, TemplateState, VersionRow, read_templates
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, AppContext, Page
from bookbridge.ui.widgets.page_jobs import LatestRead
from bookbridge.ui.widgets.page_parts import button, grid, sentence, shortcuts, side_by_side, stacked
from bookbridge.ui.widgets.template_browser import TemplateBrowser
from bookbridge.ui.widgets.yaml_editor import YamlEditor

TEMPLATES = "templates"  # the area a template write changes (pages showing templates reload)
PUBLISH_KEY = "Ctrl+Shift+P"


def refusal_text(result: ImportResult) -> str:
    """What a check that found errors says: how many, that nothing was saved, how to find them."""
    errors = sum(1 for issue in result.issues if issue.severity.value == "error")
    return f"{format_count(errors)} error(s): nothing was saved. Click one to go to its line."


class VersionBrowser(QWidget):
    """Template picker, version history and "Publish draft…", loading on the page's task runner.

    Args:
        ctx: the application context (book, runner, who is working).
        name: prefix of the child widgets' object names (``mappings``, ``rules``).
        publish_name: the object name of the publish button.
        reading: what the status bar says while the templates are read.
    """

    template_chosen = Signal(str)
    loaded = Signal(object)
    version_shown = Signal(object)
    published = Signal(object)

    def __init__(self, ctx: AppContext, name: str, *, publish_name: str, reading: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state: TemplateState | None = None
        self.dialog: PublishDialog | None = None
        self._reading = reading
        self._reads = LatestRead(self, ctx.runner)
        self._wanted: str | None = None  # the template the person picked (None: the default one)
        self._select: int | None = None  # the version to select once the next read arrives

        self.browser = TemplateBrowser(name)
        self.browser.template_chosen.connect(self._template_chosen)
        self.browser.version_chosen.connect(self._version_chosen)
        self.publish_button = button(f"Publish draft…  ({PUBLISH_KEY})", publish_name, self.open_publish)
        self.actions = QHBoxLayout()
        self.actions.addWidget(self.publish_button)
        self.actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
        layout.addLayout(self.actions)

    def add_action(self, action: QPushButton) -> None:
        """Another button beside "Publish draft…" (before the stretch that keeps them left)."""
        self.actions.insertWidget(self.actions.count() - 1, action)

    # --- reading ----------------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the templates again (the selection stays, unless :meth:`select_after_reload` said otherwise)."""
        book, wanted = self.ctx.book, self._wanted
        self._reads.submit(self._reading, lambda progress, cancel: read_templates(book, wanted), self._loaded)

    def clear(self) -> None:
        self._reads.forget()
        self.state = None

    def select_after_reload(self, number: int, *, template: str | None = None) -> None:
        """Select version ``number`` (or DRAFT) of ``template`` (default: the one shown) when the next read arrives.

        For what was just written: the draft just saved, the version just published.
        """
        if template is not None:
            self._wanted = template
        self._select = number

    def _loaded(self, state: TemplateState) -> None:
        self.state = state
        self.browser.set_state(state, select=self._select)
        self._select = None
        self.loaded.emit(state)

    def _template_chosen(self, name: str) -> None:
        self._wanted = name
        self.template_chosen.emit(name)

    def _version_chosen(self, number: int) -> None:
        self.version_shown.emit(self.state.version(number) if self.state else None)

    # --- what can be done now ---------------------------------------------------------------------
    def has_draft(self) -> bool:
        return self.state is not None and self.state.draft_base is not None

    def can_roll_back(self) -> bool:
        """An older published version is selected (rolling back to the newest would change nothing)."""
        return self.state is not None and self.browser.selected_number() not in (None, DRAFT, self.state.latest)

    def update_buttons(self) -> None:
        self.publish_button.setEnabled(self.has_draft())

    # --- publish and rollback ---------------------------------------------------------------------
    def open_publish(self, *, rollback: bool = False) -> PublishDialog | None:
        """The publish preview for the draft, or for rolling back to the selected version."""
        state = self.state
        if state is None or state.name is None or self.ctx.book is None:
            return None
        if not (self.can_roll_back() if rollback else self.has_draft()):
            return None
        target = self.browser.selected_number() if rollback else None
        self.dialog = PublishDialog(self.ctx, state.name, self, rollback_to=target)
        self.dialog.published.connect(self._published)
        self.dialog.open()
        return self.dialog

    def _published(self, result: Published) -> None:
        self.ctx.notify_changed(TEMPLATES, EXPENSES, APPROVALS)
        self.ctx.say(f"Published {result.info.template} version {result.info.number}. {result.coding}")
        self.published.emit(result)


class VersionedTemplatePage(Page):
    """A page over one template's versions: the browser on the left, tabs on the right.

    What every such page has is built here: the :class:`VersionBrowser`, a grid of the selected
    version (``model``, with a ``showing`` sentence above it) and a YAML ``editor``, named after
    the page's key. A subclass sets :attr:`publish_name` and :attr:`reading`, builds its tabs and
    calls :meth:`_place`; it answers :meth:`_loaded`, :meth:`_show_version`, :meth:`_published`,
    :meth:`save` and :meth:`_update_buttons`.
    """

    areas = frozenset({TEMPLATES})
    publish_name = ""
    reading = ""

    def __init__(self, ctx: AppContext, model: RecordTableModel, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.versions = VersionBrowser(ctx, self.key, publish_name=self.publish_name, reading=self.reading)
        self.versions.template_chosen.connect(lambda _name: self.refresh())
        self.versions.version_shown.connect(self._show_version)
        self.versions.loaded.connect(self._loaded)
        self.versions.published.connect(self._published)
        self.browser = self.versions.browser
        self.publish_button = self.versions.publish_button
        self.model = model
        self.table = grid(f"{self.key}Table", model)
        self.showing = sentence(f"{self.key}Showing")
        self.version_tab = stacked(self.showing, self.table, stretch=self.table)
        self.editor = YamlEditor()
        self.editor.setObjectName(f"{self.key}Editor")

    def _place(self, left: QWidget, tabs: QTabWidget, sizes: tuple[int, int]) -> None:
        """Lay the page out: ``left`` and ``tabs`` side by side; Ctrl+S saves, Ctrl+Shift+P publishes."""
        tabs.setObjectName(f"{self.key}Tabs")
        self.tabs = tabs
        self.splitter = side_by_side(self.key, left, tabs, stretch=(0, 2), sizes=sizes)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        shortcuts(self, ("Ctrl+S",), self.save)
        shortcuts(self, (PUBLISH_KEY,), self.open_publish)
        self._update_buttons()

    @property
    def state(self) -> TemplateState | None:
        return self.versions.state

    @property
    def dialog(self) -> PublishDialog | None:
        return self.versions.dialog

    def open_publish(self) -> PublishDialog | None:
        return self.versions.open_publish()

    # --- Page -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.versions.load()

    def clear(self) -> None:
        self.versions.clear()
        self.model.set_items([])
        self.editor.set_text("")

    # --- what the subclass answers ------------------------------------------------------------------------
    def _loaded(self, state: TemplateState) -> None:
        """A new state arrived (the history and the selected version already show it)."""

    def _show_version(self, version: VersionRow | None) -> None:
        """Show the selected version (None: nothing selected)."""

    def _published(self, result: Published) -> None:
        """A publish finished (the changed areas were announced)."""

    def save(self) -> None:
        """Ctrl+S: keep the editor's text in the draft."""

    def _update_buttons(self) -> None:
        self.versions.update_buttons()
