"""`bookbridge connect --provider netsuite` as a real process, and no secret left behind after a full cycle."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from netsuite_session import NsSession, ns_sandbox, journal, refs  # noqa: F401

from bookbridge.connectors.errors import ConnectorError, ReconnectRequired
from bookbridge.connectors.netsuite import config
from bookbridge.connectors.registry import open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import KeyringTokenStore, TokenSet

pytestmark = pytest.mark.skipif(
    not os.environ.get("BOOKBRIDGE_TEST_KEYRING"),
    reason="BOOKBRIDGE_TEST_KEYRING is not set: run under packaging/scripts/with-test-keyring.sh for a real keyring",
)


@pytest.fixture
def book_file(tmp_path: Path, cli_env: dict[str, str]) -> tuple[Path, str]:
    """A real encrypted book on disk (closed again), and its book id."""
    from bookbridge.store.book import create_book

    path = tmp_path / "haulage.bbk"
    with create_book(path, cli_env["BOOKBRIDGE_PASSPHRASE"], company="Haulage Ltd", home_currency="USD") as book:
        return path, book.book_id


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**cli_env, "XDG_STATE_HOME": str(tmp_path / "cli-state")}


class RecordingStore(KeyringTokenStore):
    """The real keyring store, also remembering every token set it saved (to search for them later)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.saved: list[TokenSet] = []

    def save_tokens(self, tokens: TokenSet) -> None:
        self.saved.append(tokens)
        super().save_tokens(tokens)


def test_connect_records_the_account_and_lists_it(run_cli, env, book_file, ns_sandbox):
    """Against the sandbox connect completes headless; connections shows the account, 7-day expiry, concurrency."""
    path, book_id = book_file
    done = run_cli("connect", path, "--provider", "netsuite", "--base-url", ns_sandbox.base_url, "--json", env=env)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(run_cli("connections", path, "--json", env=env).stdout)
    assert (row["provider"], row["company_id"], row["status"]) == ("netsuite", ns_sandbox.account_id, "connected")
    lifetime = datetime.fromisoformat(row["refresh_expires_at"]) - datetime.fromisoformat(row["token_expires_at"])
    assert abs(lifetime - (config.REFRESH_TOKEN_LIFETIME - config.ACCESS_TOKEN_LIFETIME)) < timedelta(seconds=5)
    assert row["quota"]["max_concurrent"] == config.DEFAULT_CONCURRENCY
    KeyringTokenStore(book_id, "main").delete()


def test_a_real_account_needs_a_registered_redirect(run_cli, env, book_file):
    """An account id as --base-url without --redirect-uri: refused, saying to give the registered redirect."""
    done = run_cli("connect", book_file[0], "--provider", "netsuite", "--base-url", "1234567_SB1",
                   "--client-id", "my-integration", env=env)
    assert done.returncode == 2 and "--redirect-uri" in done.stderr


def test_full_cycle_leaves_no_secret_in_book_logs_or_errors(run_cli, env, book_file, ns_sandbox, caplog):
    """connect -> post -> 401 renewal -> refusal -> revoke: no token or client id in the book, logs or errors."""
    path, book_id = book_file
    client_id = "netsuite-integration-5be2c0d7"
    done = run_cli("connect", path, "--provider", "netsuite", "--base-url", ns_sandbox.base_url, "--client-id",
                   client_id, "--json", env=env)
    assert done.returncode == 0, done.stderr
    store = RecordingStore(book_id, "main", provider="netsuite")
    store.saved.append(store.load_tokens())
    exchanges: list = []
    settings = ConnectionSettings("netsuite", "main", ns_sandbox.base_url, ns_sandbox.account_id, time_scale=60.0,
                                  sync_log=exchanges.append)
    session = NsSession(ns_sandbox, open_connector(settings, store), store, settings, exchanges)
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG, logger="bookbridge"):
        r = refs(session)
        session.connector.push(journal(r, "cycle-1"))
        session.control("clock", {"advance_seconds": 3700})  # NetSuite's side expires the access token
        session.connector.push(journal(r, "cycle-2"))  # 401 -> refresh (rotation) -> resend
        try:
            from datetime import date

            session.connector.push(journal(r, "cycle-3", day=date(2024, 5, 1)))  # closed period
        except ConnectorError as error:
            errors.append(error)
        latest = store.load_tokens()
        requests.post(f"{ns_sandbox.base_url}{config.REVOKE_PATH}",
                      data={"token": latest.refresh_token, "client_id": client_id}, timeout=5)
        session.control("clock", {"advance_seconds": 3700})
        try:
            list(session.connector.vendors())
        except ReconnectRequired as error:
            errors.append(error)
    listed = run_cli("connections", path, "--json", env=env)
    secrets = {client_id}
    for tokens in store.saved:
        secrets |= {tokens.access_token, tokens.refresh_token}
    assert len(store.saved) >= 2 and len(errors) == 2  # the cycle really refreshed and really failed twice

    from bookbridge.store.book import open_book

    with open_book(path, env["BOOKBRIDGE_PASSPHRASE"]) as book, book.engine.connect() as conn:
        tables = [t for (t,) in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        book_text = "".join(repr(conn.execute(sa.text(f'SELECT * FROM "{t}"')).all()) for t in tables)
    logs = "".join(p.read_text(errors="replace") for p in Path(env["XDG_STATE_HOME"]).rglob("bookbridge.log*"))
    places = {
        "book contents": book_text, "book file": path.read_bytes().decode("latin-1"), "CLI log file": logs,
        "CLI output": done.stdout + done.stderr + listed.stdout + listed.stderr, "in-process log": caplog.text,
        "sync log": repr(exchanges),
        "error messages": " ".join(f"{e} {e!r} {getattr(e, 'user_message', '')}" for e in errors),
    }
    assert ns_sandbox.account_id in book_text and "suiteql" in repr(exchanges)  # the places searched are not empty
    leaks = {(where, secret[:6]) for where, text in places.items() for secret in secrets if secret in text}
    assert leaks == set()
    store.delete()
