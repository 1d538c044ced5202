"""The main window shell: navigation, shortcuts, empty states, status bar, remembered state, theme."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from bookbridge.store.models import Connection
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.pages import PAGE_ORDER
from bookbridge.ui.pages.coming import COMING
from bookbridge.ui.settings import preference
from bookbridge.ui.theme import is_dark
from tests.ui.conftest import settle


def test_navigation_lists_every_page_in_order(window: MainWindow) -> None:
    """The sidebar lists the thirteen pages of issue 7 in order, each backed by a page widget."""
    keys = [window.nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(window.nav.count())]
    assert keys == [key for key, _ in PAGE_ORDER]
    assert len(keys) == 13 and set(window.pages) == set(keys)


def test_ctrl_number_shortcuts_switch_pages(qtbot, window: MainWindow) -> None:
    """Ctrl+1..9 show the first nine pages; clicking the sidebar shows the page clicked."""
    for number, (key, _title) in enumerate(PAGE_ORDER[:9], start=1):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_page() is window.pages[key]
    window.nav.setCurrentRow(len(PAGE_ORDER) - 1)
    assert window.current_page() is window.pages["settings"]
    settle(qtbot, window)


def test_pages_not_built_yet_say_so(window: MainWindow) -> None:
    """Pages not built yet show an honest empty state naming the command that works meanwhile; built ones do not."""
    for key in COMING:
        headline = window.pages[key].findChild(QLabel, "emptyHeadline")
        explanation = window.pages[key].findChild(QLabel, "emptyExplanation")
        assert "arrive" in headline.text() and "bookbridge " in explanation.text()
    for number, (key, _title) in enumerate(PAGE_ORDER):
        assert window.nav.item(number).text().endswith("soon") == (key in COMING)
    assert "sync" not in COMING and window.pages["sync"].findChild(QLabel, "emptyHeadline") is None


def test_status_bar_shows_book_and_last_sync(qtbot, window: MainWindow, book) -> None:
    """The status bar names the open book and the last sync; F5 picks up a new sync time."""
    assert book.path.name in window.status_book.text()
    assert window.status_sync.text() == "Never synced"
    with book.unit_of_work() as session:
        session.add(Connection(name="qbo", provider="qbo", created_at=datetime.now(timezone.utc),
                               last_sync_at=datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)))
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.status_sync.text().startswith("Last sync: ")
    assert "2026" in window.status_sync.text()
    settle(qtbot, window)


def test_without_a_book_the_window_invites_to_open_one(qtbot) -> None:
    """Before a book is open the window shows the welcome state and page shortcuts are off."""
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.root.currentWidget() is win.welcome
    assert not win.page_actions["expenses"].isEnabled()
    assert win.welcome.button is not None and "Open" in win.welcome.button.text()


def test_window_size_and_sidebar_width_are_remembered(qtbot, book) -> None:
    """A second window opens at the height and sidebar width the first one closed with."""
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.resize(first.width(), 640)  # the offscreen screen is 800 px: restoring clamps to it
    height = first.height()
    first.splitter.setSizes([260, 700])
    first.splitter.splitterMoved.emit(260, 1)
    width = first.splitter.sizes()[0]
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.height() == height == 640
    assert second.splitter.sizes()[0] == width != 180
    second.close()


def test_dark_preference_paints_a_dark_palette(qtbot, window: MainWindow) -> None:
    """Choosing Dark in Settings darkens the palette and stores the preference; System restores."""
    page = window.go_to("settings")
    combo = page.editors["theme"]
    with qtbot.waitSignal(window.theme.changed, timeout=2000) as blocker:
        combo.setCurrentIndex(combo.findData("dark"))
    assert blocker.args == [True]
    assert preference("theme") == "dark" and is_dark(QApplication.palette())
    combo.setCurrentIndex(combo.findData("system"))
    assert preference("theme") == "system" and not is_dark(QApplication.palette())
    settle(qtbot, window)


def test_status_bar_shows_a_long_task_and_cancels_it(qtbot, window: MainWindow) -> None:
    """A task that runs a while shows its step and done/total in the status bar; Cancel stops it."""
    import threading

    from bookbridge.ui.tasks import Lane, TaskState

    started = threading.Event()

    def job(progress, cancel):
        started.set()
        done = 0
        while not cancel.is_set() and done < 10_000:
            done += 1
            progress("Posting entries", done, 10_000)
            cancel.wait(0.002)
        return done

    settle(qtbot, window)
    handle = window.runner.submit("Posting entries", job, lane=Lane.BOOK_WRITE)
    status = window.task_status
    qtbot.waitUntil(lambda: status.isVisible() and status.bar.maximum() == 10_000, timeout=5000)
    assert status.label.text() == "Posting entries" and "/ 10,000" in status.bar.format()
    qtbot.mouseClick(status.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(handle.is_done, timeout=5000)
    assert handle.state is TaskState.CANCELLED
    qtbot.waitUntil(lambda: not status.isVisible(), timeout=5000)
