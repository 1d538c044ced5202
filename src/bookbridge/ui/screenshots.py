"""``bookbridge demo --screenshots DIR``: the app on demo data, one PNG per main page, then exit.

It runs what a newcomer sees: the open dialog, then "Try with demo data" (demo company, in-app
QBO sandbox, card statement matched), one sync, a draft pack for the demo's last month, and then
every page of the sidebar in order, each saved with ``QWidget.grab`` once its data has loaded.
Works with ``QT_QPA_PLATFORM=offscreen`` (no display needed); the window is 1280×800.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QApplication

WINDOW_SIZE = (1280, 800)
SETTLE_MS = 250  # after the page's reads finish: charts and tables lay themselves out


def _wait(app: QApplication, condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            from bookbridge.core.errors import BookbridgeError

            raise BookbridgeError(f"The screenshots stopped: {what} did not happen within {timeout:.0f} s.")
        app.processEvents()
        time.sleep(0.01)


def _pause(app: QApplication, ms: int) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def take_screenshots(folder: Path, *, book: Path | None = None, today: date | None = None, sync: bool = True,
                     progress: Callable[[str], None] | None = None) -> list[Path]:
    """Save ``NN-page.png`` for the open dialog and every main page into ``folder``; returns the files."""
    from bookbridge.reconcile.periods import Period
    from bookbridge.sync.demo.data import demo_months
    from bookbridge.ui.app import create_application
    from bookbridge.ui.main_window import MainWindow
    from bookbridge.ui.pages import PAGE_ORDER

    say = progress or (lambda _text: None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bookbridge-screenshots-"))
    app = create_application([])
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    saved: list[Path] = []

    def shoot(name: str, widget) -> None:
        path = folder / f"{len(saved):02d}-{name}.png"
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        saved.append(path)
        say(f"saved {path}")

    try:
        dialog = window.show_open_dialog()
        dialog.tabs.setCurrentIndex(1)
        _pause(app, SETTLE_MS)
        shoot("open-or-create", dialog)
        dialog.reject()
        say("preparing the demo company and its sandbox")
        window.demo.start(book or scratch / "demo.bbk", today=today)
        _wait(app, lambda: window.book is not None and window.demo.handle is None, 120, "the demo book opening")
        _wait(app, lambda: not window.runner.is_busy(), 60, "the sandbox connection")
        if sync:
            say("syncing the demo company")
            page = window.go_to("sync")
            _wait(app, lambda: page.sync_button.isEnabled(), 30, "the Sync page loading")
            page.start(dry_run=False)
            _wait(app, lambda: page.outcome is not None, 300, "the sync")
        last = demo_months(today or date.today())[1]
        reconcile = window.go_to("reconcile")
        _wait(app, lambda: not window.runner.is_busy(), 60, "the Reconcile page loading")
        reconcile.receive(Period(last.year, last.month).label)
        reconcile.pack.open_when_done = False
        say("writing a draft pack")
        handle = reconcile.generate_pack(scratch / "demo-pack.pdf")
        _wait(app, lambda: handle is None or handle.is_done(), 120, "the pack")
        for key, _title in PAGE_ORDER:
            page = window.go_to(key)
            _pause(app, 50)
            _wait(app, lambda: not window.runner.is_busy(), 60, f"the {key} page loading")
            _pause(app, SETTLE_MS)
            shoot(key, window)
    finally:
        window.close()
        app.processEvents()
    return saved
