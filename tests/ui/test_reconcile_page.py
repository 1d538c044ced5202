"""The Reconcile and Reports pages on a realistic January: import, decide with keys, sign off, pack."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from bookbridge.store.models import Match, MatchStatus, MonthEndPack, StatementLine
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.packs_model import PacksModel
from bookbridge.ui.models.reconcile_models import ChecklistModel, StatementLinesModel
from tests.reconcile.month_end_book import CARD_ROWS, MonthBook, _ofx, add_expenses, code_and_approve, post_all
from tests.ui.conftest import settle


@pytest.fixture
def january(book, tmp_path, after_close):
    """January 2026 posted (six expenses), the clock a few days after it closed."""
    month = MonthBook(book, tmp_path)
    add_expenses(month)
    code_and_approve(month)
    post_all(month)
    return month


@pytest.fixture
def after_close():
    from tests.reconcile.month_end_book import AFTER_CLOSE
    from bookbridge.core import clock

    clock.set_clock(lambda: AFTER_CLOSE)
    yield AFTER_CLOSE
    clock.set_clock(None)


class _Viewer(QObject):
    """The system's PDF viewer: remembers what it was asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def show(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


def _card_statement(folder: Path) -> Path:
    path = folder / "visa-2026-01.ofx"
    path.write_text(_ofx("card", "4111111111114444", CARD_ROWS, "-0.00"))
    return path


def _imported(qtbot, window: MainWindow, month: MonthBook):
    page = window.go_to("reconcile")
    settle(qtbot, window)
    page.import_statement(_card_statement(month.folder), account="Visa 4444")
    qtbot.waitUntil(lambda: page.view is not None and len(page.view.lines) == 5 and not page._busy, timeout=20_000)
    settle(qtbot, window)
    return page


def _statuses(book) -> dict[str, str]:
    with book.read() as session:
        return {bank_id: status.value for bank_id, status in
                session.execute(sa.select(StatementLine.bank_id, StatementLine.match_status))}


def test_imported_statement_shows_lines_beside_suggested_expenses(qtbot, window: MainWindow, january) -> None:
    """Importing a card statement lists its lines for January with the matcher's scored suggestions."""
    page = _imported(qtbot, window, january)
    assert page.period.currentData() == "2026-01"
    assert [page.proxy.index(r, 4).data() for r in range(5)].count("suggested") == 4
    shell = next(r for r in range(5) if page.proxy.index(r, 2).data() == "SHELL")
    page.table.selectRow(shell)
    assert "Shell" in page.match_panel.explanation.text() and "Score" in page.match_panel.explanation.text()
    assert float(page.proxy.index(shell, 5).data()) > 0.5
    assert "5 statement lines" in page.summary.text() and "4 with a suggestion" in page.summary.text()


def test_keyboard_accepts_rejects_and_undoes(qtbot, window: MainWindow, january) -> None:
    """A accepts the selected suggestion and moves on; R rejects the next; U undoes the acceptance."""
    page = _imported(qtbot, window, january)
    page.table.selectRow(0)
    first = page.current_line()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: _statuses(january.book)[_bank_id(january.book, first.id)] == "matched", timeout=10_000)
    qtbot.waitUntil(lambda: not page._busy and page.current_line() is not None
                    and page.current_line().id != first.id, timeout=10_000)
    second = page.current_line()
    assert second.status == "unmatched" and second.suggestions
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: _rejected(january.book) == 1, timeout=10_000)
    settle(qtbot, window)
    row = page.proxy.mapFromSource(page.model.index(page.model.row_where(lambda l: l.id == first.id), 0)).row()
    page.table.selectRow(row)
    assert page.match_panel.undo_button.isEnabled()
    qtbot.keyClick(page.table, Qt.Key.Key_U)
    qtbot.waitUntil(lambda: _statuses(january.book)[_bank_id(january.book, first.id)] == "unmatched", timeout=10_000)
    settle(qtbot, window)


def _bank_id(book, line_id: int) -> str:
    with book.read() as session:
        return session.get(StatementLine, line_id).bank_id


def _rejected(book) -> int:
    with book.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Match).where(Match.status == MatchStatus.REJECTED))


def test_checklist_sign_off_and_reopen(qtbot, window: MainWindow, january) -> None:
    """After accepting and explaining every line the checklist has no blocker; sign-off locks, reopen unlocks."""
    page = _imported(qtbot, window, january)
    for _ in range(5):
        line = next((l for l in page.model.items() if l.status == "unmatched"), None)
        if line is None:
            break
        if line.suggestions:
            page.table.selectRow(page.proxy.mapFromSource(page.model.index(page.model.items().index(line), 0)).row())
            page.match_panel.act("accept")
        else:
            page.explain_line(line.id, "card repayment from the operating account")
        qtbot.waitUntil(lambda: not page._busy, timeout=10_000)
        settle(qtbot, window)
    assert set(_statuses(january.book).values()) <= {"matched", "explained"}
    statuses = {page.checklist.model.item(r).code: page.checklist.model.item(r).status.value
                for r in range(page.checklist.model.rowCount())}
    assert statuses["lines_matched"] == "ok" and page.checklist.signoff_button.isEnabled()
    page.sign_off("January done", force="blocker" in statuses.values())
    qtbot.waitUntil(lambda: page.view is not None and page.view.state.locked, timeout=15_000)
    assert "signed off" in page.checklist.overall.text() and page.checklist.reopen_button.isEnabled()
    assert not page.match_button.isEnabled()
    page.reopen("a late fuel receipt")
    qtbot.waitUntil(lambda: page.view is not None and not page.view.state.locked and not page._busy, timeout=15_000)
    assert [e.action for e in page.view.state.history] == ["signed_off", "reopened"]
    settle(qtbot, window)


def test_generate_pack_writes_the_pdf_opens_it_and_lists_it(qtbot, window: MainWindow, january, tmp_path) -> None:
    """Generate pack writes the month's PDF (the company is in it), opens it in the viewer, and Reports lists it."""
    viewer = _Viewer()
    QDesktopServices.setUrlHandler("file", viewer, "show")
    try:
        page = _imported(qtbot, window, january)
        output = tmp_path / "january-pack.pdf"
        handle = page.generate_pack(output)
        with qtbot.waitSignal(page.pack.written, timeout=60_000):
            pass
        assert handle is not None and output.is_file() and viewer.opened == [str(output)]
        text = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True, check=True).stdout
        assert "Test Haulage Ltd" in text and "2026-01" in text
        reports = window.go_to("reports")
        qtbot.waitUntil(lambda: reports.model.rowCount() == 1, timeout=10_000)
        pack = reports.model.item(0)
        assert pack.period == "2026-01" and pack.path == output.resolve() and pack.intact
        with january.book.read() as session:
            assert session.scalar(sa.select(MonthEndPack.sha256)) == pack.sha256
        reports.table.selectRow(0)
        reports.open_selected()
        assert viewer.opened[-1] == str(output.resolve())
    finally:
        QDesktopServices.unsetUrlHandler("file")
    settle(qtbot, window)


def test_csv_export_writes_the_pack_tables(qtbot, window: MainWindow, january, tmp_path) -> None:
    """Export CSV writes the month's tables (cover, checklist...) into the chosen folder."""
    reports = window.go_to("reports")
    qtbot.waitUntil(lambda: reports.period.count() > 0, timeout=10_000)
    reports.period.setCurrentIndex(reports.period.findData("2026-01"))
    folder = tmp_path / "csv"
    handle = reports.export_csv(folder)
    with qtbot.waitSignal(handle.succeeded, timeout=30_000):
        pass
    assert (folder / "cover.csv").is_file() and "Test Haulage Ltd" in (folder / "cover.csv").read_text()
    assert "CSV files" in reports.state.text()
    settle(qtbot, window)


def test_reconcile_and_reports_models_keep_qts_contract(qtmodeltester, qtbot, window: MainWindow, january,
                                                        tmp_path) -> None:
    """The statement lines, checklist and packs models pass qtmodeltester with real rows."""
    page = _imported(qtbot, window, january)
    page.generate_pack(tmp_path / "p.pdf").succeeded  # noqa: B018 (started; awaited below)
    page.pack.open_when_done = False
    with qtbot.waitSignal(page.pack.written, timeout=60_000):
        pass
    reports = window.go_to("reports")
    qtbot.waitUntil(lambda: reports.model.rowCount() == 1, timeout=10_000)
    for model in (page.model, page.checklist.model, reports.model):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)
    assert isinstance(page.model, StatementLinesModel) and isinstance(page.checklist.model, ChecklistModel)
    assert isinstance(reports.model, PacksModel)
    settle(qtbot, window)
