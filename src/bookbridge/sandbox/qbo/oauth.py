"""QBO's OAuth 2.0 endpoints: authorize (approves at once), token, revoke.

The authorize page of the real QBO asks a person to sign in and pick a company; the sandbox
approves immediately and redirects back with ``code``, ``state`` and ``realmId``, so scripts and
tests can connect without a browser. The token endpoint takes client authentication by HTTP
Basic (what intuit-oauth sends) or in the form body (``client_secret_post``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.errors import OAuthError
from bookbridge.sandbox.common.http import Request, Response
from bookbridge.sandbox.common.tokens import TokenStore

DEFAULT_SCOPE = "com.intuit.quickbooks.accounting"


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """Which client credentials the sandbox accepts (any, unless both are set)."""

    client_id: str | None = None
    client_secret: str | None = None

    def accepts(self, client_id: str, client_secret: str) -> bool:
        if self.client_id is not None and not hmac.compare_digest(client_id, self.client_id):
            return False
        if self.client_secret is not None and not hmac.compare_digest(client_secret, self.client_secret):
            return False
        return bool(client_id)


def _error(exc: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Intuit"'
    return Response.json(exc.status, {"error": exc.error, "error_description": exc.description}, headers)


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def authorize(request: Request, tokens: TokenStore, policy: ClientPolicy, realm_id: str) -> Response:
    """GET /connect/oauth2: approve at once and redirect with code, state and realmId."""
    client_id = request.param("client_id") or ""
    redirect_uri = request.param("redirect_uri") or ""
    if not client_id or (policy.client_id is not None and client_id != policy.client_id):
        # Never redirect to an unverified client's URI (RFC 6749 section 4.1.2.1): show an error.
        return Response.text(400, "Invalid client_id: this sandbox does not know the application.")
    if not redirect_uri.startswith(("http://", "https://")):
        return Response.text(400, "Invalid redirect_uri: an absolute http(s) URL is required.")
    state = request.param("state")
    if request.param("response_type") != "code":
        params = {"error": "unsupported_response_type"}
        if state is not None:
            params["state"] = state
        return Response.redirect(_with_query(redirect_uri, params))
    method = request.param("code_challenge_method") or ("plain" if request.param("code_challenge") else "")
    if method and method not in ("S256", "plain"):
        return Response.redirect(_with_query(redirect_uri, {"error": "invalid_request", "state": state or ""}))
    code = tokens.issue_code(
        tenant=realm_id,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=request.param("scope") or DEFAULT_SCOPE,
        code_challenge=request.param("code_challenge") or "",
        code_challenge_method=method,
    )
    params = {"code": code}
    if state is not None:
        params["state"] = state
    params["realmId"] = realm_id
    return Response.redirect(_with_query(redirect_uri, params))


def _form(request: Request) -> dict[str, str]:
    content_type = request.header("content-type").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            document = jsonio.loads(request.body or b"{}")
        except ValueError:
            raise OAuthError("invalid_request", "The request body is not valid JSON.") from None
        return {str(k): str(v) for k, v in document.items()} if isinstance(document, dict) else {}
    parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def _client_credentials(request: Request, form: dict[str, str], policy: ClientPolicy) -> str:
    """Authenticate the client by HTTP Basic or form fields; returns the client id."""
    authorization = request.header("authorization")
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401) from None
        client_id, _, client_secret = decoded.partition(":")
        client_id, client_secret = unquote(client_id), unquote(client_secret)
    else:
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    if not policy.accepts(client_id, client_secret):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return client_id


def token(request: Request, tokens: TokenStore, policy: ClientPolicy) -> Response:
    """POST /oauth2/v1/tokens/bearer: authorization_code and refresh_token grants."""
    try:
        form = _form(request)
        client_id = _client_credentials(request, form, policy)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            if not form.get("code"):
                raise OAuthError("invalid_request", "code is required.")
            issued = tokens.exchange_code(
                form["code"],
                client_id=client_id,
                redirect_uri=form.get("redirect_uri", ""),
                code_verifier=form.get("code_verifier", ""),
            )
        elif grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise OAuthError("invalid_request", "refresh_token is required.")
            issued = tokens.refresh(form["refresh_token"], client_id=client_id)
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
    except OAuthError as exc:
        return _error(exc)
    body = {
        "token_type": "bearer",
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "x_refresh_token_expires_in": issued.refresh_expires_in,
    }
    return Response.json(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def revoke(request: Request, tokens: TokenStore, policy: ClientPolicy) -> Response:
    """POST /oauth2/v1/tokens/revoke: JSON ``{"token": ...}`` (or a form), client auth required."""
    try:
        form = _form(request)
        _client_credentials(request, form, policy)
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required.")
    except OAuthError as exc:
        return _error(exc)
    tokens.revoke(form["token"])
    return Response(200, b"", {"Cache-Control": "no-store"})
