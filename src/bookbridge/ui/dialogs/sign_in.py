"""Signing in to an accounting system from the connect dialog, on a worker thread.

The sign-in itself is ``connectors.connect.connect`` (Sage Intacct's XML API:
``connect_with_login``), the function ``bookbridge connect`` calls. It talks to the person through
a :class:`BrowserBridge` living on the GUI thread:

* ``open_url`` (worker) → the bridge opens the address in the system browser
  (``QDesktopServices.openUrl``); a local address (a sandbox on this computer) is fetched
  without a browser, as the CLI does;
* ``read_answer`` (worker, paste-back flow) → the dialog shows a field for the address the
  browser ended on, and the worker waits until it is pasted or the dialog is cancelled;
* ``choose`` (worker, Xero) → when one consent connected several organisations, the dialog
  lists them and the worker waits for the person's pick.

Secrets travel only inside :class:`ConnectRequest` (never printed) to the keyring.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import ConnectResult, connect
from bookbridge.connectors.http import check_base_url, is_loopback_host
from bookbridge.connectors.registry import ProviderSpec, provider
from bookbridge.connectors.tokens import ClientCredentials, KeyringTokenStore, TokenStore
from bookbridge.core.errors import BookbridgeError, UsageError
from bookbridge.core.keyring_guard import usable_keyring
from bookbridge.store.book import Book
from bookbridge.ui.sandboxes import record_connection

POLL_SECONDS = 0.2


class SignInCancelled(BookbridgeError):
    """The person closed the dialog before the sign-in finished (nothing was recorded)."""


class BrowserBridge(QObject):
    """Lets a worker open the browser, ask for a pasted address or a choice; lives on the GUI thread.

    Signals:
        open_requested(str): show this address in the system browser.
        paste_requested(): ask for the address the browser ended on.
        choice_requested(list): ask which of ``[(value, text), ...]`` to use.
    """

    open_requested = Signal(str)
    paste_requested = Signal()
    choice_requested = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._answer: str | None = None
        self._answered = threading.Event()
        self.open_requested.connect(self._open)

    @staticmethod
    def _open(url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))

    def answer(self, text: str) -> None:
        """The GUI's side: the pasted address or the chosen value."""
        self._answer = text.strip()
        self._answered.set()

    # --- called on the worker ------------------------------------------------------------------------
    def _wait(self, cancel: threading.Event, ask: Callable[[], None]) -> str:
        self._answered.clear()
        ask()
        while not self._answered.wait(POLL_SECONDS):
            if cancel.is_set():
                raise SignInCancelled("The sign-in was cancelled; nothing was connected.")
        return self._answer or ""

    def opener(self, base_url: str, redirect_uri: str | None) -> Callable[[str], None]:
        """How the sign-in address is shown: a sandbox on this computer that redirects back to us
        approves without a browser (as the CLI does); anything else needs the person's browser."""
        local = is_loopback_host(urlsplit(base_url).hostname)
        if local and (redirect_uri is None or is_loopback_host(urlsplit(redirect_uri).hostname)):
            return open_without_browser()
        return self.open_requested.emit

    def reader(self, cancel: threading.Event) -> Callable[[], str]:
        return lambda: self._wait(cancel, self.paste_requested.emit)

    def choose(self, options: Sequence[tuple[str, str]], cancel: threading.Event) -> str:
        """Block the worker until the person picks one of ``options`` (value, text)."""
        return self._wait(cancel, lambda: self.choice_requested.emit(list(options)))


@dataclass(frozen=True)
class ConnectRequest:
    """What the person filled in (secrets included: it never leaves the dialog and its job).

    ``client_id``/``client_secret`` are Sage Intacct's sender ID and password; ``company`` its
    company ID (Xero: an organisation's name or tenant ID; others: unused).
    """

    provider: str
    name: str
    where: str
    client_id: str
    client_secret: str | None = field(repr=False)
    redirect_uri: str | None
    company: str | None
    user_id: str = ""
    user_password: str = field(default="", repr=False)
    location_id: str | None = None
    login: bool = False


def _xero_chooser(bridge: BrowserBridge, cancel: threading.Event, original: Callable[..., str]) -> Callable[..., str]:
    """Xero's ``choose_company`` that asks the person when several organisations were connected."""
    from bookbridge.connectors.xero.tenants import ORGANISATION, list_tenants

    def choose(base_url: str, tokens, wanted: str | None, *, timeouts, sync_log) -> str:
        if wanted:  # typed on the form: the connector checks it against the list itself
            return original(base_url, tokens, wanted, timeouts=timeouts, sync_log=sync_log)
        organisations = [t for t in list_tenants(base_url, tokens, timeouts=timeouts, sync_log=sync_log)
                         if t.tenant_type.upper() in (ORGANISATION, "")]
        if len(organisations) <= 1:  # none: the connector words that refusal
            return original(base_url, tokens, None, timeouts=timeouts, sync_log=sync_log)
        picked = bridge.choose([(t.tenant_id, t.name or t.tenant_id) for t in organisations], cancel)
        if picked not in {t.tenant_id for t in organisations}:
            raise SignInCancelled("No organisation was chosen; nothing was connected.")
        return picked
    return choose


def _oauth(spec: ProviderSpec, request: ConnectRequest, base_url: str, store: TokenStore, bridge: BrowserBridge,
           cancel: threading.Event) -> ConnectResult:
    if request.redirect_uri is None and not spec.loopback_allowed(base_url):
        raise UsageError(f"{spec.label} at {base_url} sends its answer only to a redirect address registered for "
                         "your app: enter that Redirect URI, then paste back the address your browser ends on.")
    if spec.name == "xero" and spec.choose_company is not None:
        spec = replace(spec, choose_company=_xero_chooser(bridge, cancel, spec.choose_company))
    return connect(spec, base_url=base_url, client=ClientCredentials(request.client_id, request.client_secret),
                   store=store, open_url=bridge.opener(base_url, request.redirect_uri),
                   redirect_uri=request.redirect_uri, read_answer=bridge.reader(cancel), company=request.company)


def _login(request: ConnectRequest, base_url: str, store: TokenStore) -> ConnectResult:
    from bookbridge.connectors.intacct.connect import connect_with_login
    from bookbridge.connectors.intacct.credentials import UserLogin

    login = UserLogin(request.user_id, request.company or "", request.user_password, request.location_id)
    return connect_with_login(base_url=base_url, sender=ClientCredentials(request.client_id, request.client_secret),
                              login=login, store=store, name=request.name)


def sign_in_job(book: Book, request: ConnectRequest, bridge: BrowserBridge, actor: str):
    """Authorize (secrets to the keyring), then record the connection; returns the connection's name."""
    def job(progress, cancel: threading.Event) -> str:
        spec = provider(request.provider)
        base_url = check_base_url(spec.base_url(request.where or None))
        usable_keyring()  # refuse before the person signs in, not after
        store = KeyringTokenStore(book.book_id, request.name, provider=spec.name)
        progress(f"Signing in to {spec.label}")
        result = (_login(request, base_url, store) if request.login
                  else _oauth(spec, request, base_url, store, bridge, cancel))
        if cancel.is_set():  # signed in after the dialog was closed: keep nothing
            store.delete()
            raise SignInCancelled("The sign-in finished after it was cancelled; nothing was kept.")
        record_connection(book, request.name, result, settings={}, actor=actor)
        return request.name
    return job
