"""The NetSuite sandbox's OAuth 2.0: what the authorize page and token endpoint accept and refuse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from netsuite_sandbox_helpers import (
    CLIENT_ID,
    REDIRECT,
    REVOKE,
    TOKEN,
    Client,
    authorize,
    connect,
    redirect_params,
)

from bookbridge.connectors.tokens import jwt_expiry
from bookbridge.sandbox.netsuite import NetSuiteSandbox


@pytest.fixture
def sandbox() -> Iterator[NetSuiteSandbox]:
    with NetSuiteSandbox(limits=False) as running:
        yield running


def refresh(base_url: str, token: str) -> requests.Response:
    return requests.post(base_url + TOKEN, data={"grant_type": "refresh_token", "refresh_token": token,
                                                 "client_id": CLIENT_ID}, timeout=5)


def test_authorize_redirects_with_state_role_entity_company_and_code(sandbox: NetSuiteSandbox):
    """The redirect carries NetSuite's parameters; company is the account id."""
    answer = authorize(sandbox.base_url, state="s" * 30)
    params = redirect_params(answer)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(REDIRECT)
    assert (params["state"], params["company"]) == ("s" * 30, sandbox.account_id) and {"role", "entity", "code"} <= set(params)


@pytest.mark.parametrize(("overrides", "error"), [
    ({"state": "too-short"}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"scope": "rest_webservices payroll"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
])
def test_authorize_refusals_come_back_on_the_redirect(sandbox: NetSuiteSandbox, overrides, error):
    """Short state, plain PKCE, unknown scope, implicit flow: error=... on the redirect, no code."""
    params = redirect_params(authorize(sandbox.base_url, **overrides))
    assert params["error"] == error and "code" not in params


@pytest.mark.parametrize(("redirect", "allowed"), [
    ("https://app.example.com/callback", True), ("bookbridge://oauth/callback", True),
    ("http://127.0.0.1:8765/callback", True), ("http://app.example.com/callback", False),
])
def test_redirect_uris_must_be_https_or_a_custom_scheme(sandbox: NetSuiteSandbox, redirect, allowed):
    """http is refused except on loopback (the sandbox's allowance for headless tests)."""
    answer = authorize(sandbox.base_url, redirect_uri=redirect)
    assert (answer.status_code == 302) is allowed


def test_a_public_client_must_use_pkce(sandbox: NetSuiteSandbox):
    """Authorized without a challenge, a public client's code exchange is refused."""
    answer = authorize(sandbox.base_url, code_challenge="", code_challenge_method="")
    refused = requests.post(sandbox.base_url + TOKEN, data={
        "grant_type": "authorization_code", "code": redirect_params(answer)["code"], "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID}, timeout=5)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_request")


def test_a_wrong_code_verifier_is_refused(sandbox: NetSuiteSandbox):
    """PKCE is checked: another verifier than the one behind the challenge gives invalid_grant."""
    answer = authorize(sandbox.base_url)
    refused = requests.post(sandbox.base_url + TOKEN, data={
        "grant_type": "authorization_code", "code": redirect_params(answer)["code"], "redirect_uri": REDIRECT,
        "code_verifier": "x" * 50, "client_id": CLIENT_ID}, timeout=5)
    assert refused.json()["error"] == "invalid_grant"


def test_a_confidential_client_authenticates_with_basic():
    """With a client secret configured, client_id alone is refused and HTTP Basic works."""
    with NetSuiteSandbox(client_id=CLIENT_ID, client_secret="s3cret-value") as sandbox:
        answer = authorize(sandbox.base_url)
        form = {"grant_type": "authorization_code", "code": redirect_params(answer)["code"], "redirect_uri": REDIRECT,
                "code_verifier": answer.verifier}
        public = requests.post(sandbox.base_url + TOKEN, data={**form, "client_id": CLIENT_ID}, timeout=5)
        basic = requests.post(sandbox.base_url + TOKEN, data=form, auth=(CLIENT_ID, "s3cret-value"), timeout=5)
    assert (public.status_code, basic.status_code) == (401, 200)


def test_tokens_are_jwt_shaped_and_last_an_hour_and_seven_days(sandbox: NetSuiteSandbox):
    """expires_in 3600; the refresh token's exp is 7 days after its chain began."""
    tokens = connect(sandbox.base_url)
    expiry = jwt_expiry(tokens["refresh_token"])
    started = sandbox.clock.now()
    assert tokens["expires_in"] == 3600 and tokens["token_type"] == "Bearer"
    assert abs((expiry - started).total_seconds() - 7 * 24 * 3600) < 5


def test_refresh_rotates_and_keeps_the_chain_end(sandbox: NetSuiteSandbox):
    """A refresh gives new tokens; the old refresh token dies; the new one ends when the first did."""
    first = connect(sandbox.base_url)
    sandbox.clock.advance(3 * 24 * 3600)
    renewed = refresh(sandbox.base_url, first["refresh_token"]).json()
    again = refresh(sandbox.base_url, first["refresh_token"])
    assert renewed["refresh_token"] != first["refresh_token"] and again.json()["error"] == "invalid_grant"
    assert jwt_expiry(renewed["refresh_token"]) == jwt_expiry(first["refresh_token"])


def test_the_chain_ends_after_seven_days(sandbox: NetSuiteSandbox):
    """Eight days after sign-in even the newest refresh token is refused: sign in again."""
    first = connect(sandbox.base_url)
    sandbox.clock.advance(6 * 24 * 3600)
    renewed = refresh(sandbox.base_url, first["refresh_token"]).json()
    sandbox.clock.advance(2 * 24 * 3600)
    assert refresh(sandbox.base_url, renewed["refresh_token"]).json()["error"] == "invalid_grant"


def test_expired_access_tokens_get_invalid_login(sandbox: NetSuiteSandbox):
    """After an hour the access token is refused with 401 INVALID_LOGIN."""
    api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
    sandbox.clock.advance(3601)
    assert api.call("GET", "/services/rest/system/v1/governanceLimits").status_code == 401


def test_revoke_ends_the_whole_chain(sandbox: NetSuiteSandbox):
    """Revoking the refresh token also kills the access token issued with it."""
    tokens = connect(sandbox.base_url)
    revoked = requests.post(sandbox.base_url + REVOKE, data={"token": tokens["refresh_token"], "client_id": CLIENT_ID},
                            timeout=5)
    api = Client(sandbox.base_url, tokens["access_token"])
    assert revoked.status_code == 200 and api.call("GET", "/services/rest/system/v1/governanceLimits").status_code == 401
