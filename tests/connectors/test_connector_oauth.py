"""OAuth: PKCE and state on the authorization request, redirect checks, both interactive flows."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from connector_testkit import Reply

from bookbridge.connectors.authorize import LoopbackReceiver, authorize_via_paste, open_without_browser
from bookbridge.connectors.connect import connect
from bookbridge.connectors.errors import AuthError
from bookbridge.connectors.oauth import (
    AuthorizationGrant,
    OAuthEndpoints,
    begin_authorization,
    exchange_code,
    parse_redirect,
)
from bookbridge.connectors.quickbooks.config import oauth_endpoints
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.core.errors import UsageError

CLIENT = ClientCredentials("test-app", "test-secret")
ENDPOINTS = OAuthEndpoints("https://auth.example/authorize", "https://auth.example/token", ("accounting",))


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_authorization_url_carries_an_s256_challenge_of_the_verifier():
    """code_challenge = BASE64URL(SHA256(code_verifier)) without padding (RFC 7636 §4.2)."""
    request = begin_authorization(ENDPOINTS, CLIENT, "http://127.0.0.1:5000/callback")
    params = query(request.url)
    expected = base64.urlsafe_b64encode(hashlib.sha256(request.code_verifier.encode()).digest()).rstrip(b"=").decode()
    assert (params["code_challenge_method"], params["code_challenge"]) == ("S256", expected)
    assert 43 <= len(request.code_verifier) <= 128


def test_each_authorization_gets_a_fresh_state():
    """Two requests never share a state."""
    first = begin_authorization(ENDPOINTS, CLIENT, "http://127.0.0.1:5000/cb")
    second = begin_authorization(ENDPOINTS, CLIENT, "http://127.0.0.1:5000/cb")
    assert first.state != second.state and query(first.url)["state"] == first.state


def test_redirect_with_the_wrong_state_is_refused():
    """An answer whose state differs is refused before its code is used."""
    request = begin_authorization(ENDPOINTS, CLIENT, "http://127.0.0.1:5000/cb")
    with pytest.raises(AuthError) as caught:
        parse_redirect("http://127.0.0.1:5000/cb?code=abc&state=forged&realmId=1", request, provider="qbo", label="QBO")
    assert caught.value.code == "state-mismatch"


def test_refusal_in_the_browser_is_reported():
    """error=access_denied becomes an AuthError saying access was not granted."""
    request = begin_authorization(ENDPOINTS, CLIENT, "http://127.0.0.1:5000/cb")
    with pytest.raises(AuthError) as caught:
        parse_redirect(f"?error=access_denied&state={request.state}", request, provider="qbo", label="QBO")
    assert caught.value.code == "access_denied"


def test_matching_redirect_gives_the_code_and_extra_parameters():
    """The code and realmId are read from a pasted URL."""
    request = begin_authorization(ENDPOINTS, CLIENT, "https://app.example/cb")
    grant = parse_redirect(f"https://app.example/cb?code=C0DE&state={request.state}&realmId=42", request,
                           provider="qbo", label="QBO")
    assert (grant.code, dict(grant.params)) == ("C0DE", {"realmId": "42"})


def test_loopback_listener_captures_only_its_callback_path():
    """Other paths get 404; the callback is captured and answered with a page."""
    with LoopbackReceiver() as receiver:
        stray = requests.get(f"http://127.0.0.1:{receiver.port}/favicon.ico", timeout=5)
        hit = requests.get(f"{receiver.redirect_uri}?code=x&state=y", timeout=5)
        answer = receiver.wait(1)
    assert (stray.status_code, hit.status_code) == (404, 200) and answer.endswith("?code=x&state=y")


def test_loopback_listener_only_binds_loopback():
    """The redirect listener refuses to listen on a public interface."""
    with pytest.raises(ValueError):
        LoopbackReceiver(host="0.0.0.0")


def test_paste_back_flow_against_the_sandbox(qbo_sandbox):
    """With an https redirect, the user pastes the final address and tokens come back."""
    endpoints = oauth_endpoints(qbo_sandbox.base_url)
    landed: list[str] = []

    def user_opens(url: str) -> None:
        # The browser would follow the redirect to the https page; we note where it was sent.
        landed.append(requests.get(url, allow_redirects=False, timeout=5).headers["Location"])

    authorized = authorize_via_paste(
        endpoints, CLIENT, "https://bookbridge.example/oauth/done", provider="qbo", label="QBO",
        show_url=user_opens, read_answer=lambda: landed[0],
    )
    assert authorized.params["realmId"] == qbo_sandbox.realm_id and authorized.tokens.refresh_token


def test_production_qbo_without_https_redirect_is_refused():
    """Intuit hosts need a registered https redirect; without one we say so before anything starts."""
    with pytest.raises(UsageError) as caught:
        connect(provider("qbo"), base_url=provider("qbo").base_url("production"),
                client=CLIENT, store=MemoryTokenStore(), open_url=print)
    assert "--redirect-uri" in caught.value.user_message


def test_connect_saves_tokens_and_client_only_in_the_store(qbo_sandbox):
    """After connecting, the store has the tokens and client; the result has none of them."""
    store = MemoryTokenStore()
    result = connect(provider("qbo"), base_url=qbo_sandbox.base_url, client=CLIENT, store=store,
                     open_url=open_without_browser())
    tokens = store.load_tokens()
    assert store.load_client() == CLIENT and tokens.access_token and tokens.refresh_token
    assert tokens.access_token not in repr(result) and tokens.refresh_token not in repr(result)
    assert result.company_id == qbo_sandbox.realm_id and result.flow == "loopback"


def test_open_without_browser_refuses_real_sign_in_pages():
    """A non-local sign-in page needs a person: no silent headless sign-in."""
    with pytest.raises(AuthError):
        open_without_browser()("https://appcenter.intuit.com/connect/oauth2?client_id=x")


def test_object_shaped_token_error_becomes_a_typed_error(scripted):
    """A token endpoint answering ``{"error": {...}}`` (Sage Intacct's shape) gives an AuthError naming its id."""
    scripted.queue(Reply(400, {"error": {"code": "tokenInvalid", "message": "Token is not valid",
                                         "errorId": "REST-2102"}}))
    endpoints = OAuthEndpoints(f"{scripted.url}/authorize", f"{scripted.url}/token", ("offline_access",),
                               client_auth_method="none")
    client = ClientCredentials("public-client")
    request = begin_authorization(endpoints, client, "http://127.0.0.1:8765/callback")
    with pytest.raises(AuthError) as raised:
        exchange_code(endpoints, client, request, AuthorizationGrant("one-time-code"), provider="intacct-rest",
                      label="Sage Intacct")
    assert raised.value.code == "REST-2102"
    assert "REST-2102" in str(raised.value)
