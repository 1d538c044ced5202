"""GUI tests run offscreen, with fresh Qt settings, on real books.

Qt caches where QSettings live on first use, so the per-test XDG directories of the top-level
conftest do not reach it; clearing the settings before each test keeps window state and
preferences from leaking from one test to the next. Each pytest-xdist worker gets its own settings
folder: under ``make test`` both workers share one XDG home, and one worker clearing the settings
while the other read them made remembered columns and the approver name flaky.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _qt_settings_per_worker(tmp_path_factory: pytest.TempPathFactory) -> None:
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qt-settings"))  # one base temp folder per xdist worker
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, folder)


@pytest.fixture(autouse=True)
def _fresh_qt_settings() -> None:
    from bookbridge.ui.settings import qsettings

    qsettings().clear()
    qsettings().sync()


@pytest.fixture
def window(qtbot, book):
    """The main window with the test book open (closed, jobs finished, at the end)."""
    from bookbridge.ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.set_book(book)
    yield win
    win.close()


def settle(qtbot, window, timeout: int = 15_000) -> None:
    """Wait until every background job of the window has finished."""
    qtbot.waitUntil(lambda: not window.runner.is_busy(), timeout=timeout)


@pytest.fixture
def expensify_file(tmp_path):
    """An Expensify-layout CSV (4 good rows, 1 bad) with a PNG and a PDF receipt beside it."""
    from tests.ui.import_files import expensify_csv

    folder = tmp_path / "inbox"
    folder.mkdir()
    return expensify_csv(folder)


@pytest.fixture
def coded_book(book, expensify_file):
    """The CSV imported through the ingest service, coded with the Fleet template, under a policy
    that needs a manager (and a second approver over 500.00)."""
    from bookbridge.coding.service import code_expenses
    from bookbridge.ingest.results import ImportOptions
    from bookbridge.ingest.service import import_file
    from tests.coding.coding_book import FLEET_TEMPLATE, POLICY, publish_template, set_policy

    import_file(book, ImportOptions(expensify_file, actor="test"))
    publish_template(book, FLEET_TEMPLATE)
    set_policy(book, POLICY)
    code_expenses(book, actor="test")
    return book
