"""The first-run dialog: create a book, open it again, refuse a wrong passphrase."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bookbridge.ui.dialogs.open_book import passphrase_strength
from bookbridge.ui.main_window import MainWindow
from tests.conftest import TEST_PASSPHRASE


def _create_through_dialog(qtbot, window: MainWindow, path: Path) -> None:
    dialog = window.show_open_dialog()
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    qtbot.keyClicks(dialog.create_path, str(path))
    qtbot.keyClicks(dialog.company, "Blue Ridge Trucking")
    dialog.currency.setCurrentText("CAD")
    qtbot.keyClicks(dialog.new_passphrase, TEST_PASSPHRASE)
    qtbot.keyClicks(dialog.confirm_passphrase, TEST_PASSPHRASE)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)


def test_main_window_creates_book_through_dialog(qtbot, tmp_path: Path) -> None:
    """Filling the create tab makes an encrypted book and the window shows its company."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    target = tmp_path / "ridge.bbk"
    _create_through_dialog(qtbot, window, target)
    qtbot.waitUntil(lambda: window.book is not None, timeout=5000)
    assert target.exists()
    assert "Blue Ridge Trucking" in window.windowTitle()
    assert "CAD" in window.summary.text()
    window.close()


def test_dialog_reopens_recent_book(qtbot, tmp_path: Path) -> None:
    """A created book is listed under recent books and opens with its passphrase."""
    target = tmp_path / "recent.bbk"
    first = MainWindow()
    qtbot.addWidget(first)
    _create_through_dialog(qtbot, first, target)
    qtbot.waitUntil(lambda: first.book is not None, timeout=5000)
    first.close()

    second = MainWindow()
    qtbot.addWidget(second)
    dialog = second.show_open_dialog()
    qtbot.addWidget(dialog)
    paths = [dialog.recent_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.recent_list.count())]
    assert str(target.resolve()) in paths
    dialog.recent_list.setCurrentRow(paths.index(str(target.resolve())))
    qtbot.keyClicks(dialog.open_passphrase, TEST_PASSPHRASE)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: second.book is not None, timeout=5000)
    assert second.book.path == target.resolve() or second.book.path == target
    second.close()


def test_wrong_passphrase_shows_error_and_keeps_dialog(qtbot, tmp_path: Path, book, book_path: Path) -> None:
    """A wrong passphrase shows the error presenter's message and opens nothing."""
    book.close()
    window = MainWindow()
    qtbot.addWidget(window)
    dialog = window.show_open_dialog()
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(0)
    dialog.open_path.setText(str(book_path))
    qtbot.keyClicks(dialog.open_passphrase, "definitely wrong")
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    box = dialog.findChild(QMessageBox, "errorBox")
    assert box is not None and "Wrong passphrase" in box.text()
    assert window.book is None and dialog.isVisible()


def test_passphrase_strength_hint_grows_with_length() -> None:
    """The strength hint moves from too short to strong as the phrase grows."""
    assert passphrase_strength("abc").startswith("Too short")
    assert passphrase_strength("abcdefgh").startswith("Weak")
    assert passphrase_strength("correct horse battery staple").startswith("Strong")


def test_bookbridge_without_arguments_opens_window_and_dialog(qtbot) -> None:
    """`bookbridge` with no arguments shows the main window with the open-or-create dialog."""
    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    from bookbridge.cli import main
    from bookbridge.ui.dialogs.open_book import OpenBookDialog

    seen: dict[str, bool] = {}

    def inspect_and_quit() -> None:
        widgets = QApplication.topLevelWidgets()
        seen["window"] = any(isinstance(w, MainWindow) and w.isVisible() for w in widgets)
        seen["dialog"] = any(isinstance(w, OpenBookDialog) and w.isVisible() for w in QApplication.allWidgets())
        for w in widgets:
            w.close()
        QApplication.quit()

    QTimer.singleShot(300, inspect_and_quit)
    assert main([]) == 0
    # Closing the last window posted a Quit event that exec() returned before handling; left in
    # the queue it would end every later test's event loop at once (pytest-qt's waits included).
    QApplication.removePostedEvents(QApplication.instance(), QEvent.Type.Quit)
    assert seen == {"window": True, "dialog": True}
