"""First run: "Try with demo data" — a demo company, a QBO sandbox inside the app, ready to sync.

The Qt wiring only. The job itself, :func:`~bookbridge.sync.demo.desktop.prepare_demo_book`,
lives with the demo outside the GUI: it creates the demo trucking company's book (what
``bookbridge demo-data`` does) or reuses the one made on an earlier try, and gives it a card
statement for its last month (``sync.demo.statement``, which the headless demo uses too) so the
Reconcile page has lines to match. :class:`DemoStarter` runs that job on the task runner, then
opens the book in the window and connects it to an in-app QuickBooks Online sandbox
(:meth:`~bookbridge.ui.sandboxes.SandboxHost.connect_book`); the newcomer lands on the Sync page
with everything in place, well within a minute.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from bookbridge.sync.demo.desktop import DemoBook, prepare_demo_book
from bookbridge.ui.tasks import TaskHandle


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
