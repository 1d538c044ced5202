"""The Sync and Connections pages against a real QBO sandbox over loopback, with real books."""

from __future__ import annotations

import os

import pytest
import requests
import sqlalchemy as sa
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from bookbridge.sandbox.qbo import QboSandbox
from bookbridge.store.models import Expense, ExpenseStatus, OutboxItem, OutboxStatus, RunStatus, SyncRun
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.connections_model import ConnectionsModel
from bookbridge.ui.models.sync_models import PayloadsModel, RunHistoryModel
from bookbridge.ui.sandboxes import host_of
from tests.sync.sync_book import approved_expenses, fuel
from tests.ui.conftest import settle


def _connect_sandbox(qtbot, window: MainWindow):
    page = window.go_to("connections")
    settle(qtbot, window)
    qtbot.mouseClick(page.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.item(0).ok, timeout=20_000)
    return page


def _posted(book) -> int:
    with book.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Expense)
                              .where(Expense.status == ExpenseStatus.POSTED)) or 0


def test_sandbox_connection_is_listed_with_status_company_and_expiry(qtbot, window: MainWindow, book) -> None:
    """One click connects the book to an in-app QBO sandbox; the grid shows it connected with its company."""
    page = _connect_sandbox(qtbot, window)
    info = page.model.item(0)
    sandbox = host_of(window.ctx).sandbox_for(book.path)
    assert sandbox is not None and info.company_id == sandbox.realm_id
    assert info.in_app_sandbox and info.status == "connected" and info.token_expires_at is not None
    status = next(c for c in range(page.proxy.columnCount())
                  if page.proxy.headerData(c, Qt.Orientation.Horizontal) == "Status")
    assert page.proxy.index(0, status).data() == "connected"
    assert page.sync_button.isEnabled()
    settle(qtbot, window)


def test_sync_now_posts_with_progress_and_a_summary(qtbot, window: MainWindow, book) -> None:
    """Sync now posts every approved expense once, the bar ends full, runs and the status bar show it."""
    approved_expenses(book, fuel(40))
    _connect_sandbox(qtbot, window)
    page = window.go_to("sync")
    qtbot.waitUntil(lambda: page.sync_button.isEnabled(), timeout=10_000)
    seen: list[tuple[int, int | None]] = []
    handle = page.start(dry_run=False)
    handle.progressed.connect(lambda report: seen.append((report.done, report.total)))
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=60_000)
    assert page.outcome.posted == 40 == _posted(book) and not page.outcome.cancelled
    assert seen and seen[-1] == (40, 40) and all(total == 40 for _done, total in seen)
    assert page.progress.value() == page.progress.maximum() == 40
    assert "Posted 40" in page.result.text()
    qtbot.waitUntil(lambda: page.runs_model.rowCount() == 1, timeout=10_000)
    assert page.runs_proxy.index(0, 3).data() == "40"
    assert "40 posted" in window.status_sync.text()
    settle(qtbot, window)


def test_dry_run_lists_payloads_and_sends_nothing(qtbot, window: MainWindow, book) -> None:
    """A dry run lists one payload per document with its exact JSON, and posts nothing."""
    approved_expenses(book, fuel(3))
    _connect_sandbox(qtbot, window)
    page = window.go_to("sync")
    qtbot.waitUntil(lambda: page.dry_button.isEnabled(), timeout=10_000)
    page.payloads.setFocus()
    qtbot.keyClick(page.payloads, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)  # Shift+F9: the dry run
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=30_000)
    assert page.outcome.dry_run and page.outcome.would_post == 3 and _posted(book) == 0
    assert page.payloads_model.rowCount() == 3 and page.tabs.currentIndex() == 1
    assert '"TxnDate": "2026-03-02"' in page.payload_text.toPlainText()
    assert "Dry run: 3 documents would be sent" in page.result.text()
    settle(qtbot, window)


def test_cancel_stops_between_batches_and_records_the_run(qtbot, window: MainWindow, book) -> None:
    """Cancel during a sync stops it after a batch: what was posted is recorded, the run says cancelled."""
    approved_expenses(book, fuel(150))
    _connect_sandbox(qtbot, window)
    page = window.go_to("sync")
    qtbot.waitUntil(lambda: page.sync_button.isEnabled(), timeout=10_000)
    handle = page.start(dry_run=False)
    qtbot.waitUntil(lambda: page.progress.value() >= 30, timeout=60_000)
    qtbot.keyClick(page.cancel_button, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=60_000)
    assert page.outcome.cancelled and handle.state.value == "cancelled"
    posted = _posted(book)
    assert 30 <= posted < 150 and page.outcome.posted == posted
    with book.read() as session:
        run = session.scalars(sa.select(SyncRun).where(SyncRun.dry_run.is_(False))).one()
        in_flight = session.scalar(sa.select(sa.func.count()).select_from(OutboxItem)
                                   .where(OutboxItem.status == OutboxStatus.IN_FLIGHT))
    assert run.status is RunStatus.FAILED and run.message.startswith("cancelled") and in_flight == 0
    assert "Cancelled" in page.result.text()
    settle(qtbot, window)


needs_keyring = pytest.mark.skipif(os.environ.get("BOOKBRIDGE_TEST_KEYRING") != "1",
                                   reason="needs the real OS keyring: run under packaging/scripts/with-test-keyring.sh")


@needs_keyring
def test_connect_dialog_signs_in_to_a_sandbox_address_headless(qtbot, window: MainWindow, book) -> None:
    """The connect dialog signs in to a sandbox at a local address without a browser; tokens go to the keyring."""
    from bookbridge.connectors.tokens import KeyringTokenStore

    with QboSandbox(limits=False) as sandbox:
        page = window.go_to("connections")
        dialog = page.open_connect_dialog()
        qtbot.addWidget(dialog)
        dialog.where.setCurrentText(sandbox.base_url)
        dialog.client_id.setText("bookbridge-test")
        dialog.client_secret.setText("client-secret-typed-in-the-dialog")
        with qtbot.waitSignal(dialog.connected, timeout=20_000):
            qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
        assert page.model.item(0).company_id == sandbox.realm_id and page.model.item(0).ok
        assert KeyringTokenStore(book.book_id, "main").load_tokens() is not None
        assert dialog.client_secret.text() == ""
    assert b"client-secret-typed-in-the-dialog" not in book.path.read_bytes()
    settle(qtbot, window)


class _Browser(QObject):
    """The person at the system browser: follows the sign-in address to where it redirects."""

    def __init__(self) -> None:
        super().__init__()
        self.landed: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        answer = requests.get(url.toString(), allow_redirects=False, timeout=10)
        self.landed.append(answer.headers["Location"])


@needs_keyring
def test_paste_back_sign_in_opens_the_system_browser_and_reads_the_pasted_address(qtbot, window: MainWindow,
                                                                                  book) -> None:
    """With an https redirect the sign-in opens in the system browser and the pasted address completes it."""
    browser = _Browser()
    QDesktopServices.setUrlHandler("http", browser, "open")
    try:
        with QboSandbox(limits=False) as sandbox:
            page = window.go_to("connections")
            dialog = page.open_connect_dialog()
            qtbot.addWidget(dialog)
            dialog.where.setCurrentText(sandbox.base_url)
            dialog.client_id.setText("bookbridge-test")
            dialog.client_secret.setText("client-secret-typed-in-the-dialog")  # QuickBooks always needs one
            dialog.redirect.setText("https://app.example.com/bookbridge/callback")
            qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: dialog.paste_row.isVisible(), timeout=20_000)
            assert browser.landed and browser.landed[0].startswith("https://app.example.com/bookbridge/callback?")
            dialog.paste.setText(browser.landed[0])
            with qtbot.waitSignal(dialog.connected, timeout=20_000):
                qtbot.mouseClick(dialog.paste_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
            assert page.model.item(0).company_id == sandbox.realm_id
    finally:
        QDesktopServices.unsetUrlHandler("http")
    settle(qtbot, window)


def test_new_grid_models_keep_qts_contract(qtmodeltester, qtbot, window: MainWindow, book) -> None:
    """The runs, payloads and connections models pass qtmodeltester with real rows."""
    approved_expenses(book, fuel(2))
    _connect_sandbox(qtbot, window)
    page = window.go_to("sync")
    qtbot.waitUntil(lambda: page.dry_button.isEnabled(), timeout=10_000)
    page.start(dry_run=True)
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=30_000)
    qtbot.waitUntil(lambda: page.runs_model.rowCount() == 1, timeout=10_000)
    for model in (page.runs_model, page.payloads_model, window.pages["connections"].model):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)
    assert isinstance(page.runs_model, RunHistoryModel) and isinstance(page.payloads_model, PayloadsModel)
    assert isinstance(window.pages["connections"].model, ConnectionsModel)
    settle(qtbot, window)
