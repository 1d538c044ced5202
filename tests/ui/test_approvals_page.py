"""The Approvals page: the queue, A to approve, R to reject with a reason, arrows to move."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bookbridge.coding.approvals import approval_queue
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.approval_queue_model import ApprovalQueueModel
from bookbridge.ui.settings import set_preference
from tests.coding.coding_book import status_of
from tests.ui.conftest import settle


@pytest.fixture
def approvals(qtbot, coded_book):
    set_preference("actor_name", "Alice Manager")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(coded_book)
    page = window.go_to("approvals")
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=15_000)
    page.table.setFocus()
    yield window, page
    settle(qtbot, window)
    window.close()


def _current_id(page) -> int:
    return page.current_item()["id"]


def _select_vendor(page, vendor: str) -> None:
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.index(r, 1).data() == vendor)
    page.select_row(row)


def test_queue_lists_expenses_awaiting_approval_with_levels(approvals) -> None:
    """Every coded expense awaiting approval is listed with the levels it still waits for."""
    _window, page = approvals
    vendors = {page.proxy.index(r, 1).data() for r in range(page.proxy.rowCount())}
    assert vendors == {"Shell", "Denny's", "Marriott", "Pilot Flying J"}
    _select_vendor(page, "Marriott")
    assert "second approver" in page.detail.text()
    assert "Alice Manager" in page.acting.text()


def test_a_approves_the_selected_expense_and_moves_on(qtbot, approvals, coded_book) -> None:
    """Pressing A approves the current expense as the user from Settings; it leaves the queue."""
    _window, page = approvals
    _select_vendor(page, "Shell")
    shell = _current_id(page)
    qtbot.keyClick(page.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    assert status_of(coded_book, shell) == "approved"
    assert "fully approved" in page.message.text()
    assert page.current_item() is not None and _current_id(page) != shell


def test_partial_approval_keeps_the_expense_waiting(qtbot, approvals, coded_book) -> None:
    """Approving the manager level of an expense that also needs a second approver keeps it queued."""
    _window, page = approvals
    _select_vendor(page, "Marriott")
    marriott = _current_id(page)
    page.comment.setPlainText("two nights for the Denver run")
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "still waiting" in page.message.text(), timeout=10_000)
    assert status_of(coded_book, marriott) == "awaiting_approval"
    item = next(i for i in approval_queue(coded_book) if i["id"] == marriott)
    assert item["approved"] == [{"level": "manager", "by": "Alice Manager"}]
    assert item["history"][0]["comment"] == "two nights for the Denver run"


def test_r_without_a_reason_is_refused_and_with_one_rejects(qtbot, approvals, coded_book) -> None:
    """R with an empty comment asks for the reason and changes nothing; with a reason it rejects."""
    _window, page = approvals
    _select_vendor(page, "Denny's")
    dennys = _current_id(page)
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    box = page.findChild(QMessageBox, "errorBox")
    assert box is not None and "reason" in box.text()
    assert status_of(coded_book, dennys) == "awaiting_approval"
    box.close()
    page.comment.setPlainText("no itemised receipt")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: status_of(coded_book, dennys) == "rejected", timeout=10_000)
    qtbot.waitUntil(lambda: page.model.row_of(dennys) is not None and
                    page.model.item(page.model.row_of(dennys))["status"] == "rejected", timeout=10_000)
    rejection = page.model.item(page.model.row_of(dennys))["rejection"]
    assert rejection["reason"] == "no itemised receipt" and rejection["by"] == "Alice Manager"


def test_arrow_keys_move_through_the_queue(qtbot, approvals) -> None:
    """Down and Up move the current expense, and the detail follows."""
    _window, page = approvals
    page.select_row(0)
    first = _current_id(page)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    second = _current_id(page)
    assert second != first and page.current_item()["vendor"] in page.detail.text()
    qtbot.keyClick(page.table, Qt.Key.Key_Up)
    assert _current_id(page) == first


def test_typing_a_comment_never_approves(qtbot, approvals, coded_book) -> None:
    """The letters A and R typed in the comment box are text, not shortcuts."""
    _window, page = approvals
    page.select_row(0)
    current = _current_id(page)
    qtbot.keyClicks(page.comment, "Rare Advance")
    qtbot.wait(200)
    assert page.comment.toPlainText() == "Rare Advance"
    assert status_of(coded_book, current) == "awaiting_approval"


def test_queue_model_passes_qtmodeltester(qtmodeltester, coded_book) -> None:
    """The approval queue model keeps Qt's model contract."""
    model = ApprovalQueueModel()
    model.set_items(approval_queue(coded_book))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 4
