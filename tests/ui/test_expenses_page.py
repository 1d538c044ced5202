"""The Expenses page driven like a user: search, drill-down filters, the detail panel, remembered layout."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.expense_query import Column, ExpenseFilter
from tests.ui.conftest import settle


def _expenses(qtbot, window: MainWindow):
    page = window.go_to("expenses")
    qtbot.waitUntil(lambda: page.model.total is not None and not page.model.loading, timeout=15_000)
    return page


def _select_vendor(qtbot, page, vendor: str) -> None:
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, Column.VENDOR).data() == vendor)
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.detail_panel.detail is not None and page.detail_panel.detail.vendor == vendor,
                    timeout=10_000)


def test_detail_shows_image_receipt_fields_dedupe_coding_and_lineage(qtbot, coded_book) -> None:
    """Selecting an imported, coded expense shows its PNG receipt, custom fields, the dedupe decision,
    the template version that coded it and its lineage from the CSV line onwards."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(coded_book)
    page = _expenses(qtbot, window)
    assert page.model.total == 4
    _select_vendor(qtbot, page, "Shell")
    panel = page.detail_panel
    assert panel.receipt.kind == "image" and not panel.receipt.picture.pixmap().isNull()
    fields = {panel.fields_form.itemAt(i, panel.fields_form.ItemRole.LabelRole).widget().text():
              panel.fields_form.itemAt(i, panel.fields_form.ItemRole.FieldRole).widget().text()
              for i in range(panel.fields_form.rowCount())}
    assert fields["Mcc:"] == "5541" and fields["Tag:"] == "T-12"
    assert "New by rule" in panel.dedupe.text()
    assert "Fleet" in panel.coding.text() and "version 1" in panel.coding.text()
    lineage = panel.lineage.text()
    assert "expensify.csv, line 2" in lineage and "Journal entry" in lineage and "not built yet" in lineage
    window.close()


def test_detail_renders_a_pdf_receipt_first_page(qtbot, coded_book) -> None:
    """A PDF receipt is shown as a picture of its first page."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(coded_book)
    page = _expenses(qtbot, window)
    _select_vendor(qtbot, page, "Denny's")
    assert page.detail_panel.receipt.kind == "pdf"
    pixmap = page.detail_panel.receipt.picture.pixmap()
    assert pixmap.width() > 100 and pixmap.height() > pixmap.width()  # A6 portrait
    window.close()


def test_expense_without_receipt_says_so(qtbot, coded_book) -> None:
    """An expense with no receipt says so plainly instead of showing an empty frame."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(coded_book)
    page = _expenses(qtbot, window)
    _select_vendor(qtbot, page, "Marriott")
    assert page.detail_panel.receipt.kind == "none"
    assert "No receipt" in page.detail_panel.receipt.caption.text()
    window.close()


def test_typing_in_search_filters_after_a_pause(qtbot, coded_book) -> None:
    """Typing a vendor's name narrows the grid once typing pauses, and the filter line says so."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(coded_book)
    page = _expenses(qtbot, window)
    qtbot.keyClicks(page.search, "marr")
    qtbot.waitUntil(lambda: page.model.total == 1, timeout=5000)
    assert page.model.index(0, Column.VENDOR).data() == "Marriott"
    assert "marr" in page.filter_line.text()
    page.clear_button.click()
    qtbot.waitUntil(lambda: page.model.total == 4, timeout=5000)
    assert page.search.text() == ""
    window.close()


def test_drill_down_filter_without_widgets_is_shown_and_clearable(qtbot, coded_book) -> None:
    """A category filter from elsewhere is applied, described, and removed by Clear filters."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(coded_book)
    page = _expenses(qtbot, window)
    window.ctx.navigate("expenses", ExpenseFilter(category="Fuel"))
    qtbot.waitUntil(lambda: page.model.total == 2, timeout=5000)
    assert {page.model.index(r, Column.CATEGORY).data() for r in range(2)} == {"Fuel"}
    assert "category Fuel" in page.filter_line.text()
    page.clear_button.click()
    qtbot.waitUntil(lambda: page.model.total == 4, timeout=5000)
    window.close()


def test_splitter_and_columns_are_remembered(qtbot, book) -> None:
    """Column widths and the grid/detail split come back in the next window."""
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.set_book(book)
    page = first.go_to("expenses")
    page.table.setColumnWidth(Column.VENDOR, 321)
    page.splitter.setSizes([300, 400])
    page.splitter.splitterMoved.emit(300, 1)
    split = page.splitter.sizes()
    settle(qtbot, first)
    first.close()

    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    again = second.pages["expenses"]
    assert again.table.columnWidth(Column.VENDOR) == 321
    second.go_to("expenses")
    sizes = again.splitter.sizes()
    # Restored proportions (the offscreen screen may give the second window less width).
    assert abs(sizes[0] / sum(sizes) - split[0] / sum(split)) < 0.02
    assert split[0] < split[1]  # and not merely the default, where the grid is the wider side
    second.close()


def test_no_selection_shows_a_hint(qtbot, window: MainWindow) -> None:
    """Before anything is selected the panel explains what it will show."""
    page = window.go_to("expenses")
    title = page.detail_panel.findChild(QLabel, "detailTitle")
    assert "Select an expense" in title.text()
    settle(qtbot, window)
