"""A refresh grant through the generic (Authlib) token endpoint is resent only when it surely never arrived.

QBO and Xero rotate the refresh token on each renewal: a refresh the server processed but whose
answer was lost spends the token, and resending the old one can lose the connection. Each
provider that renews through this endpoint is driven from the registry against the scripted
loopback server standing in for its token endpoint.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

import pytest
from connector_testkit import Reply

from bookbridge.connectors.errors import ServerError, TransportError
from bookbridge.connectors.oauth import TokenManager
from bookbridge.connectors.registry import provider, token_manager
from bookbridge.connectors.retry import RetryPolicy
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore, TokenSet

GENERIC_PROVIDERS = ("qbo", "xero", "netsuite")
ACCESS = "access-secret-0123456789"
REFRESH = "refresh-secret-0123456789"
CLIENT_SECRET = "client-secret-0123456789"
# What a resend would get: a good answer, so only the count of requests tells a resend apart.
GOOD_TOKEN = Reply(200, {"access_token": "access-2", "refresh_token": "refresh-2", "token_type": "bearer",
                         "expires_in": 3600})


def expiring_store() -> MemoryTokenStore:
    now = datetime.now(timezone.utc)
    tokens = TokenSet(ACCESS, REFRESH, now - timedelta(minutes=1), now + timedelta(days=30), "bearer", now)
    return MemoryTokenStore(tokens, ClientCredentials("client-id-1", CLIENT_SECRET))


def renew_failing(scripted, name: str, first: Reply) -> tuple[Exception, MemoryTokenStore, TokenSet]:
    scripted.queue(first, GOOD_TOKEN)
    store = expiring_store()
    before = store.load_tokens()
    manager = token_manager(provider(name), ConnectionSettings(name, "main", scripted.url, "C1"), store)
    try:
        with pytest.raises((ServerError, TransportError)) as failed:
            manager.renew()
    finally:
        manager.close()
    return failed.value, store, before


@pytest.mark.parametrize("name", GENERIC_PROVIDERS)
def test_a_refresh_answered_502_is_not_sent_again(scripted, name) -> None:
    """A 502 may follow a processed refresh: one request only, and the user sees ServerError 502 naming the provider."""
    error, store, before = renew_failing(scripted, name, Reply(502, b"<html>Bad gateway</html>",
                                                               headers={"Content-Type": "text/html"}))
    assert len(scripted.seen) == 1 and store.load_tokens() == before
    assert type(error) is ServerError
    assert (error.provider, error.code, error.http_status, error.attempts) == (name, "502", 502, 1)
    assert provider(name).label in error.user_message
    text = str(error) + repr(error)
    assert REFRESH not in text and ACCESS not in text and CLIENT_SECRET not in text


@pytest.mark.parametrize("name", GENERIC_PROVIDERS)
def test_a_refresh_whose_connection_is_cut_after_sending_is_not_sent_again(scripted, name) -> None:
    """The server read the refresh and closed without answering: one request, a TransportError that may have arrived."""
    error, store, before = renew_failing(scripted, name, Reply(drop=True))
    assert len(scripted.seen) == 1 and store.load_tokens() == before
    assert type(error) is TransportError and error.request_sent and error.provider == name
    assert (error.code, error.attempts) == ("connection-lost", 1)
    assert REFRESH not in str(error) + repr(error)


def test_a_refresh_that_could_not_connect_is_sent_again() -> None:
    """Connection refused means the refresh never arrived: it is resent up to the policy's attempts."""
    with socket.socket() as probe:  # a loopback port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    spec = provider("xero")
    manager = TokenManager(
        expiring_store(), spec.oauth_endpoints(f"http://127.0.0.1:{port}"), provider=spec.name, label=spec.label,
        connection="main", retry_policy=RetryPolicy(max_attempts=3), sleep=lambda _seconds: None,
    )
    with pytest.raises(TransportError) as failed:
        manager.renew()
    assert (failed.value.code, failed.value.request_sent, failed.value.attempts) == ("connect", False, 3)
