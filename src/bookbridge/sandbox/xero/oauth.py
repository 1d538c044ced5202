"""Xero's identity endpoints, on the sandbox's port: authorize, token, revocation, connections.

* ``GET /identity/connect/authorize`` approves at once and redirects with ``code`` and ``state``
  (Xero names no organisation in the redirect). Public clients must use PKCE: without a
  ``code_challenge`` the request is refused unless the sandbox was given a client secret.
* ``POST /connect/token``: ``authorization_code`` and ``refresh_token`` grants; public (PKCE)
  clients send only ``client_id`` in the form, confidential ones HTTP Basic. Access tokens live
  30 minutes; a refresh token rotates on every use, with the 30-minute grace of :mod:`.tokens`.
  Without the ``offline_access`` scope no refresh token is issued.
* ``POST /connect/revocation`` revokes a refresh token and its authorization.
* ``GET /connections`` lists the organisations the access token reaches; ``DELETE
  /connections/{id}`` disconnects one, after which its API calls are refused with 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bookbridge.sandbox.common.errors import OAuthError
from bookbridge.sandbox.common.http import Request, Response
from bookbridge.sandbox.qbo.oauth import ClientPolicy, _error, _form, _with_query

if TYPE_CHECKING:
    from bookbridge.sandbox.xero.server import XeroSandbox

AUTHORIZE_PATH = "/identity/connect/authorize"
TOKEN_PATH = "/connect/token"
REVOKE_PATH = "/connect/revocation"
CONNECTIONS_PATH = "/connections"
DEFAULT_SCOPE = "offline_access accounting.transactions accounting.contacts accounting.settings"
TENANT_SEPARATOR = ","


def authorize(sandbox: "XeroSandbox", request: Request) -> Response:
    """Approve at once; the grant covers every organisation of the sandbox that is connected."""
    client_id = request.param("client_id") or ""
    redirect_uri = request.param("redirect_uri") or ""
    policy: ClientPolicy = sandbox.client_policy
    if not client_id or (policy.client_id is not None and client_id != policy.client_id):
        return Response.text(400, "unauthorized_client: this sandbox does not know the application.")
    if not redirect_uri.startswith(("http://", "https://")):
        return Response.text(400, "invalid_request: an absolute http(s) redirect_uri is required.")
    state = request.param("state")
    params: dict[str, str] = {}
    challenge = request.param("code_challenge") or ""
    method = request.param("code_challenge_method") or ("plain" if challenge else "")
    if request.param("response_type") != "code":
        params["error"] = "unsupported_response_type"
    elif not challenge and policy.client_secret is None:
        params["error"] = "invalid_request"
        params["error_description"] = "code_challenge is required (PKCE) for apps without a client secret"
    elif method and method != "S256":
        params["error"] = "invalid_request"
        params["error_description"] = "code_challenge_method must be S256"
    else:
        params["code"] = sandbox.tokens.issue_code(
            tenant=TENANT_SEPARATOR.join(sandbox.tenant_ids), client_id=client_id, redirect_uri=redirect_uri,
            scope=request.param("scope") or DEFAULT_SCOPE, code_challenge=challenge, code_challenge_method=method,
        )
    if state is not None:
        params["state"] = state
    return Response.redirect(_with_query(redirect_uri, params))


def _client_id(request: Request, form: dict[str, str], policy: ClientPolicy) -> str:
    """The client: HTTP Basic (confidential apps) or ``client_id`` in the form (PKCE apps, no secret)."""
    import base64
    import binascii
    from urllib.parse import unquote

    authorization = request.header("authorization")
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401) from None
        client_id, _, secret = decoded.partition(":")
        client_id, secret = unquote(client_id), unquote(secret)
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or (policy.client_id is not None and client_id != policy.client_id):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    if policy.client_secret is not None and not policy.accepts(client_id, secret):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return client_id


def token(sandbox: "XeroSandbox", request: Request) -> Response:
    try:
        form = _form(request)
        client_id = _client_id(request, form, sandbox.client_policy)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            if not form.get("code"):
                raise OAuthError("invalid_request", "code is required.")
            issued = sandbox.tokens.exchange_code(form["code"], client_id=client_id,
                                                  redirect_uri=form.get("redirect_uri", ""),
                                                  code_verifier=form.get("code_verifier", ""))
        elif grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise OAuthError("invalid_request", "refresh_token is required.")
            issued = sandbox.tokens.refresh(form["refresh_token"], client_id=client_id)
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
    except OAuthError as exc:
        sandbox.count(f"oauth_{exc.error}")
        return _error(exc)
    sandbox.count(f"oauth_{grant_type}")
    body: dict[str, Any] = {"access_token": issued.access_token, "expires_in": issued.expires_in,
                            "token_type": "Bearer", "scope": issued.scope}
    if "offline_access" in issued.scope.split():
        body["refresh_token"] = issued.refresh_token
    return Response.json(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def revoke(sandbox: "XeroSandbox", request: Request) -> Response:
    try:
        form = _form(request)
        _client_id(request, form, sandbox.client_policy)
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required.")
    except OAuthError as exc:
        return _error(exc)
    sandbox.tokens.revoke(form["token"])
    return Response(200, b"", {"Cache-Control": "no-store"})


def connections(sandbox: "XeroSandbox", request: Request, rest: list[str]) -> Response:
    """``GET /connections`` and ``DELETE /connections/{id}`` for the bearer token's authorization."""
    granted = sandbox.granted_tenants(request)
    if isinstance(granted, Response):
        return granted
    if request.method == "GET" and not rest:
        listing = [sandbox.connection_entry(tenant_id) for tenant_id in granted
                   if tenant_id not in sandbox.disconnected]
        return Response.json(200, listing)
    if request.method == "DELETE" and len(rest) == 1:
        for tenant_id in granted:
            if sandbox.connection_entry(tenant_id)["id"] == rest[0]:
                sandbox.disconnected.add(tenant_id)
                return Response(204, b"")
        return Response.json(404, {"Title": "Not Found", "Status": 404, "Detail": "No such connection"})
    return Response.text(405, "Method not allowed")
