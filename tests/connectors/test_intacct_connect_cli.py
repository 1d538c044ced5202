"""`bookbridge connect --provider intacct` and `bookbridge connections` as real processes, with the real keyring.

The sender and user passwords are read from stdin, checked by opening a session at the sandbox,
kept only in the Secret Service keyring, and never written to the book, the log or any output.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bookbridge.connectors.intacct.credentials import login_from, session_from
from bookbridge.connectors.registry import open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import KeyringTokenStore
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_connector_support import journal

needs_keyring = pytest.mark.skipif(
    not os.environ.get("BOOKBRIDGE_TEST_KEYRING"),
    reason="BOOKBRIDGE_TEST_KEYRING is not set: run under packaging/scripts/with-test-keyring.sh for a real keyring",
)
SENDER_PASSWORD = "cli-sender-pw-5521"
USER_PASSWORD = "cli-user-pw-8842"


@pytest.fixture
def book_file(tmp_path: Path, cli_env: dict[str, str]) -> tuple[Path, str]:
    from bookbridge.store.book import create_book

    path = tmp_path / "haulage.bbk"
    with create_book(path, cli_env["BOOKBRIDGE_PASSPHRASE"], company="Haulage Ltd", home_currency="USD") as book:
        return path, book.book_id


@pytest.fixture
def strict_sandbox():
    """A sandbox that accepts only one sender and one user (so wrong passwords are refused)."""
    with IntacctSandbox(limits=False, sender_id="acme_sender", sender_password=SENDER_PASSWORD,
                        user_id="ws_acme", user_password=USER_PASSWORD) as sandbox:
        yield sandbox


def _connect(run_cli, path: Path, sandbox: IntacctSandbox, *, user_password: str = USER_PASSWORD):
    return run_cli("connect", path, "--provider", "intacct", "--base-url", sandbox.base_url, "--client-id",
                   "acme_sender", "--client-secret-stdin", "--company", sandbox.company_id, "--user-id", "ws_acme",
                   "--user-password-stdin", "--json", input=f"{SENDER_PASSWORD}\n{user_password}\n")


@needs_keyring
def test_connect_stores_credentials_in_the_keyring_only(run_cli, cli_env, book_file, strict_sandbox, tmp_path):
    """The session and login go to the keyring; book, log and output hold no password or session id."""
    path, book_id = book_file
    done = _connect(run_cli, path, strict_sandbox)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["provider"], summary["company_id"], summary["flow"]) == ("intacct", "SandboxTrucking", "login")
    store = KeyringTokenStore(book_id, "main", provider="intacct")
    tokens = store.load_tokens()
    session = session_from(tokens, "main")
    assert login_from(tokens, "main").password == USER_PASSWORD and store.load_client().client_secret == SENDER_PASSWORD
    listed = run_cli("connections", path, "--json")
    assert json.loads(listed.stdout)[0]["status"] == "connected"
    leaks = [path.read_bytes(), done.stdout.encode(), done.stderr.encode(), listed.stdout.encode()]
    leaks += [p.read_bytes() for p in Path(cli_env["XDG_STATE_HOME"]).rglob("*") if p.is_file()]
    for secret in (SENDER_PASSWORD, USER_PASSWORD, session.session_id):
        assert not any(secret.encode() in blob for blob in leaks)


@needs_keyring
def test_connected_book_posts_through_the_registry(run_cli, book_file, strict_sandbox):
    """A connector opened from the keyring entries posts a journal entry."""
    path, book_id = book_file
    assert _connect(run_cli, path, strict_sandbox).returncode == 0
    connector = open_connector(ConnectionSettings("intacct", "main", strict_sandbox.base_url,
                                                  strict_sandbox.company_id, time_scale=100),
                               KeyringTokenStore(book_id, "main", provider="intacct"))
    assert connector.push(journal("cli1")).remote_id
    assert strict_sandbox.store.counts()["GLBATCH"] == 1


@needs_keyring
def test_wrong_password_is_refused_and_nothing_recorded(run_cli, book_file, strict_sandbox):
    """A refused sign-in exits non-zero with Intacct's reason and records no connection."""
    path, book_id = book_file
    done = _connect(run_cli, path, strict_sandbox, user_password="wrong")
    assert done.returncode != 0 and "Sign-in information is incorrect" in done.stderr
    assert json.loads(run_cli("connections", path, "--json").stdout) == []
    assert KeyringTokenStore(book_id, "main", provider="intacct").load_tokens() is None


@needs_keyring
def test_production_needs_every_credential(run_cli, book_file):
    """Against Sage's host, missing sender and user details are named before anything is sent."""
    done = run_cli("connect", book_file[0], "--provider", "intacct", "--company", "Acme")
    assert done.returncode == 2
    assert "--client-id" in done.stderr and "--user-id" in done.stderr and "--company" not in done.stderr
