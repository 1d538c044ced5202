"""Publish a template's draft, or roll back to an older version, after seeing what it changes.

The dialog first runs the engine's impact preview (``coding.impact.preview_publish`` /
``preview_rollback``) off the GUI thread: the content diff, every not-yet-posted expense that
would be coded differently (before → after), and what still could not be coded. Only then is
Publish enabled; it publishes with the note typed here (``coding.templates.publish`` /
``rollback``), then codes the not-yet-posted expenses with it. A version is never changed or deleted: a rollback is a new version.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.coding.impact import PublishPreview
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import escape_html, format_count, format_date
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.models.template_facts import Published, preview_job, publish_job
from bookbridge.ui.models.template_models import ExpenseChangesModel
from bookbridge.ui.pages.base import AppContext
from bookbridge.ui.tasks import Lane
from bookbridge.ui.widgets.diff_view import DiffView


class PublishDialog(QDialog):
    """Preview, then publish. ``published(Published)`` fires once the new version exists and coded."""

    published = Signal(object)

    def __init__(self, ctx: AppContext, template: str, parent: QWidget | None = None, *,
                 rollback_to: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.template = template
        self.rollback_to = rollback_to
        self.preview: PublishPreview | None = None
        self.setObjectName("publishDialog")
        self.setWindowTitle(f"Roll back {template} to version {rollback_to}" if rollback_to else f"Publish {template}")
        self.heading = QLabel("Working out what would change…")
        self.heading.setObjectName("publishHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.diff = DiffView()
        self.diff.setObjectName("publishDiff")
        self.changes_label = QLabel()
        self.changes_label.setObjectName("publishChangesLabel")
        self.changes_label.setWordWrap(True)
        self.changes = ExpenseChangesModel(self)
        proxy = TypedSortProxy(self)
        proxy.setSourceModel(self.changes)
        self.table = QTableView()
        self.table.setObjectName("publishChanges")
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.problems = QLabel()
        self.problems.setObjectName("publishProblems")
        self.problems.setWordWrap(True)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.changes_label)
        lower_layout.addWidget(self.table, 1)
        lower_layout.addWidget(self.problems)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.diff)
        split.addWidget(lower)
        self.note = QLineEdit()
        self.note.setObjectName("publishNote")
        self.note.setPlaceholderText("why (kept in the version history)")
        note_row = QHBoxLayout()
        note_row.addWidget(QLabel("Note:"))
        note_row.addWidget(self.note, 1)
        self.publish_button = QPushButton("Roll back" if rollback_to else "Publish")
        self.publish_button.setObjectName("publishButton")
        self.publish_button.setEnabled(False)
        self.publish_button.clicked.connect(self.publish)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.publish_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(split, 1)
        layout.addLayout(note_row)
        layout.addWidget(buttons)
        self.resize(820, 620)
        handle = ctx.runner.submit("Previewing the publish", preview_job(ctx.book, template, rollback_to=rollback_to))
        handle.succeeded.connect(self._previewed)
        handle.failed.connect(self._failed)

    def _previewed(self, preview: PublishPreview) -> None:
        self.preview = preview
        what = f"rolls back to version {self.rollback_to}" if self.rollback_to else "publishes the draft"
        self.heading.setText(f"<b>{escape_html(preview.template)} version {preview.next_version}</b> {what}, coding "
                             f"expenses dated from {escape_html(format_date(preview.effective_from))}.")
        self.diff.show_diff(preview.diff)
        self.changes.set_items(preview.changes)
        self.table.resizeColumnsToContents()
        self.changes_label.setText(
            f"{format_count(len(preview.changes))} of {format_count(preview.examined)} not-yet-posted expenses would be "
            "coded differently:" if preview.changes else
            f"No existing expense would be coded differently (of {format_count(preview.examined)} not yet posted).")
        self.problems.setText("After publishing, these still cannot be coded: " +
                              "; ".join(f"{g.message} ({len(g.expense_ids)})" for g in preview.problems_after)
                              if preview.problems_after else "")
        self.publish_button.setEnabled(True)

    def publish(self) -> None:
        if self.preview is None or self.ctx.book is None:
            return
        self.publish_button.setEnabled(False)
        job = publish_job(self.ctx.book, self.template, self.ctx.actor(), self.note.text().strip(),
                          rollback_to=self.rollback_to)
        handle = self.ctx.runner.submit(f"Publishing {self.template}", job, lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(self._published)
        handle.failed.connect(self._failed)

    def _published(self, result: Published) -> None:
        self.published.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.heading.setText("Nothing was published.")
        self.publish_button.setEnabled(False)
        show_error(self, exc)
