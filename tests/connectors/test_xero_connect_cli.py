"""`bookbridge connect --provider xero` and `bookbridge connections` as real processes, against the Xero
sandbox, with the real keyring; and no token left anywhere after a full cycle."""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from bookbridge.connectors.dto import JournalDocument, JournalLine, Ref
from bookbridge.connectors.errors import ConnectorError, ReconnectRequired
from bookbridge.connectors.registry import open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import KeyringTokenStore, TokenSet
from bookbridge.sandbox.xero import XeroSandbox
from xero_testkit import TIME_SCALE, xero_sandbox  # noqa: F401 - fixtures

needs_keyring = pytest.mark.skipif(
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


@needs_keyring
def test_several_organisations_need_company(run_cli, env, book_file) -> None:
    """When the sign-in connects two organisations, connect stops and says how to choose; --company chooses."""
    path, _ = book_file
    tenants = [("a1b2c3d4-0000-4000-8000-000000000001", "North Org"), ("a1b2c3d4-0000-4000-8000-000000000002", "South Org")]
    with XeroSandbox(time_scale=TIME_SCALE, tenants=tenants) as sandbox:
        refused = run_cli("connect", path, "--provider", "xero", "--base-url", sandbox.base_url, env=env)
        chosen = run_cli("connect", path, "--provider", "xero", "--base-url", sandbox.base_url, "--company", "South Org",
                         "--json", env=env)
    assert refused.returncode == 2 and "North Org" in refused.stderr and "--company" in refused.stderr
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout)["company_id"] == tenants[1][0]


@needs_keyring
def test_full_cycle_leaves_no_token_in_book_logs_or_errors(run_cli, env, book_file, xero_sandbox, caplog, cli_env) -> None:
    """connect -> connections -> post -> refresh -> refusal -> revoke: the tenant is the company, the listing shows
    Xero's limits, and no token is left in the book, logs, output or errors."""
    path, book_id = book_file
    client_id = "xero-cycle-client-4b8e1f"
    done = run_cli("connect", path, "--provider", "xero", "--base-url", xero_sandbox.base_url, "--client-id", client_id,
                   "--json", env=env)
    assert done.returncode == 0, done.stderr
    tenant = json.loads(done.stdout)["company_id"]
    assert tenant == xero_sandbox.tenant_id
    store = RecordingStore(book_id, "main", provider="xero")
    store.saved.append(store.load_tokens())
    exchanges: list = []
    settings = ConnectionSettings("xero", "main", xero_sandbox.base_url, tenant, time_scale=TIME_SCALE,
                                  sync_log=exchanges.append)
    connector = open_connector(settings, store)
    accounts = {a.number: a for a in connector.accounts()}

    def journal(key: str, day: date = date(2026, 3, 2)) -> JournalDocument:
        return JournalDocument(key=key, date=day, currency="USD", doc_number=f"BB-{key}", lines=(
            JournalLine(Ref(accounts["6200"].id), debit=Decimal("9.99")),
            JournalLine(Ref(accounts["2310"].id), credit=Decimal("9.99"))))

    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG, logger="bookbridge"):
        connector.push(journal("cycle-1"))
        xero_sandbox.clock.advance(1801)  # expire the access token on Xero's side
        connector.push(journal("cycle-2"))  # 401 -> refresh (rotation) -> resend
        try:
            connector.push(journal("cycle-3", day=date(2024, 1, 1)))  # locked period
        except ConnectorError as error:
            errors.append(error)
        latest = store.load_tokens()
        requests.post(f"{xero_sandbox.base_url}/connect/revocation", timeout=5,
                      data={"token": latest.refresh_token, "client_id": client_id})
        xero_sandbox.clock.advance(1801)
        try:
            list(connector.vendors())
        except ReconnectRequired as error:
            errors.append(error)
    listed = run_cli("connections", path, "--json", env=env)
    (row,) = json.loads(listed.stdout)
    assert (row["provider"], row["company_id"], row["status"]) == ("xero", tenant, "connected")
    assert {w["name"]: w["limit"] for w in row["quota"]["windows"]} == {"per-minute": 60, "per-day": 5000}
    assert row["quota"]["max_concurrent"] == 5

    secrets: set[str] = set()
    for tokens in store.saved:
        secrets |= {tokens.access_token, tokens.refresh_token}
    assert len(store.saved) >= 2 and len(errors) == 2  # the cycle really refreshed and really failed twice

    from bookbridge.store.book import open_book

    with open_book(path, cli_env["BOOKBRIDGE_PASSPHRASE"]) as book, book.engine.connect() as conn:
        tables = [t for (t,) in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        book_text = "".join(repr(conn.execute(sa.text(f'SELECT * FROM "{t}"')).all()) for t in tables)
    logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in Path(env["XDG_STATE_HOME"]).rglob("bookbridge.log*"))
    places = {
        "book contents": book_text, "book file": path.read_bytes().decode("latin-1"), "CLI log file": logs,
        "CLI output": done.stdout + done.stderr + listed.stdout + listed.stderr, "in-process log": caplog.text,
        "sync log": repr(exchanges), "error messages": " ".join(f"{e} {e!r} {getattr(e, 'user_message', '')}" for e in errors),
    }
    assert tenant in book_text and "token" in caplog.text.lower()  # the places searched are not empty
    leaks = {(where, secret[:6]) for where, text in places.items() for secret in secrets if secret and secret in text}
    assert leaks == set()
    store.delete()
