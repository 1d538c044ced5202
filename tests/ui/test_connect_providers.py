"""The connect dialog and Connections page with all four accounting systems: per-system fields, each
system's in-app sandbox connected and listed, and syncs from the Sync page to the Xero and Intacct
sandboxes. Real widgets offscreen, real books, real sandboxes over loopback; sign-ins typed into
the dialog keep their secrets in the real keyring (run under packaging/scripts/with-test-keyring.sh).
"""

from __future__ import annotations

import os
from datetime import date

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt

from bookbridge.connectors.registry import PROVIDERS, ProviderSpec
from bookbridge.core.errors import UsageError
from bookbridge.store.models import Expense, ExpenseStatus
from bookbridge.ui import provider_forms as forms
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.sandbox_launchers import provider_sandbox_folder
from bookbridge.ui.sandboxes import host_of
from tests.sync.sync_book import approved_expenses, fuel, publish
from tests.ui.conftest import settle

needs_keyring = pytest.mark.skipif(os.environ.get("BOOKBRIDGE_TEST_KEYRING") != "1",
                                   reason="needs the real OS keyring: run under packaging/scripts/with-test-keyring.sh")

# Xero's sandbox chart has the same codes as QBO's; Xero tracks with tracking categories, which
# templates cannot name yet, so no class dimension (as tests/sync/test_sync_crash_xero.py).
XERO_TEMPLATE = """\
template: Sandbox trucking (Xero)
effective_from: 2024-01-01
credit_accounts: {company_card: "2110", reimbursable: "2300", bank: "1000", cash: "1000"}
mappings:
  - category: Fuel
    account: "6200"
  - category: Tolls
    account: "6210"
"""


@pytest.fixture
def bare_dialog(qtbot):
    """A connect dialog on an application context with no book (the form alone, nothing to sign in to)."""
    from bookbridge.ui.dialogs.connect_dialog import ConnectDialog
    from bookbridge.ui.pages.base import AppContext
    from bookbridge.ui.tasks import TaskRunner

    def make(provider_name: str):
        dialog = ConnectDialog(AppContext(TaskRunner()), provider_name=provider_name)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog
    return make


def _dialog(qtbot, window: MainWindow, provider_name: str, *, sandbox: bool = False):
    page = window.go_to("connections")
    settle(qtbot, window)
    dialog = page.open_connect_dialog()
    qtbot.addWidget(dialog)
    dialog.provider.setCurrentIndex(dialog.provider.findData(provider_name))
    if sandbox:
        qtbot.mouseClick(dialog.sandbox, Qt.MouseButton.LeftButton)
    return page, dialog


def _column(model, title: str) -> int:
    return next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == title)


def _cell(page, name: str, title: str) -> str:
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.index(r, 0).data() == name)
    return page.proxy.index(row, _column(page.proxy, title)).data()


def _connect_in_app(qtbot, window: MainWindow, provider_name: str):
    """Tick the sandbox in the dialog for ``provider_name``, connect, and wait until it is listed."""
    page, dialog = _dialog(qtbot, window, provider_name, sandbox=True)
    with qtbot.waitSignal(dialog.connected, timeout=20_000) as connected:
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    name = connected.args[0]
    qtbot.waitUntil(lambda: any(c.name == name and c.ok for c in page.model.items()), timeout=10_000)
    return page, name


def _company_of(server) -> str:
    for attribute in ("realm_id", "tenant_id", "company_id", "account_id"):
        if hasattr(server, attribute):
            return getattr(server, attribute)
    raise AssertionError(f"no company id on {server!r}")


def _posted(book) -> int:
    with book.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Expense)
                              .where(Expense.status == ExpenseStatus.POSTED)) or 0


# --- the form follows the system --------------------------------------------------------------------------

@pytest.mark.parametrize("provider_name", ["qbo", "xero", "intacct", "netsuite"])
def test_each_system_shows_only_its_own_fields_with_help(qtbot, bare_dialog, provider_name: str) -> None:
    """Choosing a system shows exactly its form's fields (others hidden), labelled and explained its way."""
    dialog = bare_dialog("qbo")
    dialog.provider.setCurrentIndex(dialog.provider.findData(provider_name))
    form = forms.FORMS[provider_name]
    assert dialog.shown_fields() == [k for k in forms.FIELD_ORDER if k in form.fields]
    for key in forms.FIELD_ORDER:
        widget = dialog.inputs[key]
        assert widget.isVisibleTo(dialog) == (key in form.fields)
        if key in form.fields:
            assert dialog.labels[key].text() == form.fields[key].label and widget.toolTip() == form.fields[key].help
    dialog.client_id.setFocus()
    qtbot.waitUntil(lambda: form.fields[forms.CLIENT_ID].help in dialog.help.text(), timeout=2_000)


def test_intacct_asks_for_sender_company_user_and_optional_entity(bare_dialog) -> None:
    """Sage Intacct's form names the sender, company, user and entity; an empty company ID is refused with where to find it."""
    dialog = bare_dialog("intacct")
    assert [dialog.labels[k].text() for k in (forms.CLIENT_ID, forms.CLIENT_SECRET, forms.COMPANY, forms.LOCATION)] \
        == ["Sender ID:", "Sender password:", "Company ID:", "Entity (location ID):"]
    dialog.client_id.setText("acme_sender")
    dialog.client_secret.setText("sender-pw")
    dialog.user_id.setText("ws_user")
    with pytest.raises(UsageError) as refused:
        dialog.request()
    assert refused.value.user_message.startswith("Enter Company ID.")
    assert forms.INTACCT.fields[forms.COMPANY].help in refused.value.user_message
    dialog.company.setText("ACME")
    assert dialog.request().location_id is None and dialog.request().login


def test_netsuite_account_field_explains_the_sandbox_suffix(qtbot, bare_dialog) -> None:
    """NetSuite's account ID field says whether the typed id is a sandbox account and which host it means."""
    dialog = bare_dialog("netsuite")
    assert not dialog.where.isVisibleTo(dialog) and dialog.account.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.account, "1234567_sb1")
    assert "sandbox account" in dialog.account_hint.text() and "1234567-sb1.suitetalk" in dialog.account_hint.text()
    dialog.account.setText("7654321")
    assert "production account" in dialog.account_hint.text()
    dialog.client_id.setText("integration-client")
    assert dialog.request().where == "7654321" and dialog.request().client_secret is None


def test_a_system_the_dialog_does_not_describe_gets_generic_oauth_fields(qtbot, bare_dialog, monkeypatch) -> None:
    """A newly registered provider shows the generic OAuth fields, and its sandbox choice says there is none."""
    base = PROVIDERS["xero"]
    monkeypatch.setitem(PROVIDERS, "newledger", ProviderSpec(
        name="newledger", label="New Ledger", environments={"production": "https://api.newledger.example"},
        oauth_endpoints=base.oauth_endpoints, loopback_allowed=base.loopback_allowed, company_id_param=None,
        connector_class=base.connector_class, limits=base.limits))
    dialog = bare_dialog("newledger")
    assert dialog.provider.currentText() == "New Ledger"
    assert dialog.shown_fields() == [forms.WHERE, forms.CLIENT_ID, forms.CLIENT_SECRET, forms.REDIRECT, forms.COMPANY]
    assert dialog.where.currentText() == "production"
    qtbot.mouseClick(dialog.sandbox, Qt.MouseButton.LeftButton)
    assert not dialog.connect_button.isEnabled() and "no local sandbox of New Ledger" in dialog.message.text()


# --- in-app sandboxes, one per system ----------------------------------------------------------------------

@pytest.mark.parametrize("provider_name", ["qbo", "xero", "intacct", "netsuite"])
def test_sandbox_choice_connects_that_system_and_lists_it(qtbot, window: MainWindow, book, provider_name: str) -> None:
    """Ticking the sandbox for a system starts that system's sandbox, connects, and lists it with label and environment."""
    page, name = _connect_in_app(qtbot, window, provider_name)
    server = host_of(window.ctx).server_in(provider_sandbox_folder(book.path, provider_name))
    info = next(c for c in page.model.items() if c.name == name)
    assert name == f"sandbox-{provider_name}" and server is not None
    assert info.provider == provider_name and info.company_id == _company_of(server)
    assert info.base_url == server.base_url and info.in_app_sandbox and info.status == "connected"
    assert _cell(page, name, "System") == PROVIDERS[provider_name].label
    assert _cell(page, name, "Environment") == "local sandbox (in this app)"
    assert _cell(page, name, "Last sync") == "never"
    settle(qtbot, window)


def test_sandbox_menu_connects_any_system_in_one_click(qtbot, window: MainWindow, book) -> None:
    """The sandbox button's menu offers every system's sandbox; choosing NetSuite connects sandbox-netsuite."""
    page = window.go_to("connections")
    settle(qtbot, window)
    offered = {a.data(): a for a in page.sandbox_menu.actions()}
    assert set(offered) == {"qbo", "xero", "intacct", "netsuite"}
    offered["netsuite"].trigger()
    qtbot.waitUntil(lambda: any(c.name == "sandbox-netsuite" and c.ok for c in page.model.items()), timeout=20_000)
    assert _cell(page, "sandbox-netsuite", "API quota left").endswith("requests at once")
    settle(qtbot, window)


# Documents in each sandbox of every kind the engine may post (journal, bill, spend money, expense report):
# which kind an expense becomes is the sync engine's choice, not the GUI's.
@pytest.mark.parametrize(("provider_name", "template", "count_remote"), [
    ("xero", XERO_TEMPLATE, lambda server: sum(len(server.store.all(kind))
                                               for kind in ("ManualJournals", "Invoices", "BankTransactions"))),
    ("intacct", None, lambda server: sum(len(server.store.records(kind))
                                         for kind in ("GLBATCH", "APBILL", "EEXPENSES"))),
    ("netsuite", None, lambda server: sum(len(server.store.records(kind))
                                          for kind in ("journalEntry", "vendorBill", "expenseReport"))),
])
def test_sync_page_posts_to_the_sandbox_and_connections_show_the_quota(qtbot, window: MainWindow, book,
                                                                        provider_name, template, count_remote) -> None:
    """Sync now on the Sync page posts every approved expense once to the system's sandbox; Connections then shows
    the last sync and the quota that system reported."""
    if template:
        publish(book, template)
    approved_expenses(book, fuel(6), template=template is None)
    page, name = _connect_in_app(qtbot, window, provider_name)
    server = host_of(window.ctx).server_in(provider_sandbox_folder(book.path, provider_name))
    before = count_remote(server)
    sync = window.go_to("sync")
    qtbot.waitUntil(lambda: sync.connection.findData(name) >= 0, timeout=10_000)
    sync.connection.setCurrentIndex(sync.connection.findData(name))
    qtbot.waitUntil(lambda: sync.sync_button.isEnabled(), timeout=10_000)
    qtbot.mouseClick(sync.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync.outcome is not None, timeout=40_000)
    assert sync.outcome.posted == 6 == _posted(book) == count_remote(server) - before and sync.outcome.failed == 0
    assert "Posted 6" in sync.result.text()
    window.go_to("connections")
    qtbot.waitUntil(lambda: next(c for c in page.model.items() if c.name == name).last_sync_at is not None,
                    timeout=10_000)
    info = next(c for c in page.model.items() if c.name == name)
    shown = _cell(page, name, "API quota left")
    if provider_name == "netsuite":  # no request quota, only requests at once
        assert not info.quota and shown == f"no request quota; {PROVIDERS['netsuite'].limits.max_concurrent} requests at once"
    else:
        assert info.quota and all(f"{q.remaining}/{q.limit}" in shown.replace(",", "") for q in info.quota)
    if provider_name == "xero":  # Xero reports what is left of its minute and its day
        assert {"per-minute", "per-day"} <= {q.name for q in info.quota}
        assert "a minute" in shown and "a day" in shown
    settle(qtbot, window)


# --- typed sign-ins (secrets in the real keyring) ------------------------------------------------------------

@needs_keyring
def test_intacct_sign_in_sends_the_entity_and_keeps_secrets_in_the_keyring(qtbot, window: MainWindow, book) -> None:
    """An Intacct sign-in typed in the dialog reaches the gateway with its entity (locationid); secrets go to the keyring only."""
    from bookbridge.connectors.intacct.credentials import login_from
    from bookbridge.connectors.tokens import KeyringTokenStore
    from bookbridge.sandbox.intacct import IntacctSandbox

    with IntacctSandbox(limits=False, sender_id="acme_sender", user_id="ws_user") as sandbox:
        page, dialog = _dialog(qtbot, window, "intacct")
        dialog.where.setCurrentText(sandbox.base_url)
        for widget, text in ((dialog.client_id, "acme_sender"), (dialog.client_secret, "sender-pw-typed"),
                             (dialog.company, sandbox.company_id), (dialog.user_id, "ws_user"),
                             (dialog.user_password, "user-pw-typed"), (dialog.location, "US")):
            widget.setText(text)
        with qtbot.waitSignal(dialog.connected, timeout=20_000):
            qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.item(0).ok, timeout=10_000)
        grants = list(sandbox.sessions.to_dict().values())
    login = login_from(KeyringTokenStore(book.book_id, "main", provider="intacct").load_tokens(), "main")
    assert login.location_id == "US" and [g["location_id"] for g in grants] == ["US"]
    assert page.model.item(0).company_id == sandbox.company_id
    assert dialog.client_secret.text() == dialog.user_password.text() == ""
    assert b"sender-pw-typed" not in book.path.read_bytes() and b"user-pw-typed" not in book.path.read_bytes()
    settle(qtbot, window)


@needs_keyring
def test_xero_sign_in_asks_which_organisation_when_several_were_connected(qtbot, window: MainWindow, book) -> None:
    """A Xero consent that connected two organisations makes the dialog ask; the chosen one is the connection's company."""
    from bookbridge.connectors.tokens import KeyringTokenStore
    from bookbridge.sandbox.xero import DEFAULT_ORG_NAME, DEFAULT_TENANT_ID, XeroSandbox

    second = ("0f0e0d0c-0b0a-4909-8807-060504030201", "Second Haulage Ltd")
    with XeroSandbox(limits=False, tenants=[(DEFAULT_TENANT_ID, DEFAULT_ORG_NAME), second]) as sandbox:
        page, dialog = _dialog(qtbot, window, "xero")
        dialog.where.setCurrentText(sandbox.base_url)
        dialog.client_id.setText("xero-pkce-app")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.choice_row.isVisible(), timeout=20_000)
        assert [dialog.choice.itemText(i) for i in range(dialog.choice.count())] == [DEFAULT_ORG_NAME, second[1]]
        dialog.choice.setCurrentIndex(1)
        with qtbot.waitSignal(dialog.connected, timeout=20_000):
            qtbot.mouseClick(dialog.choice_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    assert page.model.item(0).company_id == second[0] and page.model.item(0).provider == "xero"
    assert KeyringTokenStore(book.book_id, "main", provider="xero").load_tokens() is not None
    settle(qtbot, window)


def test_start_sandbox_restarts_a_stopped_sandbox_on_the_same_company(qtbot, window: MainWindow, book) -> None:
    """Once the app's sandboxes stopped (as after a restart), Start sandbox brings that system's sandbox back, same company."""
    page, name = _connect_in_app(qtbot, window, "xero")
    company = next(c for c in page.model.items() if c.name == name).company_id
    host_of(window.ctx).stop_all()
    window.ctx.notify_changed("connections")
    qtbot.waitUntil(lambda: not next(c for c in page.model.items() if c.name == name).ok, timeout=10_000)
    page.table.selectRow(next(r for r in range(page.proxy.rowCount()) if page.proxy.index(r, 0).data() == name))
    assert page.reconnect_button.text() == "Start sandbox"
    qtbot.mouseClick(page.reconnect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: next(c for c in page.model.items() if c.name == name).ok, timeout=20_000)
    server = host_of(window.ctx).server_in(provider_sandbox_folder(book.path, "xero"))
    assert server is not None and server.tenant_id == company
    assert next(c for c in page.model.items() if c.name == name).company_id == company
    settle(qtbot, window)


@pytest.mark.parametrize(("provider_name", "base_url", "in_app", "expected"), [
    ("qbo", "https://sandbox-quickbooks.api.intuit.com", False, "sandbox"),
    ("xero", "https://api.xero.com", False, "production"),
    ("netsuite", "https://1234567-sb1.suitetalk.api.netsuite.com", False, "sandbox account 1234567_SB1"),
    ("netsuite", "https://7654321.suitetalk.api.netsuite.com", False, "production account 7654321"),
    ("intacct", "http://127.0.0.1:8123", False, "local sandbox at 127.0.0.1:8123"),
    ("intacct", "http://127.0.0.1:8123", True, "local sandbox (in this app)"),
])
def test_environment_names_where_a_connection_posts(provider_name, base_url, in_app, expected) -> None:
    """The Environment column names production, a vendor sandbox, a NetSuite account kind or a local sandbox."""
    from bookbridge.ui.connection_terms import environment_of

    assert environment_of(provider_name, base_url, in_app) == expected


@needs_keyring
def test_netsuite_sign_in_takes_a_local_sandbox_address_in_the_account_field(qtbot, window: MainWindow, book) -> None:
    """NetSuite's account field also takes a local sandbox's address; the PKCE sign-in names the account as the company."""
    from bookbridge.connectors.tokens import KeyringTokenStore
    from bookbridge.sandbox.netsuite import NetSuiteSandbox

    with NetSuiteSandbox(limits=False, client_id="integration-client") as sandbox:
        page, dialog = _dialog(qtbot, window, "netsuite")
        dialog.account.setText(sandbox.base_url)
        dialog.client_id.setText("integration-client")
        assert "Connecting to the address" in dialog.account_hint.text()
        with qtbot.waitSignal(dialog.connected, timeout=20_000):
            qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    info = page.model.item(0)
    assert (info.provider, info.company_id, info.base_url) == ("netsuite", sandbox.account_id, sandbox.base_url)
    assert KeyringTokenStore(book.book_id, "main", provider="netsuite").load_tokens() is not None
    assert _cell(page, "main", "Environment").startswith("local sandbox at 127.0.0.1:")
    settle(qtbot, window)
