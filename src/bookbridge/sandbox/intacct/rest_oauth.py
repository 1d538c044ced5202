"""The REST API's OAuth 2.0 authorization server, as the Intacct sandbox serves it [I6, I13].

* ``GET /ia/api/v1/oauth2/authorize``: the real page asks a person to sign in and consent; the
  sandbox approves at once for its company user and redirects with ``code`` and ``state``.
  PKCE ``S256`` only; the redirect must be https, or http on a loopback address (Sage's own rule
  is UNCONFIRMED).
* ``POST /ia/api/v1/oauth2/token``: ``authorization_code`` (a public client sends ``client_id``
  and must have used PKCE) and ``refresh_token`` grants. A refresh token comes only with the
  ``offline_access`` scope. Access tokens are JWT-shaped and name the user and company (claims
  ``sub`` and ``cnyId``: the real claim names are UNCONFIRMED); refresh tokens rotate.
* A second authorisation of the same user and company supersedes the first: the first one's
  refresh token is then answered ``401`` with Sage's ``{"error": {"code": "tokenInvalid",
  "errorId": "REST-2102", ...}}`` [I13]. Its access token lives until it expires.

Token lifetimes are UNCONFIRMED; the sandbox's are an hour (access) and 30 days (refresh).
Only hashes of codes and tokens are kept, in memory and in the state file.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from bookbridge.sandbox.common.errors import OAuthError
from bookbridge.sandbox.common.http import Request, Response
# The superseding store extends the shared one, so it uses its grant record and hashing.
from bookbridge.sandbox.common.tokens import TokenLifetimes, TokenSet, TokenStore, _digest, _Grant

LIFETIMES = TokenLifetimes(code=600, access=3600, refresh=30 * 24 * 3600)
OFFLINE = "offline_access"


class SupersededRefresh(OAuthError):
    """The refresh token belongs to an authorisation a newer one replaced (REST-2102)."""

    def __init__(self) -> None:
        super().__init__("tokenInvalid", "Token is not valid", 401)


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class RestTokenStore(TokenStore):
    """Tokens for one company's user; the newest authorisation per company is the only one that refreshes."""

    def __init__(self, now: Callable[[], datetime], user_id: str, on_change: Callable[[], None] | None = None) -> None:
        super().__init__(now, LIFETIMES, on_change)
        self.user_id = user_id
        self._current: dict[str, str] = {}  # tenant (company) -> the family of its newest authorisation
        self._families: set[str] = set()

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            extra = {"current": dict(self._current), "families": sorted(self._families)}
        return {**super().to_dict(), **extra}

    def load_dict(self, data: dict[str, Any]) -> None:
        super().load_dict(data)
        with self._lock:
            self._current = dict(data.get("current", {}))
            self._families = set(data.get("families", []))

    def _issue_tokens(self, tenant: str, client_id: str, scope: str, *, family: str) -> TokenSet:
        now = self._now()
        with self._lock:
            if family not in self._families:  # a new authorisation, not a refresh: it becomes the current one
                self._families.add(family)
                self._current[tenant] = family
        claims = {"iss": "https://api.intacct.com", "sub": self.user_id, "cnyId": tenant, "client_id": client_id,
                  "iat": int(now.timestamp()), "exp": int(now.timestamp()) + self.lifetimes.access,
                  "jti": secrets.token_hex(12)}
        access = ".".join((_b64({"alg": "RS256", "typ": "JWT"}), _b64(claims), _b64(secrets.token_bytes(48))))
        refresh = "IA" + secrets.token_urlsafe(36)
        offline = OFFLINE in scope.split()
        with self._lock:
            self._prune_expired()
            self._access[_digest(access)] = _Grant(tenant, client_id, scope, self._expiry(self.lifetimes.access),
                                                   family=family)
            if offline:
                self._refresh[_digest(refresh)] = _Grant(tenant, client_id, scope,
                                                         self._expiry(self.lifetimes.refresh), family=family)
        self._changed()
        return TokenSet(access, refresh if offline else "", self.lifetimes.access,
                        self.lifetimes.refresh if offline else 0, tenant, scope)

    def refresh(self, refresh_token: str, *, client_id: str) -> TokenSet:
        with self._lock:
            grant = self._refresh.get(_digest(refresh_token))
            superseded = grant is not None and self._current.get(grant.tenant) != grant.family
        if superseded:
            raise SupersededRefresh()
        return super().refresh(refresh_token, client_id=client_id)


def _redirect_allowed(uri: str) -> bool:
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return bool(parts.netloc)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def authorize(request: Request, tokens: RestTokenStore, company_id: str) -> Response:
    """GET .../oauth2/authorize: approve at once for the sandbox's user and redirect back."""
    client_id = request.param("client_id") or ""
    redirect_uri = request.param("redirect_uri") or ""
    if not client_id:
        return Response.text(400, "client_id is required.")
    if not _redirect_allowed(redirect_uri):
        return Response.text(400, "redirect_uri must be https, or http on a loopback address.")
    state = request.param("state") or ""

    def refuse(error: str) -> Response:
        return Response.redirect(_with_query(redirect_uri, {"error": error, "state": state}))

    if request.param("response_type") != "code":
        return refuse("unsupported_response_type")
    method, challenge = request.param("code_challenge_method") or "", request.param("code_challenge") or ""
    if (challenge and method != "S256") or (method and not challenge):
        return refuse("invalid_request")
    code = tokens.issue_code(tenant=company_id, client_id=client_id, redirect_uri=redirect_uri,
                             scope=request.param("scope") or "", code_challenge=challenge,
                             code_challenge_method=method)
    return Response.redirect(_with_query(redirect_uri, {"code": code, "state": state}))


def _error(exc: OAuthError) -> Response:
    headers = {"Cache-Control": "no-store"}
    if isinstance(exc, SupersededRefresh):
        body = {"error": {"code": "tokenInvalid", "message": "Token is not valid", "errorId": "REST-2102",
                          "additionalInfo": {"messageId": "IA.TOKEN_IS_NOT_VALID", "placeholders": {},
                                             "propertySet": {}},
                          "supportId": secrets.token_hex(8)}}
        return Response.json(exc.status, body, headers)
    return Response.json(exc.status, {"error": exc.error, "error_description": exc.description}, headers)


def token(request: Request, tokens: RestTokenStore) -> Response:
    """POST .../oauth2/token: authorization_code and refresh_token grants for public clients."""
    form = {key: values[0] for key, values in parse_qs(request.body.decode("utf-8", "replace"),
                                                      keep_blank_values=True).items()}
    try:
        client_id = form.get("client_id", "")
        if not client_id:
            raise OAuthError("invalid_client", "client_id is required.", 401)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            if not form.get("code"):
                raise OAuthError("invalid_request", "code is required.")
            if not form.get("code_verifier"):
                raise OAuthError("invalid_request", "A public client must use PKCE (code_verifier is missing).")
            issued = tokens.exchange_code(form["code"], client_id=client_id, redirect_uri=form.get("redirect_uri", ""),
                                          code_verifier=form["code_verifier"])
        elif grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise OAuthError("invalid_request", "refresh_token is required.")
            issued = tokens.refresh(form["refresh_token"], client_id=client_id)
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
    except OAuthError as exc:
        return _error(exc)
    body: dict[str, Any] = {"access_token": issued.access_token, "token_type": "Bearer",
                            "expires_in": issued.expires_in}
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return Response.json(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})
