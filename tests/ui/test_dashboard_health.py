"""The Dashboard's health row: sync runs, open exceptions against SLA, the month's reconciliation,
each a door to the rows behind it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bookbridge.exceptions.queue import report
from bookbridge.reconcile.statements.service import import_statement_file
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity
from bookbridge.ui.main_window import MainWindow
from tests.reconcile.month_end_book import CARD_ROWS, MonthBook, _ofx, add_expenses, code_and_approve, post_all
from tests.ui.conftest import settle


@pytest.fixture
def january(book, tmp_path):
    """January 2026 posted by a recorded run, its card statement imported, one blocker open."""
    month = MonthBook(book, tmp_path)
    add_expenses(month)
    code_and_approve(month)
    post_all(month)
    card = tmp_path / "visa.ofx"
    card.write_text(_ofx("card", "4111111111114444", CARD_ROWS, "-0.00"))
    import_statement_file(book, card, account_name="Visa 4444", actor="test")
    with book.unit_of_work() as session:
        report(session, category=ExceptionCategory.VALIDATION, severity=ExceptionSeverity.BLOCKER,
               title="Account 6950 is inactive", message="reactivate it", cause=["6950"], connection="main")
    return month


def _fresh_dashboard(qtbot, window: MainWindow):
    """The dashboard re-read after the fixture filled the book (F5)."""
    page = window.go_to("dashboard")
    settle(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: page.health.health is not None and page.health.health.sync.last is not None, timeout=15_000)
    return page


def test_health_row_shows_sync_exceptions_and_the_month(qtbot, window: MainWindow, january) -> None:
    """The last run's posted count, one blocker and January's five lines to review are on the dashboard."""
    page = _fresh_dashboard(qtbot, window)
    health = page.health
    assert "6 posted, 0 failed" in health.last_sync.text() and "Success rate 100%" in health.last_sync.text()
    assert health.queue_buttons["blocker"].text() == "1\nblockers"
    assert health.month_box.title() == "Reconciliation 2026-01" and "5 to review" in health.month_text.text()
    assert health.month_bar.maximum() == 5 and health.month_bar.value() == 0
    settle(qtbot, window)


def test_health_figures_open_the_rows_behind_them(qtbot, window: MainWindow, january) -> None:
    """Blockers open the exception queue filtered to blockers; the month opens Reconcile on January."""
    page = _fresh_dashboard(qtbot, window)
    qtbot.mouseClick(page.health.queue_buttons["blocker"], Qt.MouseButton.LeftButton)
    exceptions = window.current_page()
    assert exceptions is window.pages["exceptions"] and exceptions.severity.currentData() == "blocker"
    qtbot.waitUntil(lambda: exceptions.proxy.rowCount() == 1, timeout=10_000)
    window.go_to("dashboard")
    qtbot.mouseClick(page.health.open_month, Qt.MouseButton.LeftButton)
    reconcile = window.current_page()
    assert reconcile is window.pages["reconcile"]
    qtbot.waitUntil(lambda: reconcile.view is not None and reconcile.view.period == "2026-01", timeout=15_000)
    settle(qtbot, window)
