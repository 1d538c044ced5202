"""Connect an accounting system: the system browser for OAuth, paste-back where required, or a sandbox.

The sign-in itself is ``connectors.connect.connect`` (Sage Intacct: ``connect_with_login``), the
function ``bookbridge connect`` calls, run on a worker. It talks to the person through a
:class:`BrowserBridge` living on the GUI thread:

* ``open_url`` (worker) → the bridge opens the address in the system browser
  (``QDesktopServices.openUrl``); a local address (a sandbox on this computer) is fetched
  without a browser, as the CLI does;
* ``read_answer`` (worker, paste-back flow) → the dialog shows a field for the address the
  browser ended on and the worker waits until it is pasted, or the dialog is cancelled.

Secrets typed here (client secret, Intacct passwords) go straight to the OS keyring through the
token store and are cleared from the fields once used. "Local sandbox in this app" starts a
QuickBooks Online sandbox in this process and connects to it headless (no account, no keyring).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import connect
from bookbridge.connectors.http import check_base_url, is_loopback_host
from bookbridge.connectors.registry import PROVIDERS, provider
from bookbridge.connectors.tokens import ClientCredentials, KeyringTokenStore
from bookbridge.core.errors import BookbridgeError, UsageError
from bookbridge.core.keyring_guard import usable_keyring
from bookbridge.store.book import Book
from bookbridge.ui.errors import show_error
from bookbridge.ui.pages.base import AppContext
from bookbridge.ui.sandboxes import DEFAULT_SANDBOX_CONNECTION, host_of, record_connection
from bookbridge.ui.tasks import Lane

PASTE_POLL_SECONDS = 0.2


class SignInCancelled(BookbridgeError):
    """The person closed the dialog before the sign-in finished (nothing was recorded)."""


class BrowserBridge(QObject):
    """Lets a worker open the browser and ask for a pasted address; lives on the GUI thread."""

    open_requested = Signal(str)
    paste_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._answer: str | None = None
        self._answered = threading.Event()
        self.open_requested.connect(self._open)

    @staticmethod
    def _open(url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))

    def answer(self, text: str) -> None:
        """The GUI's side: the address the person pasted."""
        self._answer = text.strip()
        self._answered.set()

    # --- called on the worker ------------------------------------------------------------------------
    def opener(self, base_url: str, redirect_uri: str | None):
        """How the sign-in address is shown: a sandbox on this computer that redirects back to us
        approves without a browser (as the CLI does); anything else needs the person's browser."""
        local = is_loopback_host(urlsplit(base_url).hostname)
        if local and (redirect_uri is None or is_loopback_host(urlsplit(redirect_uri).hostname)):
            return open_without_browser()
        return self.open_requested.emit

    def reader(self, cancel: threading.Event):
        def read_answer() -> str:
            self._answered.clear()
            self.paste_requested.emit()
            while not self._answered.wait(PASTE_POLL_SECONDS):
                if cancel.is_set():
                    raise SignInCancelled("The sign-in was cancelled; nothing was connected.")
            return self._answer or ""
        return read_answer


@dataclass(frozen=True)
class ConnectRequest:
    """What the person filled in (secrets included: it never leaves the dialog and its job)."""

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


def sign_in_job(book: Book, request: ConnectRequest, bridge: BrowserBridge, actor: str):
    """Authorize (keyring tokens), then record the connection; returns the connection's name."""
    def job(progress, cancel: threading.Event) -> str:
        spec = provider(request.provider)
        base_url = check_base_url(spec.base_url(request.where or None))
        usable_keyring()  # refuse before the person signs in, not after
        store = KeyringTokenStore(book.book_id, request.name, provider=spec.name)
        progress(f"Signing in to {spec.label}")
        if spec.authenticator is not None:
            from bookbridge.connectors.intacct.connect import connect_with_login
            from bookbridge.connectors.intacct.credentials import UserLogin

            login = UserLogin(request.user_id, request.company or "", request.user_password, request.location_id)
            result = connect_with_login(base_url=base_url, sender=ClientCredentials(request.client_id, request.client_secret),
                                        login=login, store=store, name=request.name)
        else:
            result = connect(spec, base_url=base_url, client=ClientCredentials(request.client_id, request.client_secret),
                             store=store, open_url=bridge.opener(base_url, request.redirect_uri), redirect_uri=request.redirect_uri,
                             read_answer=bridge.reader(cancel), company=request.company)
        if cancel.is_set():  # signed in after the dialog was closed: keep nothing
            store.delete()
            raise SignInCancelled("The sign-in finished after it was cancelled; nothing was kept.")
        record_connection(book, request.name, result, settings={}, actor=actor)
        return request.name
    return job


def sandbox_job(book: Book, ctx: AppContext, name: str, actor: str):
    host = host_of(ctx)

    def job(progress, cancel) -> str:
        progress("Starting the local QuickBooks Online sandbox")
        return host.connect_book(book, name=name, actor=actor).connection
    return job


class ConnectDialog(QDialog):
    """Choose the accounting system and sign in; emits :attr:`connected` with the connection name."""

    connected = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, name: str = "main",
                 provider_name: str = "qbo") -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect an accounting system")
        self.setObjectName("connectDialog")
        self.ctx = ctx
        self.bridge = BrowserBridge(self)
        self.bridge.paste_requested.connect(self._ask_paste)
        self._handle = None

        self.sandbox = QCheckBox("Local sandbox in this app: try Bookbridge without an account (QuickBooks Online)")
        self.sandbox.setObjectName("useSandbox")
        self.sandbox.toggled.connect(self._update_fields)
        self.provider = QComboBox()
        self.provider.setObjectName("connectProvider")
        for spec in PROVIDERS.values():
            self.provider.addItem(spec.label, spec.name)
        self.provider.setCurrentIndex(max(0, self.provider.findData(provider_name)))
        self.provider.currentIndexChanged.connect(self._update_fields)
        self.name = QLineEdit(name)
        self.name.setObjectName("connectName")
        self.where = QComboBox()
        self.where.setObjectName("connectWhere")
        self.where.setEditable(True)
        self.where.setToolTip("production, sandbox, or an address such as http://127.0.0.1:8080 "
                              "(NetSuite: your account id)")
        self.client_id = QLineEdit()
        self.client_id.setObjectName("clientId")
        self.client_secret = QLineEdit()
        self.client_secret.setObjectName("clientSecret")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.redirect = QLineEdit()
        self.redirect.setObjectName("redirectUri")
        self.redirect.setPlaceholderText("only if your app registered an https redirect (you will paste back)")
        self.company = QLineEdit()
        self.company.setObjectName("connectCompany")
        self.user_id = QLineEdit()
        self.user_id.setObjectName("intacctUser")
        self.user_password = QLineEdit()
        self.user_password.setObjectName("intacctPassword")
        self.user_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form = QFormLayout()
        self.form.addRow("Accounting system:", self.provider)
        self.form.addRow("Connection name:", self.name)
        self.form.addRow("Where:", self.where)
        self.form.addRow("Client ID:", self.client_id)
        self.form.addRow("Client secret:", self.client_secret)
        self.form.addRow("Redirect URI:", self.redirect)
        self.form.addRow("Company:", self.company)
        self.form.addRow("User ID:", self.user_id)
        self.form.addRow("User password:", self.user_password)

        self.paste = QLineEdit()
        self.paste.setObjectName("pastedAddress")
        self.paste.setPlaceholderText("paste the address your browser ended on")
        self.paste_button = QPushButton("Continue")
        self.paste_button.setObjectName("pasteContinue")
        self.paste_button.clicked.connect(self._pasted)
        self.paste_row = QWidget()
        paste_layout = QHBoxLayout(self.paste_row)
        paste_layout.setContentsMargins(0, 0, 0, 0)
        paste_layout.addWidget(self.paste, 1)
        paste_layout.addWidget(self.paste_button)
        self.paste_row.hide()
        self.message = QLabel("Your secrets go to this computer's keyring, never into the book.")
        self.message.setObjectName("connectMessage")
        self.message.setWordWrap(True)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sandbox)
        layout.addLayout(self.form)
        layout.addWidget(self.paste_row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(560, 0)
        self._update_fields()

    def _update_fields(self) -> None:
        sandbox = self.sandbox.isChecked()
        spec = provider(self.provider.currentData())
        login = spec.authenticator is not None
        self.provider.setEnabled(not sandbox)
        if sandbox:
            self.provider.setCurrentIndex(self.provider.findData("qbo"))
            if self.name.text() in ("", "main"):
                self.name.setText(DEFAULT_SANDBOX_CONNECTION)
        current = self.where.currentText()
        self.where.clear()
        try:
            self.where.addItems(list(spec.environments))
        except TypeError:  # NetSuite's environments are computed from an account id, not listed
            pass
        self.where.setCurrentText(current if current and current not in ("production", "sandbox") else "production")
        for widget in (self.where, self.client_id, self.client_secret, self.redirect, self.company):
            widget.setEnabled(not sandbox)
        for widget in (self.user_id, self.user_password):
            widget.setEnabled(login and not sandbox)
        self.redirect.setEnabled(not login and not sandbox)
        self.client_id.setPlaceholderText("the sender ID" if login else "your app's OAuth client id")
        self.company.setPlaceholderText("the company ID" if login else "only if one sign-in grants several (Xero)")

    def request(self) -> ConnectRequest:
        text = {w: w.text().strip() for w in (self.client_id, self.redirect, self.company, self.user_id)}
        name = self.name.text().strip()
        if not name or "/" in name:
            raise UsageError("Give the connection a name (without '/'), for example main.")
        if not text[self.client_id]:
            raise UsageError("Enter your app's client id (for Sage Intacct: the sender ID).")
        return ConnectRequest(self.provider.currentData(), name, self.where.currentText().strip(), text[self.client_id],
                              self.client_secret.text() or None, text[self.redirect] or None,
                              text[self.company] or None, text[self.user_id], self.user_password.text())

    def start(self) -> None:
        """Run the sign-in (or start the sandbox) in the task runner."""
        book = self.ctx.book
        if book is None or self._handle is not None:
            return
        try:
            if self.sandbox.isChecked():
                name = self.name.text().strip() or DEFAULT_SANDBOX_CONNECTION
                job = sandbox_job(book, self.ctx, name, self.ctx.actor())
                self.message.setText("Starting the local sandbox and connecting…")
            else:
                request = self.request()
                job = sign_in_job(book, request, self.bridge, self.ctx.actor())
                self.message.setText("Sign in and approve in your browser; this window waits for the answer.")
        except BookbridgeError as exc:
            show_error(self, exc)
            return
        self.client_secret.clear()
        self.user_password.clear()
        self.connect_button.setEnabled(False)
        # A sign-in waits for a person for minutes: the read lane keeps book writes flowing meanwhile.
        self._handle = self.ctx.runner.submit("Connecting an accounting system", job, lane=Lane.READ)
        self._handle.succeeded.connect(self._connected)
        self._handle.failed.connect(self._failed)
        self._handle.cancelled.connect(lambda _r: self._failed(SignInCancelled("The sign-in was cancelled.")))

    def _ask_paste(self) -> None:
        self.paste_row.show()
        self.paste.setFocus()
        self.message.setText("When the browser shows the page your app redirects to, copy its whole address here.")

    def _pasted(self) -> None:
        if self.paste.text().strip():
            self.bridge.answer(self.paste.text())
            self.paste_row.hide()
            self.message.setText("Checking the answer…")

    def _connected(self, name: str) -> None:
        self._handle = None
        self.connected.emit(name)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._handle = None
        self.connect_button.setEnabled(True)
        self.paste_row.hide()
        if not isinstance(exc, SignInCancelled) or self.isVisible():
            self.message.setText("Not connected.")
            show_error(self, exc)

    def reject(self) -> None:
        if self._handle is not None:
            self._handle.cancel()  # a waiting paste-back stops now; a browser sign-in is dropped when it ends
        super().reject()
