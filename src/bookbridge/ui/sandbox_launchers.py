"""A local sandbox of each accounting system, started inside the app and connected headless.

Bookkeepers try a system before they have an account with it: "Local sandbox in this app" on the
connect dialog starts that provider's sandbox (``bookbridge.sandbox.{qbo,xero,intacct,netsuite}``,
the servers ``bookbridge sandbox PROVIDER`` runs) on this computer and signs in to it the way a
real connection does, over loopback:

* QuickBooks Online: :meth:`SandboxHost.connect_book` (what the first-run demo uses);
* Xero and NetSuite: the OAuth authorization code flow with PKCE and no client secret, the
  sandbox approving at once (:func:`~bookbridge.connectors.authorize.open_without_browser`);
* Sage Intacct: the Web Services sender and a company user, opening an API session.

Each sandbox keeps its company in a folder beside the book (``<book>-<provider>-sandbox``, as the
QBO one does), so what was posted stays posted across restarts. Tokens stay in memory
(:meth:`SandboxHost.use_memory_tokens`): they are worth nothing once the sandbox stops, so they
never reach the keyring. Jobs run on a worker thread and never touch a widget.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import ConnectResult, connect
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.store.book import Book
from bookbridge.ui.sandboxes import IN_APP_SANDBOX, SANDBOX_TIME_SCALE, SandboxConnected, SandboxHost, record_connection

log = logging.getLogger("bookbridge.ui.sandbox_launchers")

# Sign-in values for sandboxes on this computer: they accept any, and none of them is a secret.
PUBLIC_CLIENT = ClientCredentials("bookbridge-desktop")  # a PKCE app: no secret (Xero, NetSuite)
INTACCT_SENDER = ClientCredentials("bookbridge_sandbox", "local-sandbox-sender-not-a-secret")
INTACCT_USER = ("ws_bookbridge", "local-sandbox-user-not-a-secret")
# Xero forgets an Idempotency-Key after about six minutes [ERP_FACTS X9]: a resend later than that
# must look the document up first instead of trusting Xero to replay it.
XERO_REPLAY_WINDOW_HOURS = 0.1


def provider_sandbox_folder(book_path: Path, provider_name: str) -> Path:
    """Where the in-app sandbox of ``provider_name`` keeps a book's company (beside the book)."""
    book_path = Path(book_path)
    return book_path.with_name(f"{book_path.stem}-{provider_name}-sandbox")


def _xero(folder: Path, time_scale: float) -> Any:
    from bookbridge.sandbox.xero import XeroSandbox

    return XeroSandbox(data_dir=folder, time_scale=time_scale)


def _intacct(folder: Path, time_scale: float) -> Any:
    from bookbridge.sandbox.intacct import IntacctSandbox

    return IntacctSandbox(data_dir=folder, time_scale=time_scale)


def _netsuite(folder: Path, time_scale: float) -> Any:
    from bookbridge.sandbox.netsuite import NetSuiteSandbox

    return NetSuiteSandbox(data_dir=folder, time_scale=time_scale)


def _oauth_sign_in(provider_name: str) -> Callable[[Any, MemoryTokenStore, str, float], ConnectResult]:
    def sign_in(server: Any, store: MemoryTokenStore, name: str, time_scale: float) -> ConnectResult:
        return connect(provider(provider_name), base_url=server.base_url, client=PUBLIC_CLIENT, store=store,
                       open_url=open_without_browser())
    return sign_in


def _intacct_sign_in(server: Any, store: MemoryTokenStore, name: str, time_scale: float) -> ConnectResult:
    from bookbridge.connectors.intacct.connect import connect_with_login
    from bookbridge.connectors.intacct.credentials import UserLogin

    user_id, password = INTACCT_USER
    return connect_with_login(base_url=server.base_url, sender=INTACCT_SENDER,
                              login=UserLogin(user_id, server.company_id, password), store=store, name=name,
                              time_scale=time_scale)


@dataclass(frozen=True, slots=True)
class SandboxLauncher:
    """How to start one provider's sandbox and sign in to it.

    Attributes:
        start: ``(folder, time_scale) -> server`` (not started yet).
        sign_in: ``(server, store, connection name, time_scale) -> ConnectResult``.
        settings: sync settings recorded on the connection besides the sandbox marker.
    """

    provider: str
    start: Callable[[Path, float], Any]
    sign_in: Callable[[Any, MemoryTokenStore, str, float], ConnectResult]
    settings: Mapping[str, object] = field(default_factory=dict)


LAUNCHERS: dict[str, SandboxLauncher] = {
    "xero": SandboxLauncher("xero", _xero, _oauth_sign_in("xero"),
                            {"replay_window_hours": XERO_REPLAY_WINDOW_HOURS}),
    "intacct": SandboxLauncher("intacct", _intacct, _intacct_sign_in),
    "netsuite": SandboxLauncher("netsuite", _netsuite, _oauth_sign_in("netsuite")),
}
HAS_SANDBOX = frozenset({"qbo", *LAUNCHERS})


def has_sandbox(provider_name: str) -> bool:
    """True when the app can start a local sandbox of ``provider_name``."""
    return provider_name in HAS_SANDBOX


def default_connection_name(provider_name: str) -> str:
    """``sandbox-qbo``, ``sandbox-xero``...: the name a sandbox connection gets unless one is typed."""
    return f"sandbox-{provider_name}"


def connect_in_app_sandbox(host: SandboxHost, book: Book, provider_name: str, *, name: str, actor: str,
                           time_scale: float = SANDBOX_TIME_SCALE) -> SandboxConnected:
    """Start (or reuse) the book's sandbox of ``provider_name`` and connect ``name`` to it.

    Runs on a worker thread: starts the server, signs in over loopback, records the connection
    (marked as an in-app sandbox, with the sandbox's time scale so the connector's limiter runs
    as fast as the sandbox's windows) and keeps its tokens in memory.

    Raises:
        UsageError: no local sandbox exists for ``provider_name``.
    """
    if provider_name == "qbo":
        return host.connect_book(book, name=name, actor=actor, time_scale=time_scale)
    launcher = LAUNCHERS.get(provider_name)
    if launcher is None:
        from bookbridge.core.errors import UsageError

        label = provider(provider_name).label
        raise UsageError(f"Bookbridge has no local sandbox of {label} yet; connect a real {label} company instead.")
    folder = provider_sandbox_folder(book.path, provider_name).resolve()
    server = host.server_in(folder)
    if server is None:
        server = host.keep_server(folder, launcher.start(folder, time_scale).start())
        log.info("In-app %s sandbox for %s at %s", provider_name, book.path.name, server.base_url)
    store = MemoryTokenStore()
    result = launcher.sign_in(server, store, name, time_scale)
    settings = {IN_APP_SANDBOX: provider_name, "create_vendors": True, "time_scale": time_scale, **launcher.settings}
    record_connection(book, name, result, settings=settings, actor=actor)
    host.use_memory_tokens(book.book_id, name, store)
    return SandboxConnected(name, result.base_url, result.company_id, folder)


def sandbox_job(host: SandboxHost, book: Book, provider_name: str, name: str, actor: str,
                time_scale: float = SANDBOX_TIME_SCALE):
    """A task-runner job connecting ``name`` to the in-app sandbox of ``provider_name``."""
    label = provider(provider_name).label

    def job(progress, cancel) -> str:
        progress(f"Starting the local {label} sandbox")
        return connect_in_app_sandbox(host, book, provider_name, name=name, actor=actor, time_scale=time_scale).connection
    return job
