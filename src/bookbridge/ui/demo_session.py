"""First run: "Try with demo data" — a demo company, a QBO sandbox inside the app, ready to sync.

:func:`prepare_demo_book` (a task-runner job) creates the demo trucking company's book with the
sync engine's demo-data function (``sync.demo.data.create_demo_book``, what
``bookbridge demo-data`` runs), or reuses the one made on an earlier try, and gives it a card
statement for its last month so the Reconcile page has lines to match
(``sync.demo.statement.add_demo_statement``, which the headless demo uses too; here its
proposals wait as suggestions for the newcomer to accept). The window then opens
the book and connects it to an in-app QuickBooks Online sandbox
(:meth:`~bookbridge.ui.sandboxes.SandboxHost.connect_book`); the newcomer lands on the Sync page
with everything in place, well within a minute.

The demo book lives in the application's data folder and uses the documented demo passphrase
(``bookbridge demo --help``): it is a throwaway company, not a place for real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from bookbridge.core.paths import data_dir
from bookbridge.store.book import Book, open_book
from bookbridge.sync.demo.data import create_demo_book
from bookbridge.sync.demo.headless import CONNECTION, DEMO_PASSPHRASE
from bookbridge.sync.demo.statement import add_demo_statement
from bookbridge.ui.tasks import TaskHandle

DEMO_FILE = "Sandbox Trucking demo.bbk"


@dataclass(frozen=True)
class DemoBook:
    """The opened demo book and whether it was made just now."""

    book: Book
    created: bool
    connection: str = CONNECTION


def demo_path() -> Path:
    return data_dir() / "demo" / DEMO_FILE


def prepare_demo_book(path: Path | None = None, *, today: date | None = None):
    """A task-runner job: create (or reuse) the demo book, add its statement, open it."""
    def job(progress, cancel) -> DemoBook:
        target = Path(path) if path is not None else demo_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        created = not target.exists()
        if created:
            progress("Creating the demo trucking company")
            create_demo_book(target, DEMO_PASSPHRASE, today=today)
        progress("Opening the demo book")
        book = open_book(target, DEMO_PASSPHRASE)
        progress("Adding a card statement to reconcile")
        add_demo_statement(book, target.parent, today=today)
        return DemoBook(book, created)
    return job


class DemoStarter(QObject):
    """Runs the first-run demo for a main window: book, sandbox connection, then the Sync page.

    Signals:
        ready(object): the :class:`DemoBook`, once connected and shown.
        step(str): what is happening, for the status bar.
    """

    ready = Signal(object)
    step = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.handle: TaskHandle | None = None  # set while the demo is being prepared

    def start(self, path: Path | None = None, *, today: date | None = None):
        """Create or reuse the demo book, open it, connect the in-app sandbox, go to Sync."""
        if self.handle is not None:
            return self.handle
        self.step.emit("Preparing the demo company…")
        handle = self.window.runner.submit("Preparing the demo", prepare_demo_book(path, today=today))
        handle.progressed.connect(lambda report: self.step.emit(report.step))
        handle.succeeded.connect(self._opened)
        handle.failed.connect(self._failed)
        self.handle = handle
        return handle

    def _opened(self, demo: DemoBook) -> None:
        from bookbridge.ui.dialogs.connect_dialog import sandbox_job
        from bookbridge.ui.tasks import Lane

        self.window.set_book(demo.book)
        self.step.emit("Starting the QuickBooks Online sandbox inside Bookbridge…")
        handle = self.window.runner.submit(
            "Connecting the demo to the sandbox",
            sandbox_job(demo.book, self.window.ctx, demo.connection, self.window.ctx.actor()), lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(lambda _name: self._connected(demo))
        handle.failed.connect(self._failed)

    def _connected(self, demo: DemoBook) -> None:
        self.handle = None
        self.window.ctx.notify_changed("connections")
        self.window.go_to("sync")
        self.step.emit("Demo ready: the book is connected to a sandbox. Press Sync now (F9).")
        self.ready.emit(demo)

    def _failed(self, exc: BaseException) -> None:
        from bookbridge.ui.errors import show_error

        self.handle = None
        show_error(self.window, exc)
