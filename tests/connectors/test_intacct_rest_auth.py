"""Intacct REST sign-in end to end: PKCE over a loopback redirect, tokens in the real OS keyring, renewal, REST-2102.

Runs under packaging/scripts/with-test-keyring.sh (a real Secret Service keyring); without it
the keyring tests skip, the in-memory ones still run.
"""

from __future__ import annotations

import json
import os

import keyring
import pytest

from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.intacct.rest.auth import RestTokenEndpoint
from bookbridge.connectors.tokens import SERVICE, KeyringTokenStore
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_rest_support import journal, open_rest, sign_in

needs_keyring = pytest.mark.skipif(os.environ.get("BOOKBRIDGE_TEST_KEYRING") != "1",
                                   reason="run under packaging/scripts/with-test-keyring.sh for a real keyring")


@pytest.fixture
def sandbox(tmp_path):
    with IntacctSandbox(limits=False, data_dir=tmp_path / "state") as running:
        yield running


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
