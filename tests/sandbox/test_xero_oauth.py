"""The sandbox's identity endpoints as Xero documents them: PKCE, 30-minute access tokens, refresh
tokens rotating with a 30-minute grace, offline_access, revocation, and /connections."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import requests

from xero_testkit import authorize, xero_sandbox  # noqa: F401 - fixtures

REDIRECT = "http://127.0.0.1:9/callback"


def _authorize_params(**overrides) -> dict:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": "app", "redirect_uri": REDIRECT, "scope": "offline_access",
              "state": "st", "code_challenge": challenge, "code_challenge_method": "S256"}
    params.update(overrides)
    return params


def _redirect(sandbox, **overrides) -> dict:
    answer = requests.get(f"{sandbox.base_url}/identity/connect/authorize", params=_authorize_params(**overrides),
                          allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def _token(sandbox, **form) -> requests.Response:
    return requests.post(f"{sandbox.base_url}/connect/token", data=form, timeout=5)


def _refresh(sandbox, refresh_token: str, client_id: str = "raw-client") -> requests.Response:
    return _token(sandbox, grant_type="refresh_token", refresh_token=refresh_token, client_id=client_id)


def test_authorize_redirects_with_code_and_state_only(xero_sandbox) -> None:
    """Xero names no organisation in the redirect: only code and state come back."""
    params = _redirect(xero_sandbox)
    assert set(params) == {"code", "state"} and params["state"] == "st"


def test_pkce_is_required_and_checked(xero_sandbox) -> None:
    """Without a code challenge the request is refused; with a wrong verifier the code is refused."""
    assert _redirect(xero_sandbox, code_challenge="")["error"] == "invalid_request"
    code = _redirect(xero_sandbox)["code"]
    wrong = _token(xero_sandbox, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_id="app",
                   code_verifier="w" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_tokens_last_thirty_minutes_and_need_no_secret(xero_sandbox) -> None:
    """A PKCE client sends only its client id; the access token lasts 1800 s, a refresh token comes too."""
    tokens = authorize(xero_sandbox)
    assert tokens["expires_in"] == 1800 and tokens["token_type"] == "Bearer" and tokens["refresh_token"]


def test_no_refresh_token_without_offline_access(xero_sandbox) -> None:
    """offline_access is what grants a refresh token."""
    tokens = authorize(xero_sandbox, scope="accounting.transactions")
    assert "refresh_token" not in tokens and tokens["access_token"]


def test_refresh_rotates_and_the_old_token_replays_the_same_pair_for_30_minutes(xero_sandbox) -> None:
    """A spent refresh token, used again within 30 minutes, returns the very pair it produced."""
    first = authorize(xero_sandbox)
    rotated = _refresh(xero_sandbox, first["refresh_token"]).json()
    assert rotated["refresh_token"] != first["refresh_token"]
    xero_sandbox.clock.advance(29 * 60)
    again = _refresh(xero_sandbox, first["refresh_token"]).json()
    assert (again["access_token"], again["refresh_token"]) == (rotated["access_token"], rotated["refresh_token"])
    assert xero_sandbox.stats()["tokens"]["grace_replays"] == 1


def test_old_refresh_token_is_refused_after_the_grace_period(xero_sandbox) -> None:
    """31 minutes after rotation the old refresh token is invalid_grant; the new one still works."""
    first = authorize(xero_sandbox)
    rotated = _refresh(xero_sandbox, first["refresh_token"]).json()
    xero_sandbox.clock.advance(31 * 60)
    refused = _refresh(xero_sandbox, first["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert _refresh(xero_sandbox, rotated["refresh_token"]).status_code == 200


def test_grace_replay_is_for_the_same_client_only(xero_sandbox) -> None:
    """Another client presenting a spent refresh token gets nothing."""
    first = authorize(xero_sandbox)
    assert _refresh(xero_sandbox, first["refresh_token"]).status_code == 200
    assert _refresh(xero_sandbox, first["refresh_token"], client_id="intruder").status_code in (400, 401)


def test_expired_access_token_gets_401_token_expired(xero_sandbox) -> None:
    """After 30 minutes the API answers 401 with Xero's TokenExpired problem document."""
    tokens = authorize(xero_sandbox)
    xero_sandbox.clock.advance(1801)
    answer = requests.get(f"{xero_sandbox.base_url}/api.xro/2.0/Organisation", timeout=5, headers={
        "Authorization": f"Bearer {tokens['access_token']}", "Xero-Tenant-Id": xero_sandbox.tenant_id})
    assert answer.status_code == 401 and answer.json()["Detail"].startswith("TokenExpired")
    assert "WWW-Authenticate" in answer.headers


def test_revocation_kills_the_whole_authorization(xero_sandbox) -> None:
    """Revoking the refresh token ends it and its access tokens, grace included."""
    tokens = authorize(xero_sandbox)
    rotated = _refresh(xero_sandbox, tokens["refresh_token"]).json()
    revoked = requests.post(f"{xero_sandbox.base_url}/connect/revocation", timeout=5,
                            data={"token": rotated["refresh_token"], "client_id": "raw-client"})
    assert revoked.status_code == 200
    assert _refresh(xero_sandbox, tokens["refresh_token"]).status_code == 400
    answer = requests.get(f"{xero_sandbox.base_url}/connections", timeout=5,
                          headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert answer.status_code == 401


def test_connections_lists_organisations_and_a_missing_tenant_header_is_forbidden(xero_sandbox) -> None:
    """/connections names each organisation; an API call without Xero-Tenant-Id is 403."""
    token = authorize(xero_sandbox)["access_token"]
    listing = requests.get(f"{xero_sandbox.base_url}/connections", timeout=5,
                           headers={"Authorization": f"Bearer {token}"}).json()
    assert [(c["tenantId"], c["tenantType"]) for c in listing] == [(xero_sandbox.tenant_id, "ORGANISATION")]
    answer = requests.get(f"{xero_sandbox.base_url}/api.xro/2.0/Accounts", timeout=5,
                          headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.json()["Detail"] == "AuthorizationUnsuccessful"


def test_state_directory_never_holds_a_usable_token(tmp_path) -> None:
    """Only hashes of codes and tokens reach the token file."""
    from bookbridge.sandbox.xero import XeroSandbox

    with XeroSandbox(data_dir=tmp_path) as sandbox:
        tokens = authorize(sandbox)
        _refresh(sandbox, tokens["refresh_token"])
    text = "".join(p.read_text() for p in tmp_path.glob("*.json"))
    assert "xero-tokens.json" in {p.name for p in tmp_path.iterdir()}
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text
