"""Local accounting systems started inside the app, and the tokens of the connections to them.

A newcomer (or a bookkeeper trying Bookbridge before connecting the real company) connects a
book to a QuickBooks Online sandbox that runs in this process: no Intuit account, no browser, no
keyring. The sandbox keeps its company in a folder beside the book (the same folder
``bookbridge demo --headless`` uses), so what was posted stays posted when the app is restarted
and a later sync posts nothing twice.

Tokens of such a connection live in memory only (a :class:`MemoryTokenStore`): they are worth
nothing once the sandbox stops, and keeping them out of the keyring means a sandbox never leaves
anything behind on the computer. Every other connection reads its tokens from the OS keyring, so
:meth:`SandboxHost.token_store` answers ``None`` for it (the engines' default).

The host is used from worker threads (a connect job starts a sandbox) and from the GUI thread
(listing connections), so its registry is guarded by a lock; it never touches a widget.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PySide6.QtCore import QObject

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import ConnectResult, connect
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore, TokenStore
from bookbridge.core import clock
from bookbridge.sandbox.qbo import QboSandbox
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import Connection

log = logging.getLogger("bookbridge.ui.sandboxes")

IN_APP_SANDBOX = "in_app_sandbox"  # key in connections.settings_json marking an in-app sandbox connection
SANDBOX_CLIENT = ClientCredentials("bookbridge-desktop", "local-sandbox-client-not-a-secret")
# QBO's limits, 30 times faster (as the headless demo runs): throttling-aware posting in seconds.
SANDBOX_TIME_SCALE = 30.0
DEFAULT_SANDBOX_CONNECTION = "sandbox-qbo"


def sandbox_folder(book_path: Path) -> Path:
    """Where the in-app sandbox of a book keeps its company (beside the book, as the demo does)."""
    book_path = Path(book_path)
    return book_path.with_name(book_path.stem + "-qbo-sandbox")


@dataclass(frozen=True, slots=True)
class SandboxConnected:
    """What connecting a book to an in-app sandbox did (for the page that asked)."""

    connection: str
    base_url: str
    company_id: str
    folder: Path


def record_connection(book: Book, name: str, result: ConnectResult, *, settings: dict[str, object],
                      actor: str) -> None:
    """Create or update the book's row for connection ``name`` (nothing secret is written).

    The same fields the CLI's ``bookbridge connect`` records; ``settings`` are merged over the
    row's existing sync settings so a reconnect keeps what the user chose (grouping, workers...).
    """
    with book.unit_of_work() as session:
        row = session.scalars(sa.select(Connection).where(Connection.name == name)).one_or_none()
        if row is None:
            row = Connection(name=name, created_at=clock.now())
            session.add(row)
        existing = json.loads(row.settings_json) if row.settings_json else {}
        row.provider, row.base_url, row.company_ref = result.provider, result.base_url, result.company_id
        row.status, row.token_expires_at = "connected", result.token_expires_at
        row.settings_json = json.dumps({**existing, **settings}, sort_keys=True)
        audit.record(session, "connection.connected", actor=actor, entity_type="connection", entity_id=name,
                     provider=result.provider, base_url=result.base_url, company=result.company_id, flow=result.flow)


class SandboxHost(QObject):
    """The sandboxes this app started and the in-memory token stores of their connections."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        # QBO's sandbox (connect_book) and the other providers' (ui.sandbox_launchers), by folder.
        self._sandboxes: dict[Path, Any] = {}
        self._stores: dict[tuple[str, str], MemoryTokenStore] = {}

    # --- lookups (any thread) ------------------------------------------------------------------------
    def token_store(self, book_id: str, connection: str) -> TokenStore | None:
        """The in-memory store of an in-app sandbox connection; None means "the OS keyring"."""
        with self._lock:
            return self._stores.get((book_id, connection))

    def is_running(self, book_id: str, connection: str) -> bool:
        with self._lock:
            return (book_id, connection) in self._stores

    def sandbox_for(self, book_path: Path) -> QboSandbox | None:
        with self._lock:
            return self._sandboxes.get(sandbox_folder(book_path).resolve())

    # --- starting and stopping ---------------------------------------------------------------------
    def connect_book(self, book: Book, *, name: str = DEFAULT_SANDBOX_CONNECTION, actor: str = "desktop",
                     time_scale: float = SANDBOX_TIME_SCALE) -> SandboxConnected:
        """Start (or reuse) the book's in-app QBO sandbox and connect ``name`` to it, headless.

        Runs the real OAuth flow over loopback (the sandbox approves at once), records the
        connection in the book and keeps its tokens here. Called on a worker thread.
        """
        folder = sandbox_folder(book.path).resolve()
        with self._lock:
            sandbox = self._sandboxes.get(folder)
        if sandbox is None:
            sandbox = QboSandbox(data_dir=folder, time_scale=time_scale).start()
            with self._lock:
                if folder in self._sandboxes:  # another job won the race: keep one server per company
                    sandbox.stop()
                    sandbox = self._sandboxes[folder]
                else:
                    self._sandboxes[folder] = sandbox
            log.info("In-app QBO sandbox for %s at %s", book.path.name, sandbox.base_url)
        store = MemoryTokenStore()
        result = connect(provider("qbo"), base_url=sandbox.base_url, client=SANDBOX_CLIENT, store=store,
                         open_url=open_without_browser())
        record_connection(book, name, result, actor=actor,
                          settings={IN_APP_SANDBOX: "qbo", "create_vendors": True, "time_scale": time_scale})
        with self._lock:
            self._stores[(book.book_id, name)] = store
        return SandboxConnected(name, result.base_url, result.company_id, folder)

    def server_in(self, folder: Path) -> Any | None:
        """The running sandbox server keeping its company in ``folder``, if this app started one."""
        with self._lock:
            return self._sandboxes.get(Path(folder).resolve())

    def keep_server(self, folder: Path, server: Any) -> Any:
        """Remember a started sandbox ``server`` for ``folder`` so the window stops it on close.

        When another job started one for the same folder meanwhile, ``server`` is stopped and the
        other returned: one server per company folder, as :meth:`connect_book` keeps for QBO.
        """
        folder = Path(folder).resolve()
        with self._lock:
            winner = self._sandboxes.setdefault(folder, server)
        if winner is not server:
            server.stop()
        return winner

    def use_memory_tokens(self, book_id: str, connection: str, store: MemoryTokenStore) -> None:
        """Keep ``connection``'s tokens in memory for this session instead of the keyring.

        For a local sandbox started outside the app (``bookbridge sandbox qbo``, a benchmark's
        sandbox process): its tokens are worth nothing elsewhere, so they need no keyring.
        """
        with self._lock:
            self._stores[(book_id, connection)] = store

    def forget_book(self, book_id: str) -> None:
        """Drop the tokens of a closed book's sandbox connections (its sandbox may serve a reopen)."""
        with self._lock:
            for key in [k for k in self._stores if k[0] == book_id]:
                del self._stores[key]

    def stop_all(self) -> None:
        """Stop every sandbox (the window is closing)."""
        with self._lock:
            sandboxes = list(self._sandboxes.values())
            self._sandboxes.clear()
            self._stores.clear()
        for sandbox in sandboxes:
            sandbox.stop()


def host_of(owner: QObject) -> SandboxHost:
    """The one host of the application context ``owner`` (created on first use, a child of it)."""
    host = owner.findChild(SandboxHost)
    if host is None:
        host = SandboxHost(owner)
    return host
