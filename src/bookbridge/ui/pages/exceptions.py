"""The Exceptions page: everything that could not go through, who owns it, by when, and its fix.

The queue comes from ``exceptions.views.list_exceptions`` in working order (open first, blockers
first, earliest due first) and is filtered here by severity, category, status and owner. The
selected exception shows its message, the items it holds back, its SLA and its trail. Assigning
an owner and resolving with a note go through ``exceptions.queue`` on the book-write lane, the
same calls ``bookbridge exceptions assign|resolve`` make; resolving releases the held items for
the next sync.

Keyboard: Ctrl+Enter in the note resolves; Ctrl+Shift+A assigns the owner typed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from bookbridge.core.errors import UsageError
from bookbridge.exceptions.queue import assign, resolve
from bookbridge.exceptions.views import ExceptionView, list_exceptions
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import escape_html, format_count, format_datetime
from bookbridge.ui.models.exceptions_model import (
    UNASSIGNED,
    ExceptionFilter,
    ExceptionFilterProxy,
    ExceptionsModel,
    due_text,
)
from bookbridge.ui.pages.base import EXPENSES, SYNC, AppContext, Page
from bookbridge.ui.pages.sync import EXCEPTIONS
from bookbridge.ui.widgets.page_jobs import LatestRead, OneWrite
from bookbridge.ui.widgets.page_parts import button, detail_pane, on_submit, sentence, shortcuts, side_by_side, stacked
from bookbridge.ui.widgets.record_queue import RecordQueueView


def detail_html(view: ExceptionView) -> str:
    """The selected exception for a person: what, why, what it holds, by when, and its trail."""
    lines = [f"<b>#{view.id} {escape_html(view.title)}</b>",
             f"{view.severity.value.capitalize()} · {escape_html(view.category.value.replace('_', ' '))}"
             + (f" · connection {escape_html(view.connection)}" if view.connection else "")
             + f" · seen {view.repetitions}×",
             escape_html(view.message)]
    if view.status.value == "open":
        lines.append(f"<b>{escape_html(due_text(view).capitalize())}</b> (SLA due {escape_html(format_datetime(view.due_at))}); "
                     f"owner: {escape_html(view.owner or 'nobody yet')}")
    else:
        lines.append(f"Resolved by {escape_html(view.resolved_by or '?')} {escape_html(format_datetime(view.resolved_at))}: "
                     f"“{escape_html(view.resolution_note or '')}”")
    held = view.held_items
    if view.items:
        shown = ", ".join(escape_html(f"{i.kind} {i.label or i.ref}") for i in view.items[:12])
        more = f" and {len(view.items) - 12} more" if len(view.items) > 12 else ""
        lines.append(f"Items ({format_count(len(held))} still held back): {shown}{more}")
    for event in view.trail[-8:]:
        note = f": “{escape_html(event.note)}”" if event.note else ""
        lines.append(f"<span style='color: gray'>{escape_html(format_datetime(event.at))} {escape_html(event.actor)} "
                     f"{escape_html(event.action)}{note}</span>")
    return "<br>".join(lines)


class ExceptionsPage(Page):
    """The queue with filters, detail, owner assignment and resolution with a note."""

    key = "exceptions"
    title = "Exceptions"
    areas = frozenset({EXCEPTIONS, SYNC, EXPENSES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.reads = LatestRead(self, ctx.runner)
        self.writes = OneWrite(self, ctx.runner, self._update_buttons)
        self.severity = self._combo("filterSeverity", [("Any severity", "")] +
                                    [(s.value.capitalize(), s.value) for s in ExceptionSeverity])
        self.category = self._combo("filterCategory", [("Any category", "")] +
                                    [(c.value.replace("_", " ").capitalize(), c.value) for c in ExceptionCategory])
        self.status = self._combo("filterStatus", [("Open", "open"), ("Resolved", "resolved"), ("Open and resolved", "")])
        self.owner = self._combo("filterOwner", [("Anyone", ""), ("Unassigned", UNASSIGNED)])
        self.count = QLabel()
        self.count.setObjectName("exceptionsCount")
        filters = QHBoxLayout()
        for label, combo in (("Show:", self.status), ("Severity:", self.severity), ("Category:", self.category),
                             ("Owner:", self.owner)):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        filters.addStretch(1)
        filters.addWidget(self.count)

        self.model = ExceptionsModel(self)
        self.proxy = ExceptionFilterProxy(self)
        self.table = RecordQueueView("exceptionsTable", "exceptions", self.model, self.proxy)
        self.table.setWordWrap(False)
        self.table.current_changed.connect(self._show_selected)

        self.detail = detail_pane("exceptionDetail", "Nothing selected.")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_owner = QLineEdit()
        self.new_owner.setObjectName("newOwner")
        self.new_owner.setPlaceholderText("who deals with it")
        self.assign_button = button("Assign", "assignOwner", self.assign_current)
        self.new_owner.returnPressed.connect(self.assign_current)
        owner_row = QHBoxLayout()
        owner_row.addWidget(QLabel("Owner:"))
        owner_row.addWidget(self.new_owner, 1)
        owner_row.addWidget(self.assign_button)
        self.note = QPlainTextEdit()
        self.note.setObjectName("resolutionNote")
        self.note.setPlaceholderText("What was done (kept in the trail and the month-end pack)")
        self.note.setMaximumHeight(90)
        self.resolve_button = button("Resolve  (Ctrl+Enter)", "resolveException", self.resolve_current)
        self.message = sentence("exceptionsMessage")
        action_box = QGroupBox("Deal with it")
        actions = QVBoxLayout(action_box)
        actions.addLayout(owner_row)
        actions.addWidget(self.note)
        actions.addWidget(self.resolve_button, 0, Qt.AlignmentFlag.AlignRight)
        actions.addWidget(self.message)
        side = stacked(self.detail, action_box, stretch=self.detail)
        self.splitter = side_by_side("exceptions", self.table, side, stretch=(3, 2), sizes=(640, 420))
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)
        on_submit(self.note, self.resolve_current)
        shortcuts(self, ("Ctrl+Shift+A",), self.assign_current)
        self._update_buttons()

    def _combo(self, name: str, choices: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        for label, value in choices:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        return combo

    # --- Page -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        book = self.ctx.book
        self.reads.submit("Reading the exception queue", lambda progress, cancel: list_exceptions(book), self._loaded)

    def clear(self) -> None:
        self.reads.forget()
        self.model.set_items([])
        self._show_selected()

    def receive(self, argument: object) -> None:
        """Navigation with an :class:`ExceptionFilter` (dashboard and inbox drill-downs)."""
        if isinstance(argument, ExceptionFilter):
            for combo, value in ((self.severity, argument.severity), (self.category, argument.category),
                                 (self.status, argument.status), (self.owner, argument.owner)):
                combo.setCurrentIndex(max(0, combo.findData(value)))

    def _loaded(self, views: list[ExceptionView]) -> None:
        current = self.current()
        self.model.set_items(views)
        for column in range(ExceptionsModel.PROBLEM):  # the problem's title takes the room that is left
            self.table.resizeColumnToContents(column)
        owners = sorted({v.owner for v in views if v.owner}, key=str.casefold)
        chosen = self.owner.currentData()
        self.owner.blockSignals(True)
        while self.owner.count() > 2:
            self.owner.removeItem(2)
        for name in owners:
            self.owner.addItem(name, name)
        self.owner.setCurrentIndex(max(0, self.owner.findData(chosen)))
        self.owner.blockSignals(False)
        self.new_owner.setCompleter(QCompleter(owners + [self.ctx.actor()], self.new_owner))
        self.apply_filter()
        self.table.reselect(current, lambda a, b: a.id == b.id)
        self._show_selected()

    # --- filters and selection ----------------------------------------------------------------------------
    def apply_filter(self) -> None:
        self.proxy.set_filter(ExceptionFilter(self.severity.currentData(), self.category.currentData(),
                                              self.status.currentData(), self.owner.currentData()))
        open_count = sum(1 for v in self.model.items() if v.status.value == "open")
        overdue = sum(1 for v in self.model.items() if v.overdue)
        self.count.setText(f"{format_count(self.proxy.rowCount())} shown · {format_count(open_count)} open, "
                           f"{format_count(overdue)} overdue")
        self._show_selected()

    def current(self) -> ExceptionView | None:
        return self.table.current_record()

    @property
    def _busy(self) -> bool:
        return self.writes.busy

    def _show_selected(self) -> None:
        view = self.current()
        if view is None:
            self.detail.setText("No exception matches these filters." if self.model.rowCount()
                                else "The exception queue is empty: nothing needs a person.")
        else:
            self.detail.setText(detail_html(view))
            self.new_owner.setText(view.owner or "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        view = self.current()
        open_one = view is not None and view.status.value == "open" and not self._busy
        self.assign_button.setEnabled(open_one)
        self.resolve_button.setEnabled(open_one)

    # --- actions ------------------------------------------------------------------------------------------
    def assign_current(self) -> None:
        view = self.current()
        owner = self.new_owner.text().strip()
        if view is None or self._busy or self.ctx.book is None or view.status.value != "open":
            return
        if not owner:
            show_error(self, UsageError("Type who owns this exception."))
            return
        book, actor = self.ctx.book, self.ctx.actor()
        self._act(f"Assigning exception {view.id}",
                  lambda progress, cancel: (assign(book, view.id, owner, actor=actor), f"Exception {view.id} is now "
                                            f"owned by {owner}.")[1])

    def resolve_current(self) -> None:
        view = self.current()
        if view is None or self._busy or self.ctx.book is None or view.status.value != "open":
            return
        note = self.note.toPlainText().strip()
        if not note:
            self.note.setFocus()
            show_error(self, UsageError("Write what was done in the note: the trail and the auditors need it."))
            return
        book, actor = self.ctx.book, self.ctx.actor()

        def job(progress, cancel) -> str:
            result = resolve(book, view.id, actor=actor, note=note)
            return (f"Resolved exception {view.id}; {format_count(len(result.released))} item(s) go out with the "
                    "next sync.")
        self._act(f"Resolving exception {view.id}", job, clear_note=True)

    def _act(self, name: str, job, *, clear_note: bool = False) -> None:
        self.writes.submit(name, job, lambda text: self._done(text, clear_note))

    def _done(self, text: str, clear_note: bool) -> None:
        self.message.setText(text)
        if clear_note:
            self.note.clear()
        self.ctx.notify_changed(EXCEPTIONS, SYNC)
        self._update_buttons()
