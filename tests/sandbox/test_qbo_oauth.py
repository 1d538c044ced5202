"""OAuth 2.0 against the QBO sandbox: authorize, code exchange, refresh rotation, revoke, PKCE."""

from __future__ import annotations

import requests
from qbo_sandbox_helpers import REDIRECT_URI, Client, authorize, connect, decode, token_request

from bookbridge.sandbox.common.tokens import s256_challenge
from bookbridge.sandbox.qbo import QboSandbox


def _refresh(sandbox: QboSandbox, refresh_token: str) -> requests.Response:
    return token_request(sandbox.base_url, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def test_authorize_redirects_at_once_with_code_state_and_realm(sandbox: QboSandbox) -> None:
    """The authorize step approves without a person and returns code, state and realmId."""
    params = authorize(sandbox.base_url)
    assert params["state"] == ["state-123"]
    assert params["realmId"] == [sandbox.realm_id]
    assert len(params["code"][0]) > 20


def test_code_exchange_returns_qbo_token_fields(sandbox: QboSandbox) -> None:
    """Access tokens last 3600 s and the answer carries x_refresh_token_expires_in."""
    tokens = connect(sandbox.base_url)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] > 86400
    assert tokens["access_token"] != tokens["refresh_token"]


def test_client_secret_post_is_accepted(sandbox: QboSandbox) -> None:
    """Client credentials in the form body work as well as HTTP Basic."""
    code = authorize(sandbox.base_url)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": "test-client",
        "client_secret": "whatever",
    }
    answer = token_request(sandbox.base_url, form, auth=None)
    assert answer.status_code == 200, answer.text


def test_authorization_code_is_single_use(sandbox: QboSandbox) -> None:
    """A code traded once answers invalid_grant the second time."""
    code = authorize(sandbox.base_url)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    assert token_request(sandbox.base_url, form).status_code == 200
    again = token_request(sandbox.base_url, form)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_refresh_rotates_and_old_refresh_token_dies(sandbox: QboSandbox) -> None:
    """Each refresh issues a new refresh token; the previous one then answers invalid_grant."""
    first = connect(sandbox.base_url)
    second = _refresh(sandbox, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    stale = _refresh(sandbox, first["refresh_token"])
    assert (stale.status_code, stale.json()["error"]) == (400, "invalid_grant")
    assert _refresh(sandbox, second.json()["refresh_token"]).status_code == 200


def test_refreshed_access_token_reaches_the_api(sandbox: QboSandbox) -> None:
    """An access token from a refresh grant is accepted by the API."""
    refreshed = _refresh(sandbox, connect(sandbox.base_url)["refresh_token"]).json()
    client = Client(sandbox.base_url, sandbox.realm_id, refreshed["access_token"])
    assert client.get("preferences").status_code == 200


def test_expired_access_token_gets_401_with_qbo_auth_fault(sandbox: QboSandbox) -> None:
    """After 3600 s the bearer token is refused with QBO's AUTHENTICATION fault (code 3200)."""
    client = Client(sandbox.base_url, sandbox.realm_id, connect(sandbox.base_url)["access_token"])
    assert client.get("preferences").status_code == 200
    requests.post(f"{sandbox.base_url}/__sandbox/clock", json={"advance_seconds": 3601}, timeout=5)
    answer = client.get("preferences")
    assert answer.status_code == 401
    error = decode(answer)["fault"]["error"][0]
    assert error["code"] == "3200" and "AuthenticationFailed" in error["message"]
    assert "expired" in error["detail"].lower()


def test_unknown_bearer_token_gets_401(sandbox: QboSandbox) -> None:
    """A made-up token is refused."""
    answer = Client(sandbox.base_url, sandbox.realm_id, "not-a-token").get("preferences")
    assert answer.status_code == 401
    assert decode(answer)["fault"]["type"] == "AUTHENTICATION"


def test_token_for_another_company_gets_403(sandbox: QboSandbox) -> None:
    """A token only opens the company (realm) it was issued for."""
    token = connect(sandbox.base_url)["access_token"]
    answer = Client(sandbox.base_url, "1234567890", token).get("preferences")
    assert answer.status_code == 403
    assert decode(answer)["fault"]["error"][0]["code"] == "3100"


def test_revoke_kills_access_and_refresh_tokens(sandbox: QboSandbox) -> None:
    """Revoking the refresh token ends the whole connection."""
    tokens = connect(sandbox.base_url)
    revoked = requests.post(
        f"{sandbox.base_url}/oauth2/v1/tokens/revoke",
        json={"token": tokens["refresh_token"]},
        auth=("test-client", "s3cret"),
        timeout=5,
    )
    assert revoked.status_code == 200
    assert Client(sandbox.base_url, sandbox.realm_id, tokens["access_token"]).get("preferences").status_code == 401
    assert _refresh(sandbox, tokens["refresh_token"]).status_code == 400


def test_pkce_s256_verifier_is_checked(sandbox: QboSandbox) -> None:
    """With a code_challenge, the right verifier gets tokens and a wrong one invalid_grant."""
    verifier = "v" * 64
    challenge = {"code_challenge": s256_challenge(verifier), "code_challenge_method": "S256"}
    good_code = authorize(sandbox.base_url, **challenge)["code"][0]
    bad_code = authorize(sandbox.base_url, **challenge)["code"][0]
    base = {"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI}
    good = token_request(sandbox.base_url, {**base, "code": good_code, "code_verifier": verifier})
    bad = token_request(sandbox.base_url, {**base, "code": bad_code, "code_verifier": "w" * 64})
    assert good.status_code == 200
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_grant")


def test_redirect_uri_must_match_the_authorization(sandbox: QboSandbox) -> None:
    """A code traded with another redirect_uri is refused."""
    code = authorize(sandbox.base_url)["code"][0]
    answer = token_request(
        sandbox.base_url, {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:1/x"}
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


def test_configured_client_credentials_refuse_others() -> None:
    """With --client-id/--client-secret set, a wrong secret gets invalid_client (401)."""
    with QboSandbox(limits=False, client_id="app-1", client_secret="right") as sandbox:
        code = authorize(sandbox.base_url, client_id="app-1")["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        wrong = token_request(sandbox.base_url, form, auth=("app-1", "wrong"))
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
        code = authorize(sandbox.base_url, client_id="app-1")["code"][0]
        right = token_request(sandbox.base_url, {**form, "code": code}, auth=("app-1", "right"))
        assert right.status_code == 200


def test_authorize_refuses_unknown_client_without_redirecting() -> None:
    """An unknown client id is shown an error page, never redirected (RFC 6749 4.1.2.1)."""
    with QboSandbox(limits=False, client_id="app-1") as sandbox:
        answer = requests.get(
            f"{sandbox.base_url}/connect/oauth2",
            params={"client_id": "intruder", "response_type": "code", "redirect_uri": REDIRECT_URI},
            allow_redirects=False,
            timeout=5,
        )
        assert answer.status_code == 400 and "Location" not in answer.headers
