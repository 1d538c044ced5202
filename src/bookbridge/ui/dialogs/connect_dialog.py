"""Connect an accounting system: the system browser for OAuth, paste-back where required, or a sandbox.

The form follows the chosen system (:mod:`bookbridge.ui.provider_forms`): only the fields that
system asks for are shown, each labelled the way its own screens name it, with a placeholder
showing what a value looks like and help saying where to find it (the field's tooltip, and the
line under the form while the field has focus). A system the dialog does not describe gets the
generic OAuth fields.

"Local sandbox in this app" starts the chosen system's local sandbox on this computer and
connects to it headless (:mod:`bookbridge.ui.sandbox_launchers`): no account, no browser, no
keyring. Otherwise the sign-in runs on a worker (:mod:`bookbridge.ui.dialogs.sign_in`); secrets
typed here go straight to the OS keyring and are cleared from the fields once used.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
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

from bookbridge.connectors.registry import PROVIDERS, provider
from bookbridge.core.errors import BookbridgeError, UsageError
from bookbridge.store.book import Book
from bookbridge.ui import provider_forms as forms
from bookbridge.ui.dialogs.sign_in import BrowserBridge, ConnectRequest, SignInCancelled, sign_in_job
from bookbridge.ui.errors import show_error
from bookbridge.ui.pages.base import AppContext
from bookbridge.ui.sandbox_launchers import default_connection_name, has_sandbox
from bookbridge.ui.sandbox_launchers import sandbox_job as provider_sandbox_job
from bookbridge.ui.sandboxes import SANDBOX_TIME_SCALE, host_of
from bookbridge.ui.tasks import Lane

__all__ = ["BrowserBridge", "ConnectDialog", "ConnectRequest", "SignInCancelled", "sandbox_job", "sign_in_job"]


def sandbox_job(book: Book, ctx: AppContext, name: str, actor: str, provider_name: str = "qbo",
                time_scale: float = SANDBOX_TIME_SCALE):
    """A job connecting ``name`` to the book's in-app sandbox of ``provider_name`` (QBO for the demo)."""
    return provider_sandbox_job(host_of(ctx), book, provider_name, name, actor, time_scale)


class ConnectDialog(QDialog):
    """Choose the accounting system and sign in; emits :attr:`connected` with the connection name."""

    connected = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, name: str = "main",
                 provider_name: str = "qbo", sandbox: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect an accounting system")
        self.setObjectName("connectDialog")
        self.ctx = ctx
        self.bridge = BrowserBridge(self)
        self.bridge.paste_requested.connect(self._ask_paste)
        self.bridge.choice_requested.connect(self._ask_choice)
        self._handle = None
        self._given_name = name
        self._name_edited = False  # once the person types a name, the dialog stops suggesting one
        self.sandbox_time_scale = SANDBOX_TIME_SCALE

        self.sandbox = QCheckBox("Local sandbox in this app: try this system without an account")
        self.sandbox.setObjectName("useSandbox")
        self.sandbox.setToolTip("Starts a local copy of the chosen system on this computer, with a seeded company, "
                                "and connects to it. Nothing leaves this computer.")
        self.provider = QComboBox()
        self.provider.setObjectName("connectProvider")
        for spec in PROVIDERS.values():
            self.provider.addItem(spec.label, spec.name)
        self.provider.setCurrentIndex(max(0, self.provider.findData(provider_name)))
        self.intro = QLabel()
        self.intro.setObjectName("connectIntro")
        self.intro.setWordWrap(True)
        self.name = QLineEdit(name)
        self.name.setObjectName("connectName")
        self.name.setPlaceholderText("how this connection is called in Bookbridge, e.g. main")
        self.name.textEdited.connect(lambda _text: setattr(self, "_name_edited", True))

        self.where = QComboBox()
        self.where.setObjectName("connectWhere")
        self.where.setEditable(True)
        self.account = QLineEdit()
        self.account.setObjectName("netsuiteAccount")
        self.account.textChanged.connect(self._show_account_hint)
        self.account_hint = QLabel()
        self.account_hint.setObjectName("netsuiteAccountHint")
        self.account_hint.setWordWrap(True)
        self.client_id = QLineEdit()
        self.client_id.setObjectName("clientId")
        self.client_secret = QLineEdit()
        self.client_secret.setObjectName("clientSecret")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.redirect = QLineEdit()
        self.redirect.setObjectName("redirectUri")
        self.company = QLineEdit()
        self.company.setObjectName("connectCompany")
        self.user_id = QLineEdit()
        self.user_id.setObjectName("intacctUser")
        self.user_password = QLineEdit()
        self.user_password.setObjectName("intacctPassword")
        self.user_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.location = QLineEdit()
        self.location.setObjectName("intacctLocation")
        self.inputs: dict[str, QWidget] = {
            forms.WHERE: self.where, forms.ACCOUNT: self.account, forms.CLIENT_ID: self.client_id,
            forms.CLIENT_SECRET: self.client_secret, forms.REDIRECT: self.redirect, forms.COMPANY: self.company,
            forms.USER_ID: self.user_id, forms.USER_PASSWORD: self.user_password, forms.LOCATION: self.location,
        }
        self.labels: dict[str, QLabel] = {}
        self.form = QFormLayout()
        self.form.addRow("Accounting system:", self.provider)
        self.form.addRow("", self.intro)
        self.form.addRow("Connection name:", self.name)
        for key in forms.FIELD_ORDER:
            self.labels[key] = QLabel()
            self.form.addRow(self.labels[key], self.inputs[key])
            self.inputs[key].installEventFilter(self)
            if key == forms.ACCOUNT:
                self.form.addRow("", self.account_hint)
        self.help = QLabel()
        self.help.setObjectName("connectFieldHelp")
        self.help.setWordWrap(True)

        self.paste = QLineEdit()
        self.paste.setObjectName("pastedAddress")
        self.paste.setPlaceholderText("paste the address your browser ended on")
        self.paste_button = QPushButton("Continue")
        self.paste_button.setObjectName("pasteContinue")
        self.paste_button.clicked.connect(self._pasted)
        self.paste_row = self._row(self.paste, self.paste_button)
        self.choice = QComboBox()
        self.choice.setObjectName("organisationChoice")
        self.choice_button = QPushButton("Use this one")
        self.choice_button.setObjectName("choiceContinue")
        self.choice_button.clicked.connect(self._chosen)
        self.choice_row = self._row(self.choice, self.choice_button)
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
        layout.addWidget(self.help)
        layout.addWidget(self.paste_row)
        layout.addWidget(self.choice_row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(600, 0)
        self.sandbox.setChecked(sandbox)
        self.sandbox.toggled.connect(lambda _on: self._update_fields())
        self.provider.currentIndexChanged.connect(lambda _i: self._update_fields())
        self._update_fields()

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widgets[0], 1)
        for widget in widgets[1:]:
            layout.addWidget(widget)
        row.hide()
        return row

    # --- the form -----------------------------------------------------------------------------------------
    def current_form(self) -> forms.ProviderForm:
        return forms.form_for(provider(self.provider.currentData()))

    def shown_fields(self) -> list[str]:
        """Keys of the inputs on screen now (for tests and the help line)."""
        return [key for key in forms.FIELD_ORDER if self.form.isRowVisible(self.inputs[key])]

    def _update_fields(self) -> None:
        spec = provider(self.provider.currentData())
        form = forms.form_for(spec)
        sandbox = self.sandbox.isChecked()
        self.intro.setText(form.intro if not sandbox else
                           f"A local {spec.label} with a seeded company starts on this computer; Bookbridge signs in "
                           "to it for you. Nothing to type, nothing leaves this computer.")
        for key in forms.FIELD_ORDER:
            field = form.fields.get(key)
            visible = field is not None and not sandbox
            self.form.setRowVisible(self.inputs[key], visible)
            if field is None:
                continue
            self.labels[key].setText(field.label)
            self.inputs[key].setToolTip(field.help)
            if isinstance(self.inputs[key], QLineEdit):
                self.inputs[key].setPlaceholderText(field.placeholder)
        self.form.setRowVisible(self.account_hint, form.shows(forms.ACCOUNT) and not sandbox)
        if form.shows(forms.WHERE):
            current = self.where.currentText()
            self.where.clear()
            self.where.addItems(forms.environment_choices(spec))
            self.where.lineEdit().setPlaceholderText(form.fields[forms.WHERE].placeholder)
            choices = forms.environment_choices(spec)
            keep = bool(current) and (current in choices or current not in ("production", "sandbox"))
            self.where.setCurrentText(current if keep else (choices[0] if choices else ""))
        self._show_account_hint()
        self._suggest_name(spec.name, sandbox)
        self.help.setText("Click into a field to see where to find its value; its tooltip says the same.")
        self.help.setVisible(not sandbox)
        available = has_sandbox(spec.name)
        if sandbox and not available:
            self.message.setText(f"Bookbridge has no local sandbox of {spec.label} yet: untick the box to connect "
                                 f"a real {spec.label} company.")
        elif sandbox:
            self.message.setText(f"Connects '{self.name.text().strip() or default_connection_name(spec.name)}' to a "
                                 f"local {spec.label} sandbox. Its company stays beside the book.")
        else:
            self.message.setText("Your secrets go to this computer's keyring, never into the book.")
        self.connect_button.setEnabled(self._handle is None and (available or not sandbox))

    def _suggest_name(self, provider_name: str, sandbox: bool) -> None:
        """A sandbox connection is called sandbox-<system> unless the person typed a name of their own."""
        if not self._name_edited:
            self.name.setText(default_connection_name(provider_name) if sandbox else self._given_name)

    def _show_account_hint(self) -> None:
        self.account_hint.setText(forms.netsuite_account_hint(self.account.text()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FocusIn:
            key = next((k for k, w in self.inputs.items() if w is watched or w.isAncestorOf(watched)), None)
            field = self.current_form().fields.get(key or "")
            if field is not None:
                self.help.setText(f"{field.label.rstrip(':')}: {field.help}")
        return super().eventFilter(watched, event)

    def values(self) -> dict[str, str]:
        """What is typed in each shown field (secrets included: only for :meth:`request`)."""
        text = {key: (w.currentText() if isinstance(w, QComboBox) else w.text()) for key, w in self.inputs.items()}
        return {key: text[key] if key in forms.SECRET_FIELDS else text[key].strip() for key in self.shown_fields()}

    def request(self) -> ConnectRequest:
        """The typed sign-in, checked for what the chosen system needs.

        Raises:
            UsageError: a required value is missing (nothing was sent anywhere).
        """
        form = self.current_form()
        name = self.name.text().strip()
        if not name or "/" in name:
            raise UsageError("Give the connection a name (without '/'), for example main.")
        values = self.values()
        missing = form.missing(values)
        if missing:
            self.inputs[missing[0]].setFocus()
            raise UsageError(form.missing_message(missing))
        where = values.get(forms.ACCOUNT) or values.get(forms.WHERE, "")
        return ConnectRequest(form.provider, name, where, values.get(forms.CLIENT_ID, ""),
                              values.get(forms.CLIENT_SECRET) or None, values.get(forms.REDIRECT) or None,
                              values.get(forms.COMPANY) or None, values.get(forms.USER_ID, ""),
                              values.get(forms.USER_PASSWORD, ""), values.get(forms.LOCATION) or None, form.login)

    # --- running ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Run the sign-in (or start the sandbox) in the task runner."""
        book = self.ctx.book
        if book is None or self._handle is not None:
            return
        lane = Lane.READ
        try:
            if self.sandbox.isChecked():
                provider_name = self.provider.currentData()
                name = self.name.text().strip() or default_connection_name(provider_name)
                job = sandbox_job(book, self.ctx, name, self.ctx.actor(), provider_name, self.sandbox_time_scale)
                lane = Lane.BOOK_WRITE  # nobody to wait for: it writes the connection at once
                self.message.setText(f"Starting the local {self.provider.currentText()} sandbox and connecting…")
            else:
                job = sign_in_job(book, self.request(), self.bridge, self.ctx.actor())
                self.message.setText("Signing in… If your browser opens, approve there; this window waits for "
                                     "the answer.")
        except BookbridgeError as exc:
            show_error(self, exc)
            return
        self.client_secret.clear()
        self.user_password.clear()
        self.connect_button.setEnabled(False)
        # A sign-in waits for a person for minutes: the read lane keeps book writes flowing meanwhile.
        self._handle = self.ctx.runner.submit("Connecting an accounting system", job, lane=lane)
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

    def _ask_choice(self, options: list) -> None:
        self.choice.clear()
        for value, text in options:
            self.choice.addItem(text, value)
        self.choice_row.show()
        self.choice.setFocus()
        self.message.setText("This sign-in connected several organisations: choose the one this connection posts to.")

    def _chosen(self) -> None:
        if self.choice.currentData():
            self.bridge.answer(self.choice.currentData())
            self.choice_row.hide()
            self.message.setText(f"Connecting {self.choice.currentText()}…")

    def _connected(self, name: str) -> None:
        self._handle = None
        self.connected.emit(name)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._handle = None
        self.connect_button.setEnabled(True)
        self.paste_row.hide()
        self.choice_row.hide()
        if not isinstance(exc, SignInCancelled) or self.isVisible():
            self.message.setText("Not connected.")
            show_error(self, exc)

    def reject(self) -> None:
        if self._handle is not None:
            self._handle.cancel()  # a waiting paste-back stops now; a browser sign-in is dropped when it ends
        super().reject()
