"""What every page shares: the application context and the page base class.

:class:`AppContext` is the one object pages talk to: the open book, the task runner, who the user
is, and three signals. A page never reaches into another page: it asks the context to navigate
(with an argument, e.g. a filter for the Expenses page), and after a write it announces which
*areas* changed (``"expenses"``, ``"imports"``, ``"approvals"``...) so the pages showing them
reload. A page that is not on screen only marks itself stale and reloads when shown, so one
import does not make thirteen pages query the book at once.
"""

from __future__ import annotations

import getpass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from bookbridge.store.book import Book
from bookbridge.ui.settings import preference
from bookbridge.ui.tasks import TaskRunner

# Areas a write can change; pages say which they show.
EXPENSES = "expenses"
IMPORTS = "imports"
APPROVALS = "approvals"
PROFILES = "profiles"
SYNC = "sync"
ALL_AREAS = frozenset({EXPENSES, IMPORTS, APPROVALS, PROFILES, SYNC})


class AppContext(QObject):
    """The open book, the task runner and the page-to-page signals.

    Signals:
        book_changed(object): a book was opened (the Book) or closed (None).
        data_changed(object): a frozenset of areas a write changed.
        navigate_requested(str, object): go to a page (key) with an optional argument.
        status_message(str): a short message for the status bar.
    """

    book_changed = Signal(object)
    data_changed = Signal(object)
    navigate_requested = Signal(str, object)
    status_message = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.book: Book | None = None

    def set_book(self, book: Book | None) -> None:
        self.book = book
        self.book_changed.emit(book)

    def notify_changed(self, *areas: str) -> None:
        self.data_changed.emit(frozenset(areas))

    def navigate(self, key: str, argument: object = None) -> None:
        self.navigate_requested.emit(key, argument)

    def say(self, message: str) -> None:
        self.status_message.emit(message)

    @staticmethod
    def actor() -> str:
        """Who is working: the name from Settings, else the computer account's name."""
        return (preference("actor_name") or "").strip() or getpass.getuser()


class Page(QWidget):
    """A page of the main window.

    Subclasses set ``key``, ``title`` and ``areas`` (what data they show) and implement
    :meth:`reload` (read from ``self.ctx.book``, which is not None when it is called).
    """

    key = ""
    title = ""
    areas: frozenset[str] = frozenset()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"page_{self.key}")
        self._stale = True
        ctx.book_changed.connect(self._book_changed)
        ctx.data_changed.connect(self._data_changed)

    # --- what subclasses implement --------------------------------------------------------------
    def reload(self) -> None:
        """Read what the page shows from the book."""

    def clear(self) -> None:
        """Forget everything shown (the book was closed)."""

    def receive(self, argument: object) -> None:
        """Handle a navigation argument (a filter, an id...)."""

    # --- plumbing --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload now if a book is open (F5, or the page came on screen while stale)."""
        if self.ctx.book is None:
            return
        self._stale = False
        self.reload()

    def mark_stale(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _book_changed(self, book: Book | None) -> None:
        self.clear()
        self.mark_stale()

    def _data_changed(self, areas: frozenset[str]) -> None:
        if areas & self.areas:
            self.mark_stale()
