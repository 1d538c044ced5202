"""The Connections page: which accounting systems the book posts to, and whether they work now.

Each connection shows its accounting system, environment (production, a vendor sandbox, a local
sandbox), company, status in words a bookkeeper can act on (connected, reconnect needed, sandbox
not running), when the access token and the whole authorization expire, the last sync and the API
quota each system reported after it (Xero: what is left of its minute and day). From here:
connect another system (the system browser signs in; paste-back where the app requires it; a
local sandbox of any of the four), reconnect one whose authorization lapsed, start the local
sandbox of a sandbox connection again after a restart, or try Bookbridge on a sandbox in one
click (QuickBooks Online; the button's menu offers the others).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bookbridge.connectors.registry import PROVIDERS
from bookbridge.ui.connection_terms import environment_of, quota_summary
from bookbridge.ui.dialogs.connect_dialog import ConnectDialog, sandbox_job
from bookbridge.ui.errors import show_error
from bookbridge.ui.models.connection_facts import ConnectionInfo, list_connections
from bookbridge.ui.models.connections_model import ConnectionsModel
from bookbridge.ui.models.record_table import TypedSortProxy
from bookbridge.ui.pages.base import SYNC, AppContext, Page
from bookbridge.ui.pages.sync import CONNECTIONS
from bookbridge.ui.sandbox_launchers import HAS_SANDBOX, default_connection_name
from bookbridge.ui.sandboxes import DEFAULT_SANDBOX_CONNECTION, host_of
from bookbridge.ui.settings import remember_header
from bookbridge.ui.tasks import Lane, TaskHandle


class ConnectionsPage(Page):
    """Connections with status, company, expiries and quota; connect, reconnect, sandbox."""

    key = "connections"
    title = "Connections"
    areas = frozenset({CONNECTIONS, SYNC})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._generation = 0
        self._task: TaskHandle | None = None
        self.dialog: ConnectDialog | None = None

        intro = QLabel("Bookbridge posts approved expenses to the accounting systems connected here. Sign-in "
                       "secrets stay in this computer's keyring; the book only records which company it is.")
        intro.setWordWrap(True)
        self.connect_button = QPushButton("Connect an accounting system…")
        self.connect_button.setObjectName("connectSystem")
        self.connect_button.clicked.connect(lambda: self.open_connect_dialog())
        self.sandbox_button = QToolButton()
        self.sandbox_button.setText("Try a local sandbox")
        self.sandbox_button.setObjectName("connectSandbox")
        self.sandbox_button.setToolTip("Starts a QuickBooks Online sandbox inside Bookbridge and connects to it: "
                                       "no account needed, nothing leaves this computer. The arrow offers the "
                                       "other systems' sandboxes.")
        self.sandbox_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        # Takes focus on click like the push buttons beside it (a tool button's default does not).
        self.sandbox_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sandbox_button.clicked.connect(lambda: self.connect_sandbox())
        self.sandbox_menu = QMenu(self.sandbox_button)
        for spec in PROVIDERS.values():
            if spec.name in HAS_SANDBOX:
                action = self.sandbox_menu.addAction(f"{spec.label} sandbox")
                action.setData(spec.name)
                action.triggered.connect(lambda _checked=False, p=spec.name: self.connect_sandbox(
                    default_connection_name(p), provider_name=p))
        self.sandbox_button.setMenu(self.sandbox_menu)
        self.reconnect_button = QPushButton("Reconnect…")
        self.reconnect_button.setObjectName("reconnect")
        self.reconnect_button.clicked.connect(self.reconnect_selected)
        self.sync_button = QPushButton("Go to Sync")
        self.sync_button.setObjectName("goToSync")
        self.sync_button.clicked.connect(lambda: self.ctx.navigate("sync"))
        actions = QHBoxLayout()
        for button in (self.connect_button, self.sandbox_button, self.reconnect_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.sync_button)

        self.model = ConnectionsModel(self)
        self.proxy = TypedSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("connectionsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.reconnect_selected())
        remember_header(self.table.horizontalHeader(), "connections")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._update_buttons())
        self.details = QLabel()
        self.details.setObjectName("connectionDetails")
        self.details.setWordWrap(True)
        self.empty = QLabel("No accounting system is connected yet. Connect yours, or try a local sandbox first: "
                            "QuickBooks Online, Xero, Sage Intacct and NetSuite each have one, and none needs "
                            "an account.")
        self.empty.setObjectName("connectionsEmpty")
        self.empty.setWordWrap(True)
        self.state = QLabel()
        self.state.setObjectName("connectionsState")
        self.state.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(actions)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.state)
        self._update_buttons()

    # --- Page -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        book = self.ctx.book
        host = host_of(self.ctx)
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit("Reading connections", lambda progress, cancel: list_connections(book, host))
        handle.succeeded.connect(lambda found: self._loaded(generation, found))
        handle.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self._generation += 1
        self.model.set_items([])
        self._update_buttons()

    def _loaded(self, generation: int, found: list[ConnectionInfo]) -> None:
        if generation != self._generation:
            return
        self.model.set_items(found)
        self.table.resizeColumnsToContents()
        self.empty.setVisible(not found)
        if found and not self.table.selectionModel().currentIndex().isValid():
            self.table.selectRow(0)
        self._update_buttons()

    # --- selection and buttons -------------------------------------------------------------------------
    def selected(self) -> ConnectionInfo | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.item(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        info = self.selected()
        self.details.setText("" if info is None else
                             f"{info.name}: {info.label} company {info.company_id}, "
                             f"{environment_of(info.provider, info.base_url, info.in_app_sandbox)}"
                             f"{'' if info.in_app_sandbox else f' ({info.base_url})'}. "
                             f"API quota after the last sync: {quota_summary(info)}.")
        idle = self._task is None and self.ctx.book is not None
        self.connect_button.setEnabled(idle)
        self.sandbox_button.setEnabled(idle)
        self.reconnect_button.setEnabled(idle and info is not None)
        self.reconnect_button.setText("Start sandbox" if info is not None and info.in_app_sandbox and not info.ok
                                      else "Reconnect…")
        self.sync_button.setEnabled(any(c.ok for c in self.model.items()))

    # --- actions ------------------------------------------------------------------------------------------
    def open_connect_dialog(self, *, name: str = "main", provider_name: str = "qbo",
                            sandbox: bool = False) -> ConnectDialog | None:
        if self.ctx.book is None:
            return None
        taken = {c.name for c in self.model.items()}
        if name == "main" and "main" in taken:
            name = next(f"main-{n}" for n in range(2, 100) if f"main-{n}" not in taken)
        self.dialog = ConnectDialog(self.ctx, self, name=name, provider_name=provider_name, sandbox=sandbox)
        self.dialog.connected.connect(self._connected)
        self.dialog.open()
        return self.dialog

    def connect_sandbox(self, name: str = DEFAULT_SANDBOX_CONNECTION, *,
                        provider_name: str = "qbo") -> TaskHandle | None:
        """Start the book's in-app sandbox of ``provider_name`` and connect ``name`` to it."""
        if self.ctx.book is None or self._task is not None:
            return None
        label = PROVIDERS[provider_name].label if provider_name in PROVIDERS else provider_name
        self.state.setText(f"Starting the local {label} sandbox and connecting…")
        self._task = self.ctx.runner.submit("Connecting the local sandbox",
                                            sandbox_job(self.ctx.book, self.ctx, name, self.ctx.actor(),
                                                        provider_name),
                                            lane=Lane.BOOK_WRITE)
        self._task.succeeded.connect(self._connected)
        self._task.failed.connect(self._failed)
        self._task.finished.connect(lambda _id: self._task_done())
        self._update_buttons()
        return self._task

    def reconnect_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        if info.in_app_sandbox:
            self.connect_sandbox(info.name, provider_name=info.provider)
        else:
            self.open_connect_dialog(name=info.name, provider_name=info.provider)
            if self.dialog is not None and info.base_url:
                self.dialog.where.setCurrentText(info.base_url)

    def _task_done(self) -> None:
        self._task = None
        self._update_buttons()

    def _connected(self, name: str) -> None:
        self.state.setText(f"Connected '{name}'. Sync posts to it from the Sync page.")
        self.ctx.notify_changed(CONNECTIONS)
        self.ctx.say(f"Connected {name}.")

    def _failed(self, exc: BaseException) -> None:
        self.state.setText("Not connected.")
        show_error(self, exc)
