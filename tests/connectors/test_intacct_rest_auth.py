"""Intacct REST sign-in end to end: PKCE over a loopback redirect, tokens in the real OS keyring, renewal, REST-2102.

Runs under packaging/scripts/with-test-keyring.sh (a real Secret Service keyring); without it
the keyring tests skip, the in-memory ones still run.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace

import keyring
import pytest
from connector_testkit import Reply

from bookbridge.connectors.errors import AuthError, ReconnectRequired
from bookbridge.connectors.intacct.rest.auth import RestTokenEndpoint
from bookbridge.connectors.intacct.rest.config import TOKEN_PATH
from bookbridge.connectors.registry import open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import SERVICE, ClientCredentials, KeyringTokenStore, MemoryTokenStore
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_rest_support import journal, open_rest, sign_in

needs_keyring = pytest.mark.skipif(os.environ.get("BOOKBRIDGE_TEST_KEYRING") != "1",
                                   reason="run under packaging/scripts/with-test-keyring.sh for a real keyring")


@pytest.fixture
def sandbox(tmp_path):
    with IntacctSandbox(limits=False, data_dir=tmp_path / "state") as running:
        yield running


class HeldSaveStore(MemoryTokenStore):
    """Once armed, holds the next save until released: a renewal then sits inside its lock for as long as needed."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.saving = threading.Event()
        self.release = threading.Event()

    def save_tokens(self, tokens) -> None:
        if self.armed:
            self.armed = False
            self.saving.set()
            self.release.wait(10)
        super().save_tokens(tokens)


def token_requests(exchanges: list) -> int:
    return sum(1 for exchange in exchanges if exchange.url.endswith(TOKEN_PATH))


def test_pkce_sign_in_names_the_company_from_the_token(sandbox) -> None:
    """The loopback flow with PKCE ends with tokens, a refresh token, and the company from the JWT."""
    store, result = sign_in(sandbox)
    tokens = store.load_tokens()
    assert result.flow == "loopback" and result.company_id == sandbox.company_id
    assert tokens is not None and tokens.refresh_token and tokens.access_token.count(".") == 2


def test_sandbox_state_keeps_hashes_never_a_token(sandbox, tmp_path) -> None:
    """The sandbox's token file holds digests only: no issued token appears in it."""
    store, _ = sign_in(sandbox)
    tokens = store.load_tokens()
    saved = (tmp_path / "state" / "intacct-rest-tokens.json").read_text()
    assert tokens.access_token not in saved and tokens.refresh_token not in saved and '"refresh"' in saved


def test_expired_access_token_is_renewed_on_401_and_the_call_succeeds(sandbox) -> None:
    """After the sandbox clock passes the access lifetime, a 401 triggers one refresh and the read works."""
    with open_rest(sandbox) as connector:
        before = connector._auth.current().access_token  # noqa: SLF001 - the renewal is the behaviour under test
        sandbox.clock.advance(3700)
        accounts = list(connector.accounts())
        after = connector._auth.current().access_token  # noqa: SLF001
    assert accounts and before != after and sandbox.stats()["counters"]["rest_auth_refused"] == 1


def test_second_authorisation_breaks_the_first_refresh_with_a_reauthorise_message(sandbox) -> None:
    """Signing in again for the same user and company makes the first connection's renewal REST-2102."""
    first = open_rest(sandbox)
    sign_in(sandbox)  # the same user authorises Bookbridge again (another book, another computer)
    with first, pytest.raises(ReconnectRequired) as refused:
        first._auth.renew()  # noqa: SLF001 - as the HTTP layer does after a 401
    assert refused.value.code == "REST-2102" and "second time" in refused.value.user_message
    assert first._auth.current().refresh_token not in refused.value.user_message  # noqa: SLF001


def test_tokens_another_process_renewed_are_taken_from_the_store_not_renewed_again(sandbox) -> None:
    """Renewal re-reads the store: another process's fresh tokens are used, the spent refresh token is not sent."""
    exchanges: list = []
    with open_rest(sandbox, sync_log=exchanges.append) as first:
        # A second connector over the same store: another Bookbridge process sharing the keyring entry.
        with open_connector(first.settings, first._auth.store) as second:  # noqa: SLF001
            stale = second._auth.current()  # noqa: SLF001 - loaded before the other process renews
            first._auth.renew()  # noqa: SLF001 - rotates the refresh token; the one `second` holds is spent
            sent = token_requests(exchanges)
            second._auth.renew()  # noqa: SLF001
            adopted = second._auth.current()  # noqa: SLF001
            accounts = list(second.accounts())
    assert token_requests(exchanges) == sent == 1 and accounts
    assert adopted == first._auth.store.load_tokens() and adopted.access_token != stale.access_token  # noqa: SLF001


def test_two_threads_renewing_at_once_spend_the_refresh_token_once(sandbox) -> None:
    """The second renewal waits for the first one's lock, then takes its tokens from the store."""
    exchanges: list = []
    store = HeldSaveStore()
    errors: list[Exception] = []

    def renew() -> None:
        try:
            connector._auth.renew()  # noqa: SLF001
        except Exception as exc:  # kept for the assertion below, which names it
            errors.append(exc)

    with open_rest(sandbox, store=store, sync_log=exchanges.append) as connector:
        before = connector._auth.current()  # noqa: SLF001
        store.armed = True
        holder = threading.Thread(target=renew)
        holder.start()
        assert store.saving.wait(10)  # the first renewal has its answer and holds the lock while saving
        waiter = threading.Thread(target=renew)
        waiter.start()
        waiter.join(0.3)
        waited = waiter.is_alive()
        store.release.set()
        holder.join(10)
        waiter.join(10)
        after = connector._auth.current()  # noqa: SLF001
    assert waited and errors == [] and token_requests(exchanges) == 1
    assert after == store.load_tokens() and after.access_token != before.access_token


def test_a_connection_without_a_refresh_token_gets_intacct_rest_reconnect_wording(sandbox) -> None:
    """No refresh token: the message asks whether offline_access was granted and names --provider intacct-rest."""
    with open_rest(sandbox) as connector:
        store = connector._auth.store  # noqa: SLF001
        store.save_tokens(replace(store.load_tokens(), refresh_token=None))
        with pytest.raises(ReconnectRequired) as refused:
            connector._auth.renew()  # noqa: SLF001
    message = refused.value.user_message
    assert "offline_access granted" in message
    assert "(bookbridge connect ... --provider intacct-rest --name main)" in message


def test_requests_carry_a_bearer_token_whatever_type_the_answer_named(sandbox) -> None:
    """The Authorization scheme is Bearer even when the saved token type says otherwise."""
    with open_rest(sandbox) as connector:
        store = connector._auth.store  # noqa: SLF001
        store.save_tokens(replace(store.load_tokens(), token_type="jwt"))
        header = connector._auth.auth_headers()["Authorization"]  # noqa: SLF001
        accounts = list(connector.accounts())
    assert header.startswith("Bearer ") and accounts


def test_the_newer_authorisation_keeps_working_after_the_older_one_broke(sandbox) -> None:
    """Only the superseded connection needs connecting again; the newest one posts."""
    older = open_rest(sandbox)
    with open_rest(sandbox) as newer:
        sandbox.clock.advance(3700)
        posted = newer.push(journal("newest-1", number="EXP-N1"))
        with older, pytest.raises(ReconnectRequired):
            older.push(journal("older-1", number="EXP-O1"))
    assert [b["RECORDNO"] for b in sandbox.store.records("GLBATCH")] == [posted.remote_id]


@needs_keyring
def test_refresh_token_lives_in_the_os_keyring_and_rotates_there(sandbox, tmp_path) -> None:
    """Tokens go to the real keyring (not the book or logs); a renewal replaces the keyring entry."""
    store = KeyringTokenStore("book-rest-test", "rest-main", provider="intacct-rest")
    try:
        with open_rest(sandbox, store=store) as connector:
            first = json.loads(keyring.get_password(SERVICE, "book-rest-test/rest-main/tokens"))
            connector._auth.renew()  # noqa: SLF001
            second = json.loads(keyring.get_password(SERVICE, "book-rest-test/rest-main/tokens"))
            accounts = list(connector.accounts())
        assert isinstance(connector._auth.token_endpoint, RestTokenEndpoint)  # noqa: SLF001
        assert first["refresh_token"] and second["refresh_token"] != first["refresh_token"] and accounts
    finally:
        store.delete()


@needs_keyring
def test_reauthorise_error_from_keyring_tokens_names_the_connection(sandbox) -> None:
    """With keyring-held tokens, REST-2102 tells which connection to connect again."""
    store = KeyringTokenStore("book-rest-test", "rest-old", provider="intacct-rest")
    try:
        older = open_rest(sandbox, store=store, name="rest-old")
        sign_in(sandbox)
        with older, pytest.raises(ReconnectRequired) as refused:
            older._auth.renew()  # noqa: SLF001
        assert "--name rest-old" in refused.value.user_message and refused.value.code == "REST-2102"
    finally:
        store.delete()


def test_a_token_answer_that_is_not_json_is_a_bad_token_response(scripted) -> None:
    """A 200 that is not JSON (a proxy's page) is a typed AuthError naming no secret, not a parsing crash."""
    scripted.queue(Reply(200, b"<html>Sign in to the proxy</html>", headers={"Content-Type": "text/html"}))
    endpoint = RestTokenEndpoint(ConnectionSettings("intacct-rest", "main", scripted.url, "C1"))
    try:
        with pytest.raises(AuthError) as refused:
            endpoint.refresh(ClientCredentials("rest-app"), "refresh-secret-1")
    finally:
        endpoint.close()
    assert refused.value.code == "bad-token-response" and "refresh-secret-1" not in str(refused.value)
