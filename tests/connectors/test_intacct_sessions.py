"""Intacct credentials in the token store, and API sessions shared through it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.intacct.credentials import ApiSession, UserLogin, login_from, session_from, to_tokens
from bookbridge.connectors.tokens import TokenSet
from bookbridge.core import clock
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_connector_support import connected_store, intacct_sandbox, make_connector  # noqa: F401 - fixture


def test_login_and_session_round_trip_through_a_token_set() -> None:
    """What is saved reads back the same; the session's timeout is the token set's expiry."""
    login = UserLogin("ws", "Acme", "pw-123", "E1")
    session = ApiSession("sess-abc..", "https://api.intacct.com/ia/xml/xmlgw.phtml", clock.now() + timedelta(minutes=9))
    tokens = TokenSet.from_json(to_tokens(login, session).to_json())
    assert login_from(tokens, "main") == login and session_from(tokens, "main") == session


def test_reprs_show_no_secret() -> None:
    """Neither the password nor the session id appears in a repr (logs, tracebacks)."""
    login = UserLogin("ws", "Acme", "pw-123")
    session = ApiSession("sess-abc..", "https://api.intacct.com/ia/xml/xmlgw.phtml", clock.now())
    text = repr(login) + repr(session) + repr(to_tokens(login, session))
    assert "pw-123" not in text and "sess-abc" not in text


def test_damaged_entries_mean_reconnect() -> None:
    """Tokens that are not an Intacct login (an OAuth token set, say) ask for a new connection."""
    oauth = TokenSet("eyJ...", "AB11...", clock.now())
    with pytest.raises(ReconnectRequired, match="damaged"):
        login_from(oauth, "main")
    with pytest.raises(ReconnectRequired, match="damaged"):
        session_from(oauth, "main")


def test_a_session_opened_by_one_connector_serves_the_next(intacct_sandbox: IntacctSandbox) -> None:
    """The session is saved in the store, so another process with the same keyring reuses it."""
    store = connected_store(intacct_sandbox)
    make_connector(intacct_sandbox, store).company()
    make_connector(intacct_sandbox, store).company()
    assert intacct_sandbox.stats()["counters"]["sessions_opened"] == 1


def test_a_renewed_session_replaces_the_saved_one(intacct_sandbox: IntacctSandbox) -> None:
    """After a timeout the new session is saved, with the new projected expiry."""
    store = connected_store(intacct_sandbox)
    first = session_from(store.load_tokens(), "main")
    intacct_sandbox.clock.advance(3600)
    make_connector(intacct_sandbox, store).company()
    renewed = session_from(store.load_tokens(), "main")
    assert renewed.session_id != first.session_id and renewed.expires_at > first.expires_at


def test_each_call_slides_the_session_timeout(intacct_sandbox: IntacctSandbox) -> None:
    """The timeout each answer projects moves the session's expiry forward (as Intacct's calls do)."""
    connector = make_connector(intacct_sandbox)
    connector.company()
    before = connector._auth.credentials().session.expires_at
    intacct_sandbox.clock.advance(600)
    connector.company()
    assert connector._auth.credentials().session.expires_at >= before + timedelta(seconds=590)
