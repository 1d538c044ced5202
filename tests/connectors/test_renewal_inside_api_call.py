"""A token renewal that fails in the middle of an API call is not sent again by the call's own retries.

The token endpoint already refuses to resend a refresh that may have arrived (QBO and Xero rotate
the refresh token: a second send of one the server processed can lose the connection). But an
API call renews from inside its retry loop (the token is expired, or the API answered 401), so
the loop re-ran the renewal with the same refresh token. Each provider whose connector renews
OAuth tokens is opened from the registry against one scripted loopback server that stands in for
both its API and its token endpoint. Intacct's XML sign-in creates a new session and spends
nothing, so its retries stay.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Mapping
from urllib.parse import urlsplit

import pytest
import requests
from connector_testkit import Reply, ScriptedServer

from bookbridge.connectors.errors import ConnectorError, ReconnectRequired, ServerError, TransportError
from bookbridge.connectors.http import HttpClient, status_error
from bookbridge.connectors.limiter import Limiter, RateLimits
from bookbridge.connectors.registry import open_connector, provider
from bookbridge.connectors.retry import RetryPolicy
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore, TokenSet
from bookbridge.core import clock
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_connector_support import intacct_sandbox, make_connector  # noqa: F401 - fixture

# Every provider that renews OAuth tokens through TokenManager (Intacct REST with its own endpoint).
OAUTH_PROVIDERS = ("qbo", "xero", "netsuite", "intacct-rest")
CONNECTION = "books-2024"
ACCESS = "access-secret-0123456789"
REFRESH = "refresh-secret-0123456789"
CLIENT_SECRET = "client-secret-0123456789"
BAD_GATEWAY = Reply(502, b"<html>Bad gateway</html>", headers={"Content-Type": "text/html"})
CUT = Reply(drop=True)
# What a resend would get: a good answer, so only the count of requests tells a resend apart.
GOOD_TOKEN = Reply(200, {"access_token": "access-2", "refresh_token": "refresh-2", "token_type": "bearer",
                         "expires_in": 3600})
FAILURES = {"502": (BAD_GATEWAY, ServerError), "cut after sending": (CUT, TransportError)}


def store_with(expires_in: timedelta) -> MemoryTokenStore:
    now = datetime.now(timezone.utc)
    tokens = TokenSet(ACCESS, REFRESH, now + expires_in, now + timedelta(days=30), "bearer", now)
    return MemoryTokenStore(tokens, ClientCredentials("client-id-1", CLIENT_SECRET))


def failed_call(scripted: ScriptedServer, name: str, store: MemoryTokenStore) -> ConnectorError:
    # max_attempts=5 and a 100x clock: the API call has retries to spare and spends no real time waiting.
    settings = ConnectionSettings(name, CONNECTION, scripted.url, "C1", time_scale=100.0, max_attempts=5)
    connector = open_connector(settings, store)
    try:
        with pytest.raises(ConnectorError) as failed:
            connector.company()
    finally:
        connector.close()
    return failed.value


def token_path(name: str, scripted: ScriptedServer) -> str:
    return urlsplit(provider(name).oauth_endpoints(scripted.url).token_url).path


def assert_seen_by_the_user(error: ConnectorError, name: str, expected: type) -> None:
    """The renewal's own typed error, still retryable next run, with a reconnect command naming --provider."""
    assert type(error) is expected and error.provider == name and error.retryable
    if isinstance(error, TransportError):
        assert (error.code, error.request_sent) == ("connection-lost", True)
    else:
        assert (error.code, error.http_status) == ("502", 502)
    assert provider(name).label in error.user_message
    assert f"(bookbridge connect ... --provider {name} --name {CONNECTION})" in error.user_message
    text = str(error) + repr(error)
    assert ACCESS not in text and REFRESH not in text and CLIENT_SECRET not in text


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
@pytest.mark.parametrize("name", OAUTH_PROVIDERS)
def test_a_failed_renewal_of_an_expired_token_is_sent_once(scripted, name, failure) -> None:
    """Expired token, refresh answered 502 or cut: one refresh request, no API request, the renewal's error."""
    reply, expected = failure
    scripted.queue(reply, GOOD_TOKEN)
    store = store_with(timedelta(minutes=-1))
    before = store.load_tokens()
    error = failed_call(scripted, name, store)
    assert [seen.path for seen in scripted.seen] == [token_path(name, scripted)]
    assert store.load_tokens() == before
    assert_seen_by_the_user(error, name, expected)


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
@pytest.mark.parametrize("name", OAUTH_PROVIDERS)
def test_a_failed_renewal_after_a_401_is_sent_once(scripted, name, failure) -> None:
    """API 401, refresh answered 502 or cut: the call stops there (one API request, one refresh)."""
    reply, expected = failure
    scripted.queue(Reply(401, {"error": "unauthorized"}), reply, GOOD_TOKEN)
    error = failed_call(scripted, name, store_with(timedelta(hours=1)))
    paths = [seen.path for seen in scripted.seen]
    assert len(paths) == 2 and paths[1] == token_path(name, scripted) and paths[0] != paths[1]
    assert_seen_by_the_user(error, name, expected)


def test_a_refresh_refused_with_401_is_not_taken_for_the_apis_401(scripted) -> None:
    """Intacct REST's token endpoint refuses the grant with HTTP 401: that is the answer, not a cue to renew again."""
    refused = Reply(401, {"ia::result": {"ia::error": {"code": "tokenInvalid", "errorId": "REST-2102"}}})
    scripted.queue(refused, GOOD_TOKEN)
    error = failed_call(scripted, "intacct-rest", store_with(timedelta(minutes=-1)))
    assert [seen.path for seen in scripted.seen] == [token_path("intacct-rest", scripted)]
    assert type(error) is ReconnectRequired and error.code == "REST-2102"
    assert f"--provider intacct-rest --name {CONNECTION}" in error.user_message


class _SignIn:
    """A renewal that opens a new session over HTTP and spends nothing, so it may be repeated (Intacct XML's kind)."""

    renewal_is_repeatable = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = "expired"

    def auth_headers(self) -> Mapping[str, str]:
        return {"X-Session": self.session}

    def renew(self) -> None:
        answer = requests.post(self.url, timeout=5)
        if answer.status_code >= 500:
            status = answer.status_code
            raise ServerError(f"sign-in failed (HTTP {status})", provider="test", code=str(status), http_status=status)
        self.session = answer.json()["session"]


def test_a_repeatable_renewal_keeps_the_calls_retries(scripted) -> None:
    """An authenticator whose renewal is repeatable: its 502 is retried with the call, which then succeeds."""
    scripted.queue(Reply(401, {}), BAD_GATEWAY, Reply(401, {}), Reply(200, {"session": "s-2"}), Reply(200, {"rows": 3}))
    client = HttpClient(
        provider="test", label="Test", base_url=scripted.url,
        error_mapper=lambda r: None if r.ok else status_error("test", "Test", r),
        limiter=Limiter(RateLimits(windows=())), authenticator=_SignIn(f"{scripted.url}/sign-in"),
        retry_policy=RetryPolicy(max_attempts=3), jitter=lambda _ceiling: 0.0, sleep=lambda _seconds: None,
    )
    try:
        assert client.request("GET", "/rows", idempotent=True).json() == {"rows": 3}
    finally:
        client.close()
    assert [seen.path for seen in scripted.seen] == ["/rows", "/sign-in", "/rows", "/sign-in", "/rows"]
    assert scripted.seen[-1].headers["X-Session"] == "s-2"


def test_intacct_xml_sign_in_is_retried_within_a_call(intacct_sandbox: IntacctSandbox) -> None:
    """Intacct XML: the session is due for renewal, the sign-in meets a 503, is sent again, and the call succeeds."""
    exchanges: list = []
    connector = make_connector(intacct_sandbox, sync_log=exchanges.append)
    try:
        connector.company()
        # Both clocks pass the session's timeout, so the next call signs in before anything else.
        intacct_sandbox.clock.advance(7200)
        clock.set_clock(lambda: datetime.now(timezone.utc) + timedelta(hours=2))
        exchanges.clear()
        intacct_sandbox.faults.update({"queue": ["503"]})
        assert connector.company().home_currency == "USD"
    finally:
        clock.set_clock(None)
        connector.close()
    sign_ins = [x.status for x in exchanges if "getAPISession" in x.request_body]
    assert sign_ins == [503, 200]
    assert intacct_sandbox.stats()["counters"]["sessions_opened"] == 2
