"""Starting the desktop app."""

from __future__ import annotations

import gc
import sys
from typing import Sequence

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from bookbridge import __version__
from bookbridge.ui.formatting import app_locale


def create_application(argv: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("Bookbridge")
    app.setOrganizationName("Bookbridge")
    app.setApplicationVersion(__version__)
    # Widgets (date edits, spin boxes) follow QLocale's default: make it the one we format with,
    # so an unset "C" locale does not show dates one way in the grid and another in the filters.
    QLocale.setDefault(app_locale())
    return app  # type: ignore[return-value]


def freeze_startup_objects() -> None:
    """Move everything alive after start-up (modules, classes, widgets) out of the collector's way.

    A full garbage collection scans every tracked object and runs on whichever thread happens to
    allocate, holding the interpreter: with SQLAlchemy, Qt and the engine imported that is ~100 ms
    during which the GUI cannot paint. Frozen objects are never scanned again (they live for the
    whole session anyway), so later full collections only look at what was allocated since.
    """
    gc.collect()
    gc.freeze()


def run_app(argv: Sequence[str] = ()) -> int:
    """Open the main window with the open-or-create dialog on top; returns the exit code."""
    from bookbridge.ui.main_window import MainWindow

    app = create_application(argv)
    window = MainWindow()
    window.show()
    freeze_startup_objects()
    window.show_open_dialog()
    return app.exec()
