"""The main window: navigation on the left, one page at a time on the right, a status bar below.

The window owns the task runner and the :class:`AppContext` every page talks to. It remembers its
size, the navigation splitter and each page's own splitters and columns (QSettings, window
state kept apart from preferences), follows the system's light or dark theme, and shows the open
book and the last sync in the status bar. Closing it waits for background jobs to finish before
the book is closed, so no worker ever uses a closed engine.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bookbridge.store.book import Book
from bookbridge.ui.demo_session import DemoStarter
from bookbridge.ui.dialogs.open_book import OpenBookDialog
from bookbridge.ui.errors import show_error
from bookbridge.ui.models.book_facts import last_sync_text
from bookbridge.ui.pages import PAGE_ORDER
from bookbridge.ui.pages.approvals import ApprovalsPage
from bookbridge.ui.pages.base import SYNC, AppContext, Page
from bookbridge.ui.pages.coming import COMING, ComingPage
from bookbridge.ui.pages.connections import ConnectionsPage
from bookbridge.ui.pages.dashboard import DashboardPage
from bookbridge.ui.pages.exceptions import ExceptionsPage
from bookbridge.ui.pages.expenses import ExpensesPage
from bookbridge.ui.pages.import_page import ImportPage
from bookbridge.ui.pages.inbox import InboxPage
from bookbridge.ui.pages.mappings import MappingsPage
from bookbridge.ui.pages.reconcile import ReconcilePage
from bookbridge.ui.pages.reports import ReportsPage
from bookbridge.ui.pages.rules import RulesPage
from bookbridge.ui.pages.settings_page import SettingsPage
from bookbridge.ui.pages.sync import SyncPage
from bookbridge.ui.sandboxes import host_of
from bookbridge.ui.settings import remember_splitter, restore_window, save_window
from bookbridge.ui.tasks import TaskRunner
from bookbridge.ui.theme import ThemeWatcher
from bookbridge.ui.widgets.empty_state import EmptyState
from bookbridge.ui.widgets.task_status import TaskStatus

WAIT_FOR_TASKS_MS = 30_000
WARM_CONNECTIONS = 3  # the GUI thread plus two workers reading at once
WARM_DELAY_MS = 1500


def warm_connections(book: Book):
    """A job that opens the book's pooled connections ahead of need.

    Keying a SQLCipher connection derives the key from the passphrase (~0.3 s of CPU each time).
    Paying that on a worker now means neither the GUI thread (fetching rows while a worker reads)
    nor a page's job pays it later.
    """
    def job(progress, cancel) -> int:
        progress("Preparing the book")
        with ExitStack() as stack:
            for _ in range(WARM_CONNECTIONS):
                if cancel.is_set():
                    break
                stack.enter_context(book.engine.connect())
            return len(stack._exit_callbacks)  # noqa: SLF001 (how many were opened)
    return job


def _page_factories() -> dict[str, Callable[[AppContext], Page]]:
    """Built pages by key; every other key gets its honest empty state."""
    return {cls.key: cls for cls in (DashboardPage, InboxPage, ExpensesPage, ImportPage, MappingsPage, RulesPage,
                                     ApprovalsPage, SyncPage,
                                     ReconcilePage, ExceptionsPage, ReportsPage, ConnectionsPage, SettingsPage)}


class MainWindow(QMainWindow):
    """Top-level window: a book, its pages, the status bar and the main actions."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Bookbridge")
        self.book: Book | None = None
        self.runner = TaskRunner(self)
        self.ctx = AppContext(self.runner, self)
        app = QApplication.instance()
        self.theme = ThemeWatcher(app, self)  # type: ignore[arg-type]
        self.theme.apply()

        self.pages: dict[str, Page] = {}
        self.root = QStackedWidget()
        self.root.setObjectName("root")
        self.welcome = EmptyState("No book is open",
                                  "Open a book, or create one for your company, to import and post expenses.")
        self.welcome.add_button("Open or create a book…").clicked.connect(self.show_open_dialog)
        self.root.addWidget(self.welcome)
        self.root.addWidget(self._build_workspace())
        self.setCentralWidget(self.root)
        self._build_actions()
        self._build_status_bar()
        self.ctx.navigate_requested.connect(self.go_to)
        self.ctx.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.ctx.data_changed.connect(self._data_changed)
        self.demo = DemoStarter(self)
        self.demo.step.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        self.resize(1200, 760)
        restore_window(self)

    # --- construction -------------------------------------------------------------------------------
    def _build_workspace(self) -> QWidget:
        workspace = QWidget()
        self.summary = QLabel("No book is open. Use File → Open or create a book.")
        self.summary.setObjectName("bookSummary")
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(16, 16))
        self.nav.setMinimumWidth(150)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        factories = _page_factories()
        for number, (key, title) in enumerate(PAGE_ORDER, start=1):
            factory = factories.get(key)
            page = factory(self.ctx) if factory else ComingPage(self.ctx, key, title)
            self.pages[key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(title if key not in COMING else f"{title}  ·  soon")
            item.setData(Qt.ItemDataRole.UserRole, key)
            if number <= 9:
                item.setToolTip(f"{title} (Ctrl+{number})")
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([180, 1000])
        remember_splitter(self.splitter, "main")
        layout = QVBoxLayout(workspace)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        return workspace

    def _build_actions(self) -> None:
        self.open_action = self._action("&Open or create a book…", QKeySequence.StandardKey.Open, self.show_open_dialog)
        self.import_action = self._action("&Import a file…", QKeySequence("Ctrl+I"), self._import_shortcut)
        self.refresh_action = self._action("&Refresh", QKeySequence.StandardKey.Refresh, self.refresh_current)
        self.settings_action = self._action("&Settings", QKeySequence.StandardKey.Preferences,
                                            lambda: self.go_to("settings"))
        quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.import_action, self.refresh_action, self.settings_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        go_menu = self.menuBar().addMenu("&Go")
        self.page_actions: dict[str, QAction] = {}
        for number, (key, title) in enumerate(PAGE_ORDER, start=1):
            shortcut = QKeySequence(f"Ctrl+{number}") if number <= 9 else QKeySequence()
            action = self._action(title, shortcut, lambda _checked=False, k=key: self.go_to(k))
            go_menu.addAction(action)
            self.page_actions[key] = action
        for action in (self.import_action, self.refresh_action, self.settings_action, *self.page_actions.values()):
            action.setEnabled(False)

    def _action(self, text: str, shortcut: QKeySequence | QKeySequence.StandardKey, slot: Callable) -> QAction:
        action = QAction(text, self)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        self.status_book = QLabel("No book open")
        self.status_book.setObjectName("statusBook")
        self.status_sync = QLabel("")
        self.status_sync.setObjectName("statusLastSync")
        self.task_status = TaskStatus(self.runner)
        bar = self.statusBar()
        bar.addPermanentWidget(self.task_status)
        bar.addPermanentWidget(self.status_sync)
        bar.addPermanentWidget(self.status_book)

    # --- navigation ---------------------------------------------------------------------------------
    def current_page(self) -> Page:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def go_to(self, key: str, argument: object = None) -> Page:
        """Show page ``key`` (and hand it ``argument``, e.g. a filter)."""
        keys = [k for k, _ in PAGE_ORDER]
        self.nav.setCurrentRow(keys.index(key))
        page = self.pages[key]
        if argument is not None:
            page.receive(argument)
        return page

    def refresh_current(self) -> None:
        self.current_page().refresh()
        self._update_last_sync()

    def _import_shortcut(self) -> None:
        page = self.go_to("import")
        choose = getattr(page, "choose_files", None)
        if callable(choose):
            choose()

    # --- the book -----------------------------------------------------------------------------------
    def show_open_dialog(self) -> OpenBookDialog:
        dialog = OpenBookDialog(self)
        dialog.book_opened.connect(self.set_book)
        dialog.demo_requested.connect(lambda: self.demo.start())
        dialog.open()
        return dialog

    def set_book(self, book: Book) -> None:
        self._close_book()
        self.book = book
        company = book.company()
        self.setWindowTitle(f"Bookbridge — {company.name}")
        self.summary.setText(f"{company.name} · home currency {company.home_currency} · {book.path}")
        self.status_book.setText(f"Book: {book.path.name}")
        self.status_book.setToolTip(str(book.path))
        self.root.setCurrentIndex(1)
        for action in (self.import_action, self.refresh_action, self.settings_action, *self.page_actions.values()):
            action.setEnabled(True)
        # GUI-thread reads first, so the pooled connection is free again when the pages' jobs start.
        self._update_last_sync()
        self.ctx.set_book(book)
        # After the first page has had its turn: warming first would take the one open connection.
        QTimer.singleShot(WARM_DELAY_MS, lambda b=book: self._warm(b))

    def _warm(self, book: Book) -> None:
        if self.book is book:
            self.runner.submit("Preparing the book", warm_connections(book))

    def _close_book(self) -> None:
        """Stop background work, then close the book (workers must never see a disposed engine)."""
        if self.book is None:
            return
        self.runner.cancel_all()
        if not self.runner.wait(WAIT_FOR_TASKS_MS):
            self.statusBar().showMessage("A background task is still running; closing anyway.")
        self.ctx.set_book(None)
        host_of(self.ctx).forget_book(self.book.book_id)  # its sandbox tokens are no use to another book
        self.book.close()
        self.book = None

    def _update_last_sync(self) -> None:
        if self.book is None:
            self.status_sync.clear()
            return
        try:
            self.status_sync.setText(last_sync_text(self.book))
        except Exception as exc:  # the status bar must not break the window; the presenter logs it
            show_error(self, exc)

    def _data_changed(self, areas: frozenset[str]) -> None:
        if SYNC in areas:
            self._update_last_sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        save_window(self)
        self._close_book()
        self.runner.cancel_all()
        self.runner.wait(WAIT_FOR_TASKS_MS)
        host_of(self.ctx).stop_all()  # the in-app sandboxes end with the window that started them
        super().closeEvent(event)
