"""The Exceptions page: filters, SLA, owner assignment and resolution with a note, on a real book."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from bookbridge.core import clock
from bookbridge.exceptions.queue import AffectedItem, report
from bookbridge.exceptions.views import get_exception
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.exceptions_model import UNASSIGNED, ExceptionFilter, ExceptionsModel
from tests.ui.conftest import settle


def _raise(book, *, category: ExceptionCategory, severity: ExceptionSeverity, title: str, items: int = 1) -> int:
    with book.unit_of_work() as session:
        found = report(session, category=category, severity=severity, title=title, message=f"{title}: details",
                       cause=[title], items=[AffectedItem("expense", str(n), f"expense {n}") for n in range(1, items + 1)],
                       connection="main")
        return found.exception_id


def _queue(book) -> dict[str, int]:
    return {
        "inactive": _raise(book, category=ExceptionCategory.VALIDATION, severity=ExceptionSeverity.BLOCKER,
                           title="Account 6950 is inactive", items=3),
        "conflict": _raise(book, category=ExceptionCategory.CONFLICT, severity=ExceptionSeverity.WARNING,
                           title="Bill 1042 was changed in QuickBooks"),
        "closed": _raise(book, category=ExceptionCategory.CLOSED_PERIOD, severity=ExceptionSeverity.BLOCKER,
                         title="Books are closed through 2024-12-31"),
    }


def _shown_ids(page) -> list[int]:
    return [page.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 3).id for r in range(page.proxy.rowCount())]


def test_queue_lists_open_exceptions_with_sla_and_filters(qtbot, window: MainWindow, book) -> None:
    """Open exceptions show severity, SLA and held items; severity and owner filters narrow the grid."""
    ids = _queue(book)
    page = window.go_to("exceptions")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    assert sorted(_shown_ids(page)) == sorted(ids.values())
    row = _shown_ids(page).index(ids["inactive"])
    assert page.proxy.index(row, 1).data() == "Blocker" and page.proxy.index(row, 5).data() == "3"
    assert page.proxy.index(row, 2).data().startswith("due in ")
    page.severity.setCurrentIndex(page.severity.findData("warning"))
    assert _shown_ids(page) == [ids["conflict"]]
    page.severity.setCurrentIndex(0)
    page.owner.setCurrentIndex(page.owner.findData(UNASSIGNED))
    assert len(_shown_ids(page)) == 3
    page.category.setCurrentIndex(page.category.findData("closed_period"))
    assert _shown_ids(page) == [ids["closed"]]
    settle(qtbot, window)


def test_overdue_exception_says_so(qtbot, window: MainWindow, book) -> None:
    """An exception past its SLA reads "overdue by" in the grid and the detail."""
    ids = _queue(book)
    later = clock.now() + timedelta(days=10)
    clock.set_clock(lambda: later)
    try:
        page = window.go_to("exceptions")
        qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
        row = _shown_ids(page).index(ids["conflict"])
        page.table.selectRow(row)
        assert page.proxy.index(row, 2).data().startswith("overdue by ")
        assert "Overdue by" in page.detail.text() and "0 overdue" not in page.count.text()
    finally:
        clock.set_clock(None)
    settle(qtbot, window)


def test_assign_then_resolve_with_a_note(qtbot, window: MainWindow, book) -> None:
    """Assigning an owner and resolving with a note reach the queue; the resolved one leaves the open view."""
    ids = _queue(book)
    page = window.go_to("exceptions")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    page.table.selectRow(_shown_ids(page).index(ids["inactive"]))
    page.new_owner.setText("Dana (fleet manager)")
    qtbot.mouseClick(page.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: get_exception(book, ids["inactive"]).owner == "Dana (fleet manager)", timeout=10_000)
    qtbot.waitUntil(lambda: page.owner.findData("Dana (fleet manager)") >= 0, timeout=10_000)
    page.table.selectRow(_shown_ids(page).index(ids["inactive"]))
    page.note.setPlainText("Reactivated account 6950 in QuickBooks")
    qtbot.keyClick(page.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: get_exception(book, ids["inactive"]).status.value == "resolved", timeout=10_000)
    view = get_exception(book, ids["inactive"])
    assert view.resolution_note == "Reactivated account 6950 in QuickBooks" and not view.held_items
    qtbot.waitUntil(lambda: page.model.rowCount() == 3 and ids["inactive"] not in _shown_ids(page), timeout=10_000)
    assert "3 item(s) go out with the next sync" in page.message.text()
    settle(qtbot, window)


def test_resolving_without_a_note_is_refused(qtbot, window: MainWindow, book) -> None:
    """Resolve with an empty note shows the presenter's message and changes nothing."""
    from PySide6.QtWidgets import QMessageBox

    ids = _queue(book)
    page = window.go_to("exceptions")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    page.table.selectRow(0)
    qtbot.mouseClick(page.resolve_button, Qt.MouseButton.LeftButton)
    box = page.findChild(QMessageBox, "errorBox")
    assert box is not None and "note" in box.text()
    assert all(get_exception(book, i).status.value == "open" for i in ids.values())
    settle(qtbot, window)


def test_navigation_filter_and_model_contract(qtmodeltester, qtbot, window: MainWindow, book) -> None:
    """A drill-down filter sets the combos; the exceptions model passes qtmodeltester."""
    _queue(book)
    page = window.go_to("exceptions", ExceptionFilter(severity="blocker", status="open"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    assert page.severity.currentData() == "blocker" and page.proxy.rowCount() == 2
    assert isinstance(page.model, ExceptionsModel)
    qtmodeltester.check(page.model, force_py=True)
    settle(qtbot, window)
