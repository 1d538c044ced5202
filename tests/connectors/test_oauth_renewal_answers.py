"""Renewal through the generic (Authlib) token endpoint when a 200 answer carries no token.

A misbehaving proxy or provider can answer the refresh grant with HTTP 200 and a body that is
not a token; QBO, Xero and NetSuite renew through this path, so each is checked against a
scripted loopback server standing in for its token endpoint.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from connector_testkit import Reply

from bookbridge.connectors.errors import AuthError
from bookbridge.connectors.registry import provider, token_manager
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore, TokenSet

GENERIC_PROVIDERS = ("qbo", "xero", "netsuite")
ACCESS = "access-secret-0123456789"
REFRESH = "refresh-secret-0123456789"
CLIENT_SECRET = "client-secret-0123456789"

NOT_TOKENS = {
    "empty object": Reply(200, {}),
    "no access_token": Reply(200, {"token_type": "bearer", "expires_in": 3600, "refresh_token": "r2"}),
    "empty access_token": Reply(200, {"access_token": "", "token_type": "bearer"}),
    "not json": Reply(200, b"<html>Sign in to the proxy</html>", headers={"Content-Type": "text/html"}),
    "json array": Reply(200, b"[]"),
}


def expiring_store() -> MemoryTokenStore:
    now = datetime.now(timezone.utc)
    tokens = TokenSet(ACCESS, REFRESH, now - timedelta(minutes=1), now + timedelta(days=30), "bearer", now)
    return MemoryTokenStore(tokens, ClientCredentials("client-id-1", CLIENT_SECRET))


@pytest.mark.parametrize("answer", NOT_TOKENS.values(), ids=NOT_TOKENS.keys())
@pytest.mark.parametrize("name", GENERIC_PROVIDERS)
def test_a_200_without_a_token_is_a_bad_token_response(scripted, name, answer) -> None:
    """A 200 token answer without an access token is AuthError bad-token-response naming the provider, no secret."""
    spec = provider(name)
    store = expiring_store()
    before = store.load_tokens()
    scripted.queue(answer)
    manager = token_manager(spec, ConnectionSettings(name, "main", scripted.url, "C1"), store)
    try:
        with pytest.raises(AuthError) as refused:
            manager.renew()
    finally:
        manager.close()
    error = refused.value
    assert (error.code, error.provider, error.retryable) == ("bad-token-response", name, False)
    assert spec.label in error.user_message
    text = str(error) + repr(error)
    assert ACCESS not in text and REFRESH not in text and CLIENT_SECRET not in text
    # The refresh token was sent once and the store still holds the tokens it had.
    assert len(scripted.seen) == 1 and store.load_tokens() == before


def test_a_code_exchange_answered_without_a_token_is_a_bad_token_response(scripted) -> None:
    """The code exchange shares the endpoint: a 200 without an access token is the same typed AuthError."""
    from bookbridge.connectors.oauth import AuthorizationGrant, begin_authorization, exchange_code

    scripted.queue(Reply(200, {"token_type": "bearer"}))
    spec = provider("xero")
    endpoints = spec.oauth_endpoints(scripted.url)
    client = ClientCredentials("client-id-1")
    request = begin_authorization(endpoints, client, "http://127.0.0.1:8765/callback")
    with pytest.raises(AuthError) as refused:
        exchange_code(endpoints, client, request, AuthorizationGrant("one-time-code-123"), provider=spec.name,
                      label=spec.label)
    assert refused.value.code == "bad-token-response" and "one-time-code-123" not in str(refused.value)
