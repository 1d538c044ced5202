"""The Dashboard and the Inbox: figures from the book, each a way to the rows behind it."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from PySide6.QtCore import Qt

from bookbridge.core.money import Money
from bookbridge.store.models import Category, Expense
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.expense_query import Column
from tests.ui.book_seed import seed_expenses
from tests.ui.conftest import settle


def _open(qtbot, book) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(book)
    return window


def _dashboard(qtbot, window: MainWindow):
    page = window.go_to("dashboard")
    qtbot.waitUntil(lambda: page.facts is not None, timeout=15_000)
    return page


def test_status_figures_count_the_book_and_drill_down(qtbot, coded_book) -> None:
    """The awaiting-approval figure counts the book's expenses; clicking it lists exactly those."""
    window = _open(qtbot, coded_book)
    page = _dashboard(qtbot, window)
    button = page.status_buttons["awaiting_approval"]
    assert button.text().startswith("4\n")
    assert not page.status_buttons["posted"].isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    expenses = window.current_page()
    assert expenses is window.pages["expenses"]
    qtbot.waitUntil(lambda: expenses.model.total == 4 and not expenses.model.loading, timeout=10_000)
    assert {expenses.model.index(r, Column.STATUS).data() for r in range(4)} == {"Awaiting approval"}
    settle(qtbot, window)
    window.close()


def test_category_chart_sums_spend_and_a_bar_click_filters(qtbot, coded_book) -> None:
    """Spend by category equals the book's sums; clicking a bar shows that category's expenses."""
    window = _open(qtbot, coded_book)
    page = _dashboard(qtbot, window)
    with coded_book.engine.connect() as conn:
        rows = conn.execute(sa.select(Category.name, sa.func.sum(Expense.amount_minor))
                            .join(Category, Category.id == Expense.category_id).group_by(Category.name)).all()
    expected = {name: Money.from_minor(int(total), "USD") for name, total in rows}
    shown = {g.name: g.amount for g in page.category_chart.groups}
    assert shown == expected and shown["Lodging"].amount == Decimal("612.00")
    bars = page.category_chart.chart().series()[0].barSets()[0]
    ordered = list(reversed(page.category_chart.groups))
    bars.clicked.emit(ordered.index(next(g for g in ordered if g.name == "Fuel")))
    expenses = window.current_page()
    qtbot.waitUntil(lambda: expenses.model.total == 2 and not expenses.model.loading, timeout=10_000)
    assert "category Fuel" in expenses.filter_line.text()
    settle(qtbot, window)
    window.close()


def test_vehicle_chart_groups_by_vehicle_and_drills_down(qtbot, book) -> None:
    """Spend by vehicle lists the vehicles of the book's expenses; a bar opens that vehicle's rows."""
    seed_expenses(book, 300)
    window = _open(qtbot, book)
    page = _dashboard(qtbot, window)
    names = [g.name for g in page.vehicle_chart.groups]
    assert set(names) <= {"T-01", "T-02", "T-07", "T-12", "T-15"} and len(names) >= 3
    amounts = [g.amount.amount for g in page.vehicle_chart.groups]
    assert amounts == sorted(amounts, reverse=True)
    target = page.vehicle_chart.groups[0]
    ordered = list(reversed(page.vehicle_chart.groups))
    page.vehicle_chart.chart().series()[0].barSets()[0].clicked.emit(ordered.index(target))
    expenses = window.current_page()
    qtbot.waitUntil(lambda: expenses.model.total is not None and not expenses.model.loading
                    and "vehicle" in expenses.filter_line.text(), timeout=10_000)
    assert {expenses.model.index(r, Column.VEHICLE).data() for r in range(expenses.model.rowCount())} == {target.name}
    settle(qtbot, window)
    window.close()


def test_last_import_is_described_and_opens_its_expenses(qtbot, coded_book) -> None:
    """The last import's counts are shown, and its button lists the expenses it landed."""
    window = _open(qtbot, coded_book)
    page = _dashboard(qtbot, window)
    assert "expensify.csv" in page.last_import.text() and "4 new" in page.last_import.text()
    qtbot.mouseClick(page.show_import, Qt.MouseButton.LeftButton)
    expenses = window.current_page()
    qtbot.waitUntil(lambda: expenses.model.total == 4 and not expenses.model.loading, timeout=10_000)
    settle(qtbot, window)
    window.close()


def test_inbox_counts_work_waiting_and_sends_to_approvals(qtbot, coded_book) -> None:
    """The inbox counts expenses awaiting approval and its button opens the Approvals page."""
    window = _open(qtbot, coded_book)
    page = window.go_to("inbox")
    qtbot.waitUntil(lambda: page.counts is not None, timeout=10_000)
    assert page.count_labels["awaiting_approval"].text() == "4"
    assert not page.buttons["conflicts"].isEnabled()
    assert "1 rows were rejected" in page.rejected_rows.text()
    qtbot.mouseClick(page.buttons["awaiting_approval"], Qt.MouseButton.LeftButton)
    assert window.current_page() is window.pages["approvals"]
    settle(qtbot, window)
    window.close()
