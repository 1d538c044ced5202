"""First run: "Try with demo data" gets a newcomer to a synced demo company; the screenshot tour."""

from __future__ import annotations

import time
from datetime import date

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from bookbridge.store.models import Expense, ExpenseStatus, StatementLine
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.pages import PAGE_ORDER
from tests.ui.conftest import settle

TODAY = date(2026, 11, 21)


def test_try_with_demo_data_reaches_a_finished_sync_within_a_minute(qtbot, tmp_path, monkeypatch) -> None:
    """From the open dialog's demo button to a finished sync of the demo company takes well under a minute."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # where the demo book is kept
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    dialog = window.show_open_dialog()
    started = time.monotonic()
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.demo.ready, timeout=60_000):
        pass
    ready = time.monotonic() - started
    page = window.current_page()
    assert page is window.pages["sync"] and window.book is not None
    assert (tmp_path / "data").exists() and window.book.path.is_relative_to(tmp_path / "data")
    qtbot.waitUntil(lambda: page.sync_button.isEnabled(), timeout=20_000)
    assert page.current_connection().in_app_sandbox and page.current_connection().ok
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=60_000)
    synced = time.monotonic() - started
    print(f"\ndemo: ready to sync after {ready:.1f} s, synced after {synced:.1f} s")
    with window.book.read() as session:
        posted = session.scalar(sa.select(sa.func.count()).select_from(Expense)
                                .where(Expense.status == ExpenseStatus.POSTED))
        lines = session.scalar(sa.select(sa.func.count()).select_from(StatementLine))
    assert page.outcome.posted == posted > 300 and page.outcome.failed == 2 and lines > 10
    assert synced < 60
    settle(qtbot, window)
    window.close()


def test_screenshot_tour_saves_a_png_of_every_page(qtbot, tmp_path) -> None:
    """The screenshot tour writes the open dialog and one non-blank PNG per sidebar page, in order."""
    from bookbridge.ui.screenshots import take_screenshots

    saved = take_screenshots(tmp_path / "shots", book=tmp_path / "demo.bbk", today=TODAY, sync=False)
    assert [p.name.split("-", 1)[1] for p in saved] == ["open-or-create.png"] + [f"{k}.png" for k, _ in PAGE_ORDER]
    for path in saved:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 500
        assert len({image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}) > 3
