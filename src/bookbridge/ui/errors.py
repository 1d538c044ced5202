"""The one place the GUI turns an error into a message box."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from bookbridge.core.errors import BookbridgeError
from bookbridge.core.logs import log_file

log = logging.getLogger("bookbridge.ui")


def error_text(exc: BaseException) -> str:
    """What the user reads: our message for our errors, a plain sentence for the rest."""
    if isinstance(exc, BookbridgeError):
        return exc.user_message
    return "Something unexpected went wrong. Nothing was saved from the step that failed."


_open_boxes: list[QMessageBox] = []  # parentless boxes must stay referenced while shown


def show_error(parent: QWidget | None, exc: BaseException, *, title: str = "Bookbridge") -> QMessageBox:
    """Show ``exc`` in a non-blocking dialog that also says where the log is."""
    if not isinstance(exc, BookbridgeError):
        log.error("Unexpected error", exc_info=exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, error_text(exc), QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(f"Details are in the log: {log_file()}")
    box.setObjectName("errorBox")
    if parent is None:
        _open_boxes.append(box)
        box.finished.connect(lambda _result: _open_boxes.remove(box))
    box.open()
    return box
