"""`bookbridge connect` / `bookbridge connections` as real processes, and no secret left behind."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from connector_testkit import QboSession
from qbo_documents import journal, refs

from bookbridge.connectors.errors import ConnectorError, ReconnectRequired
from bookbridge.connectors.registry import open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import KeyringTokenStore, TokenSet

needs_keyring = pytest.mark.skipif(
    not os.environ.get("BOOKBRIDGE_TEST_KEYRING"),
    reason="BOOKBRIDGE_TEST_KEYRING is not set: run under packaging/scripts/with-test-keyring.sh for a real keyring",
)


@pytest.fixture
def passphrase(cli_env: dict[str, str]) -> str:
    return cli_env["BOOKBRIDGE_PASSPHRASE"]


@pytest.fixture
def book_file(tmp_path: Path, passphrase: str) -> tuple[Path, str]:
    """A real encrypted book on disk (closed again), and its book id."""
    from bookbridge.store.book import create_book

    path = tmp_path / "haulage.bbk"
    with create_book(path, passphrase, company="Haulage Ltd", home_currency="USD") as book:
        return path, book.book_id


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The CLI's environment with its log file in a known place."""
    return {**cli_env, "XDG_STATE_HOME": str(tmp_path / "cli-state")}


def cli_log_text(env: dict[str, str]) -> str:
    logs = Path(env["XDG_STATE_HOME"]).rglob("bookbridge.log*")
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)


class RecordingStore(KeyringTokenStore):
    """The real keyring store, also remembering every token set it saved (to search for them later)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.saved: list[TokenSet] = []

    def save_tokens(self, tokens: TokenSet) -> None:
        self.saved.append(tokens)
        super().save_tokens(tokens)


def test_connect_without_a_keyring_is_refused_plainly(run_cli, env, book_file, qbo_sandbox):
    """With no keyring backend the command fails, explains the options, and records nothing."""
    path, _ = book_file
    bare = {**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = run_cli("connect", path, "--provider", "qbo", "--base-url", qbo_sandbox.base_url, env=bare)
    listed = run_cli("connections", path, "--json", env=bare)
    assert done.returncode == 2 and "gnome-keyring" in done.stderr.lower()
    assert json.loads(listed.stdout) == []


def test_unknown_provider_is_a_usage_error(run_cli, env, book_file):
    """An unknown --provider names the known ones."""
    done = run_cli("connect", book_file[0], "--provider", "sage50", env=env)
    assert done.returncode == 2 and "qbo" in done.stderr


@needs_keyring
def test_connect_records_the_connection_and_lists_it(run_cli, env, book_file, qbo_sandbox):
    """connect against the sandbox completes headless; connections shows realm, status, expiry, quota."""
    path, _ = book_file
    done = run_cli("connect", path, "--provider", "qbo", "--base-url", qbo_sandbox.base_url, "--json", env=env)
    assert done.returncode == 0, done.stderr
    listed = json.loads(run_cli("connections", path, "--json", env=env).stdout)
    assert json.loads(done.stdout)["company_id"] == qbo_sandbox.realm_id
    (row,) = listed
    assert (row["name"], row["provider"], row["company_id"], row["status"]) == ("main", "qbo", qbo_sandbox.realm_id, "connected")
    assert row["token_expires_at"] and row["refresh_expires_at"]
    assert {w["name"]: w["remaining"] for w in row["quota"]["windows"]}["per-minute"] == 500


@needs_keyring
def test_full_cycle_leaves_no_secret_in_book_logs_or_errors(run_cli, env, book_file, qbo_sandbox, caplog, passphrase):
    """connect -> post -> refresh -> faults -> revoke: no token or client secret in the book, logs or errors."""
    path, book_id = book_file
    client_id, client_secret = "cycle-client-id-7f3a9c", "cycle-client-secret-51d2e8b4"
    done = run_cli("connect", path, "--provider", "qbo", "--base-url", qbo_sandbox.base_url, "--client-id", client_id,
                   "--client-secret-stdin", "--json", input=client_secret + "\n", env=env)
    assert done.returncode == 0, done.stderr
    company_id = json.loads(done.stdout)["company_id"]

    store = RecordingStore(book_id, "main", provider="qbo")
    store.saved.append(store.load_tokens())
    exchanges: list = []
    settings = ConnectionSettings("qbo", "main", qbo_sandbox.base_url, company_id, time_scale=60.0, sync_log=exchanges.append)
    session = QboSession(qbo_sandbox, open_connector(settings, store), store, settings, exchanges)
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG, logger="bookbridge"):
        r = refs(session)
        session.connector.push(journal(r, "cycle-1", doc_number="CYC-1"))
        session.control("clock", {"advance_seconds": 3700})  # expire the access token on QBO's side
        session.connector.push(journal(r, "cycle-2"))  # 401 -> refresh (rotation) -> resend
        try:
            session.connector.push(journal(r, "cycle-3", doc_number="CYC-1"))  # duplicate number
        except ConnectorError as error:
            errors.append(error)
        latest = store.load_tokens()
        requests.post(f"{qbo_sandbox.base_url}/oauth2/v1/tokens/revoke", json={"token": latest.refresh_token},
                      auth=(client_id, client_secret), timeout=5)
        try:
            list(session.connector.vendors())
        except ReconnectRequired as error:
            errors.append(error)
    listed = run_cli("connections", path, "--json", env=env)

    secrets = {client_id, client_secret}
    for tokens in store.saved:
        secrets |= {tokens.access_token, tokens.refresh_token}
    assert len(store.saved) >= 2 and len(errors) == 2  # the cycle really refreshed and really failed twice

    from bookbridge.store.book import open_book

    with open_book(path, passphrase) as book, book.engine.connect() as conn:
        tables = [t for (t,) in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        book_text = "".join(repr(conn.execute(sa.text(f'SELECT * FROM "{t}"')).all()) for t in tables)
    places = {
        "book contents": book_text,
        "book file": path.read_bytes().decode("latin-1"),
        "CLI log file": cli_log_text(env),
        "CLI output": done.stdout + done.stderr + listed.stdout + listed.stderr,
        "in-process log": caplog.text,
        "sync log": repr(exchanges),
        "error messages": " ".join(f"{e} {e!r} {getattr(e, 'user_message', '')}" for e in errors),
    }
    assert company_id in book_text and "token" in caplog.text.lower()  # the places searched are not empty
    leaks = {(where, secret[:6]) for where, text in places.items() for secret in secrets if secret and secret in text}
    assert leaks == set()
    store.delete()
