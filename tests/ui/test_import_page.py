"""The Import page: drop or choose a real CSV, read the preview, import, and edit a profile."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from bookbridge.ingest.profiles import saved_profiles
from bookbridge.store.models import Expense
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.import_preview_model import ImportPreviewModel, PreviewColumn, STATUS_ROLE
from tests.ui.conftest import settle


def _count(book) -> int:
    with book.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(Expense)).scalar_one()


def _preview(qtbot, page, path: Path) -> None:
    page.add_files([path])
    qtbot.waitUntil(lambda: str(path.resolve()) in page.previews, timeout=15_000)


def _statuses(page) -> list[str]:
    return [page.proxy.index(r, 0).data(STATUS_ROLE) for r in range(page.proxy.rowCount())]


def test_preview_shows_each_rows_fate_before_anything_is_written(qtbot, window: MainWindow, book,
                                                                 expensify_file: Path) -> None:
    """A dropped Expensify CSV is previewed row by row (4 new, 1 error with its reason); the book is untouched."""
    page = window.go_to("import")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(expensify_file))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    page.drop_zone.dropEvent(drop)
    qtbot.waitUntil(lambda: str(expensify_file.resolve()) in page.previews, timeout=15_000)
    assert sorted(_statuses(page)) == ["error", "new", "new", "new", "new"]
    error_row = _statuses(page).index("error")
    reason = page.proxy.index(error_row, PreviewColumn.REASON).data()
    assert "not a date" in reason
    assert "4 new" in page.summary.text() and "1 rows with errors" in page.summary.text()
    assert page.import_button.isEnabled() and page.import_button.text() == "Import 4 expenses"
    assert _count(book) == 0
    settle(qtbot, window)


def test_import_lands_rows_and_shows_them(qtbot, window: MainWindow, book, expensify_file: Path) -> None:
    """Import writes the four good rows; "Show imported expenses" opens them on the Expenses page."""
    page = window.go_to("import")
    _preview(qtbot, page, expensify_file)
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(expensify_file.resolve()) in page.results, timeout=15_000)
    assert _count(book) == 4
    assert "imported: 4 new" in page.files.currentItem().text()
    assert not page.import_button.isEnabled() and page.show_button.isEnabled()
    qtbot.mouseClick(page.show_button, Qt.MouseButton.LeftButton)
    expenses = window.current_page()
    assert expenses is window.pages["expenses"]
    qtbot.waitUntil(lambda: expenses.model.total == 4, timeout=10_000)
    assert "import #" in expenses.filter_line.text()
    settle(qtbot, window)


def test_second_preview_of_the_same_file_shows_duplicates(qtbot, window: MainWindow, book,
                                                          expensify_file: Path) -> None:
    """After an import, previewing the file again marks every good row a duplicate of its expense."""
    from bookbridge.ingest.results import ImportOptions
    from bookbridge.ingest.service import import_file

    import_file(book, ImportOptions(expensify_file))
    page = window.go_to("import")
    _preview(qtbot, page, expensify_file)
    assert sorted(_statuses(page)) == ["duplicate"] * 4 + ["error"]
    first_duplicate = _statuses(page).index("duplicate")
    assert "already in the book as expense #" in page.proxy.index(first_duplicate, PreviewColumn.REASON).data()
    assert not page.import_button.isEnabled()
    page.status_filter.setCurrentIndex(page.status_filter.findText("Errors"))
    assert _statuses(page) == ["error"]
    settle(qtbot, window)


def test_profile_editor_saves_a_decimal_comma_profile_that_reads_a_file(qtbot, window: MainWindow, book,
                                                                        tmp_path: Path) -> None:
    """A profile saved in the editor (semicolons, day-first dates, decimal comma) reads such a file."""
    page = window.go_to("import")
    settle(qtbot, window)
    dialog = page.open_profile_editor()
    qtbot.addWidget(dialog)
    dialog.name.setText("bank-eu")
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(";"))
    dialog.date_formats.setText("%d.%m.%Y")
    dialog.decimal_comma.setChecked(True)
    dialog.currency.setCurrentIndex(dialog.currency.findData("EUR"))
    row = next(r for r in range(dialog.columns.rowCount()) if dialog.columns.item(r, 0).text() == "vendor")
    dialog.columns.item(row, 1).setText("Empfänger")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with book.engine.connect() as conn:
        profile = saved_profiles(conn)["bank-eu"]
    assert profile.delimiter == ";" and profile.decimal_sep == "," and profile.columns["vendor"] == ("Empfänger",)
    assert page.profile.currentData() == "bank-eu"

    csv = tmp_path / "bank.csv"
    csv.write_text("Date;Empfänger;Amount\n31.01.2026;Autobahn Maut;1.234,50\n", encoding="utf-8")
    _preview(qtbot, page, csv)
    assert _statuses(page) == ["new"]
    assert page.proxy.index(0, PreviewColumn.AMOUNT).data() == "EUR\u00a01,234.50"
    assert page.proxy.index(0, PreviewColumn.VENDOR).data() == "Autobahn Maut"
    settle(qtbot, window)


def test_bad_profile_is_refused_with_the_services_reason(qtbot, window: MainWindow) -> None:
    """A profile name the service refuses is not saved and the error presenter says why."""
    from PySide6.QtWidgets import QMessageBox

    page = window.go_to("import")
    dialog = page.open_profile_editor()
    qtbot.addWidget(dialog)
    dialog.name.setText("Not A Valid Name!")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.findChild(QMessageBox, "errorBox") is not None, timeout=10_000)
    assert "lower-case" in dialog.findChild(QMessageBox, "errorBox").text()
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    settle(qtbot, window)


def test_preview_model_passes_qtmodeltester(qtmodeltester, book, expensify_file: Path) -> None:
    """The preview grid model keeps Qt's model contract."""
    from bookbridge.ingest.results import ImportOptions
    from bookbridge.ingest.service import preview_file

    model = ImportPreviewModel()
    model.set_rows(preview_file(book, ImportOptions(expensify_file), rows=True).rows)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 5


def test_ctrl_i_opens_the_file_picker_and_previews_the_choice(qtbot, window: MainWindow, expensify_file: Path,
                                                              monkeypatch) -> None:
    """Ctrl+I goes to Import and opens the file picker; the chosen file is previewed at once."""
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []

    def pick(parent, caption, directory, filter_text):  # the person at the native dialog
        asked.append(caption)
        return [str(expensify_file)], filter_text

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(pick))
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    page = window.pages["import"]
    assert window.current_page() is page and asked == ["Choose files to import"]
    qtbot.waitUntil(lambda: str(expensify_file.resolve()) in page.previews, timeout=15_000)
    assert page.model.rowCount() == 5
    settle(qtbot, window)
