"""The HTTP layer over real loopback HTTP: retries, attempts, 401 renewal, transport failures, TLS policy."""

from __future__ import annotations

import socket

import pytest
from connector_testkit import Reply, ScriptedServer

from bookbridge.connectors.errors import (
    ReconnectRequired,
    ServerError,
    TransportError,
    ValidationError,
)
from bookbridge.connectors.http import HttpClient, Timeouts, check_base_url, status_error
from bookbridge.connectors.limiter import Limiter, RateLimits
from bookbridge.connectors.retry import RetryPolicy
from bookbridge.core.errors import UsageError


class SwappingAuth:
    """Hands out the current token; renew() moves to the next one (counts renewals)."""

    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.renewals = 0

    def auth_headers(self):
        return {"Authorization": f"Bearer {self.tokens[0]}"}

    def renew(self) -> None:
        self.renewals += 1
        self.tokens.pop(0)


def mapper(response):
    return status_error("test", "Test API", response) if response.status_code >= 300 else None


def make_client(url: str, *, auth=None, sleeps=None, exchanges=None, max_attempts=4, read=5.0) -> HttpClient:
    return HttpClient(
        provider="test", label="Test API", base_url=url, error_mapper=mapper,
        limiter=Limiter(RateLimits(windows=())), authenticator=auth,
        timeouts=Timeouts(connect=2.0, read=read), retry_policy=RetryPolicy(max_attempts=max_attempts, base_delay=0.01),
        sleep=(sleeps.append if sleeps is not None else lambda s: None), jitter=lambda c: c,
        sync_log=(exchanges.append if exchanges is not None else None),
    )


def test_server_error_then_success_records_two_attempts(scripted: ScriptedServer):
    """A 503 followed by a 200 succeeds, and the result says it took two attempts."""
    scripted.queue(Reply(503, {"error": "busy"}), Reply(200, {"ok": 1}))
    result = make_client(scripted.url).request("GET", "/thing", idempotent=True)
    assert (result.status, result.attempts, result.json()) == (200, 2, {"ok": 1})


def test_retry_after_header_is_honoured(scripted: ScriptedServer):
    """A 429 with Retry-After: 3 sleeps exactly 3 s before the next attempt."""
    sleeps: list[float] = []
    scripted.queue(Reply(429, {}, {"Retry-After": "3"}), Reply(200, {}))
    make_client(scripted.url, sleeps=sleeps).request("POST", "/x", idempotent=False, data=b"{}")
    assert sleeps == [3.0]


def test_non_idempotent_write_is_not_resent_after_a_server_error(scripted: ScriptedServer):
    """A 500 to a write without idempotency key is raised at once, after one attempt."""
    scripted.queue(Reply(500, {}))
    with pytest.raises(ServerError) as caught:
        make_client(scripted.url).request("POST", "/x", idempotent=False, data=b"{}")
    assert caught.value.attempts == 1 and len(scripted.seen) == 1


def test_attempts_are_recorded_on_the_final_error(scripted: ScriptedServer):
    """When every attempt fails, the raised error carries the number of attempts made."""
    scripted.queue(*[Reply(502, {})] * 3)
    with pytest.raises(ServerError) as caught:
        make_client(scripted.url, max_attempts=3).request("GET", "/x", idempotent=True)
    assert caught.value.attempts == 3 and len(scripted.seen) == 3


def test_validation_error_is_not_retried(scripted: ScriptedServer):
    """A 400 is raised after one attempt."""
    scripted.queue(Reply(400, {"error": "bad"}))
    with pytest.raises(ValidationError):
        make_client(scripted.url).request("GET", "/x", idempotent=True)
    assert len(scripted.seen) == 1


def test_401_renews_credentials_and_resends(scripted: ScriptedServer):
    """A 401 triggers one renewal; the resend carries the new token and succeeds."""
    auth = SwappingAuth("old-token-value", "new-token-value")
    scripted.queue(Reply(401, {}), Reply(200, {"ok": 1}))
    result = make_client(scripted.url, auth=auth).request("GET", "/x", idempotent=True)
    assert auth.renewals == 1 and result.attempts == 2
    assert scripted.seen[1].headers["Authorization"] == "Bearer new-token-value"


def test_401_after_renewal_asks_to_reconnect(scripted: ScriptedServer):
    """A 401 to freshly renewed credentials means access was revoked: ReconnectRequired."""
    auth = SwappingAuth("a-token", "b-token")
    scripted.queue(Reply(401, {}), Reply(401, {}))
    with pytest.raises(ReconnectRequired):
        make_client(scripted.url, auth=auth).request("GET", "/x", idempotent=True)


def test_dropped_connection_is_retried_for_idempotent_requests(scripted: ScriptedServer):
    """A connection cut before the answer is resent when the request is idempotent."""
    scripted.queue(Reply(drop=True), Reply(200, {"ok": 1}))
    result = make_client(scripted.url).request("POST", "/x", idempotent=True, data=b"{}")
    assert result.attempts == 2


def test_dropped_connection_on_non_idempotent_write_reports_it_may_have_arrived(scripted: ScriptedServer):
    """A cut connection on a plain write raises TransportError(request_sent=True), not a resend."""
    scripted.queue(Reply(drop=True))
    with pytest.raises(TransportError) as caught:
        make_client(scripted.url).request("POST", "/x", idempotent=False, data=b"{}")
    assert caught.value.request_sent is True and len(scripted.seen) == 1


def test_read_timeout_is_a_transport_error(scripted: ScriptedServer):
    """An answer slower than the read timeout becomes TransportError(code=read-timeout)."""
    scripted.queue(Reply(200, {}, delay=1.0))
    with pytest.raises(TransportError) as caught:
        make_client(scripted.url, read=0.2, max_attempts=1).request("GET", "/x", idempotent=True)
    assert caught.value.code == "read-timeout"


def test_refused_connection_is_known_not_to_have_arrived():
    """Nothing listening: TransportError with request_sent=False, retried up to the limit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        make_client(f"http://127.0.0.1:{port}", max_attempts=2).request("POST", "/x", idempotent=False, data=b"{}")
    assert caught.value.request_sent is False and caught.value.attempts == 2


def test_every_attempt_reaches_the_sync_log(scripted: ScriptedServer):
    """Both attempts of a retried request are logged, with their attempt numbers."""
    exchanges = []
    scripted.queue(Reply(503, {}), Reply(200, {}))
    make_client(scripted.url, exchanges=exchanges).request("GET", "/x", idempotent=True)
    assert [(e.attempt, e.status) for e in exchanges] == [(1, 503), (2, 200)]


def test_plain_http_to_a_remote_host_is_refused():
    """Credentials never travel over plain http beyond this computer."""
    with pytest.raises(UsageError):
        check_base_url("http://quickbooks.example.com")


def test_https_and_loopback_http_are_accepted():
    """https anywhere, http only on loopback (the local sandboxes)."""
    assert [check_base_url(u) for u in ("https://x.example/", "http://127.0.0.1:8080", "http://[::1]:9")] == [
        "https://x.example", "http://127.0.0.1:8080", "http://[::1]:9"]


def test_absolute_urls_must_stay_on_the_base_host(scripted: ScriptedServer):
    """A path pointing at another host is refused so tokens cannot leak there."""
    with pytest.raises(UsageError):
        make_client(scripted.url).url("https://elsewhere.example/steal")


def test_tls_verification_cannot_be_switched_off(scripted: ScriptedServer):
    """The session verifies certificates."""
    assert make_client(scripted.url)._session.verify is True
