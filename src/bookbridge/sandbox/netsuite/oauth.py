"""NetSuite's OAuth 2.0 authorization-code flow, as the sandbox serves it [N1-N4].

* ``GET /app/login/oauth2/authorize.nl``: the real page asks a person to sign in, pick a role and
  consent; the sandbox approves at once and redirects with ``state``, ``role``, ``entity``,
  ``company`` (the account id) and ``code``. ``state`` must be 22–1024 characters; PKCE accepts
  ``S256`` only (``plain`` is refused since 2020.2). Redirect URIs must be https or a custom
  scheme; plain http is accepted only for a loopback address, so tests can finish headless.
* ``POST /services/rest/auth/oauth2/v1/token``: authorization-code and refresh grants. A
  confidential client authenticates with HTTP Basic; a public client sends only ``client_id``
  and must have used PKCE. Tokens are JWT-shaped; access tokens last 60 minutes; refresh tokens
  rotate on every use and the chain ends 7 days after the first authorization (the refresh
  token's ``exp``; its ``oit`` names the chain's first issue).
* ``POST /services/rest/auth/oauth2/v1/revoke``: revokes a token and its whole chain.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from bookbridge.sandbox.common.errors import OAuthError
from bookbridge.sandbox.common.http import Request, Response
# The chain-keeping store below extends the shared one, so it uses its grant record and hashing.
from bookbridge.sandbox.common.tokens import TokenLifetimes, TokenSet, TokenStore, _digest, _Grant

SCOPES = frozenset({"restlets", "rest_webservices", "suite_analytics"})
LIFETIMES = TokenLifetimes(code=600, access=3600, refresh=7 * 24 * 3600)
ADMIN_ROLE, SANDBOX_USER = "3", "201"


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class ChainTokenStore(TokenStore):
    """Tokens shaped like NetSuite's JWTs, whose refresh chain keeps its first expiry."""

    def __init__(self, now: Callable[[], datetime], on_change: Callable[[], None] | None = None) -> None:
        super().__init__(now, LIFETIMES, on_change)
        self._chains: dict[str, dict[str, str]] = {}  # family -> {"oit", "exp"} (ISO times)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            chains = dict(self._chains)
        return {**super().to_dict(), "chains": chains}

    def load_dict(self, data: dict[str, Any]) -> None:
        super().load_dict(data)
        with self._lock:
            self._chains = dict(data.get("chains", {}))

    def _issue_tokens(self, tenant: str, client_id: str, scope: str, *, family: str) -> TokenSet:
        now = self._now()
        with self._lock:
            chain = self._chains.setdefault(family, {
                "oit": now.isoformat(), "exp": (now + timedelta(seconds=self.lifetimes.refresh)).isoformat()})
        oit, chain_end = datetime.fromisoformat(chain["oit"]), datetime.fromisoformat(chain["exp"])
        claims = {"sub": f"{ADMIN_ROLE};{SANDBOX_USER}", "aud": [client_id, tenant], "scope": scope.split(),
                  "iss": "https://system.netsuite.com", "oit": int(oit.timestamp()), "iat": int(now.timestamp())}
        header = {"kid": "sandbox.2026_1", "typ": "JWT", "alg": "RS256"}
        access = ".".join((_b64(header), _b64({**claims, "exp": int(now.timestamp()) + self.lifetimes.access,
                                                "jti": secrets.token_hex(16)}), _b64(secrets.token_bytes(64))))
        refresh = ".".join((_b64(header), _b64({**claims, "exp": int(chain_end.timestamp()),
                                                 "jti": secrets.token_hex(16)}), _b64(secrets.token_bytes(64))))
        with self._lock:
            self._prune_expired()
            self._access[_digest(access)] = _Grant(tenant, client_id, scope, self._expiry(self.lifetimes.access),
                                                   family=family)
            self._refresh[_digest(refresh)] = _Grant(tenant, client_id, scope, chain_end.isoformat(), family=family)
        self._changed()
        left = max(0, int((chain_end - now).total_seconds()))
        return TokenSet(access, refresh, self.lifetimes.access, left, tenant, scope)


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """Which client the sandbox knows: any id unless one is given; a secret only if one is given."""

    client_id: str | None = None
    client_secret: str | None = None

    def knows(self, client_id: str) -> bool:
        return bool(client_id) and (self.client_id is None or hmac.compare_digest(client_id, self.client_id))


def _redirect_allowed(uri: str) -> bool:
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return bool(parts.netloc)
    if parts.scheme == "http":
        return parts.hostname in ("127.0.0.1", "localhost", "::1")  # the sandbox's headless allowance
    return bool(parts.scheme) and parts.scheme not in ("javascript", "data", "file")  # a custom scheme


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def authorize(request: Request, tokens: TokenStore, policy: ClientPolicy, account_id: str) -> Response:
    """GET /app/login/oauth2/authorize.nl: approve at once and redirect back."""
    client_id = request.param("client_id") or ""
    redirect_uri = request.param("redirect_uri") or ""
    if not policy.knows(client_id):
        return Response.text(400, "Login error: the integration record (client_id) is unknown or disabled.")
    if not _redirect_allowed(redirect_uri):
        return Response.text(400, "Login error: InvalidRedirectURI. The redirect URI must use https or a custom scheme.")
    state = request.param("state") or ""

    def refuse(error: str) -> Response:
        return Response.redirect(_with_query(redirect_uri, {"error": error, "state": state}))

    if request.param("response_type") != "code":
        return refuse("unsupported_response_type")
    if not 22 <= len(state) <= 1024:
        return refuse("invalid_request")  # NetSuite requires 22 to 1024 characters of state
    scope = request.param("scope") or ""
    if not scope.split() or not set(scope.split()) <= SCOPES:
        return refuse("invalid_scope")
    method = request.param("code_challenge_method") or ""
    challenge = request.param("code_challenge") or ""
    if (challenge and method != "S256") or (method and not challenge):
        return refuse("invalid_request")
    code = tokens.issue_code(tenant=account_id, client_id=client_id, redirect_uri=redirect_uri, scope=scope,
                             code_challenge=challenge, code_challenge_method=method)
    return Response.redirect(_with_query(redirect_uri, {"state": state, "role": ADMIN_ROLE, "entity": SANDBOX_USER,
                                                        "company": account_id, "code": code}))


def _form(request: Request) -> dict[str, str]:
    parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def _client(request: Request, form: dict[str, str], policy: ClientPolicy) -> tuple[str, bool]:
    """(client id, is public): HTTP Basic for confidential clients, ``client_id`` alone for public ones."""
    authorization = request.header("authorization")
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401) from None
        client_id, _, secret = (unquote(part) for part in decoded.partition(":"))
        if not policy.knows(client_id) or (policy.client_secret is not None
                                           and not hmac.compare_digest(secret, policy.client_secret)):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        return client_id, False
    client_id = form.get("client_id", "")
    if not policy.knows(client_id) or policy.client_secret is not None:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return client_id, True


def _error(exc: OAuthError) -> Response:
    return Response.json(exc.status, {"error": exc.error, "error_description": exc.description},
                         {"Cache-Control": "no-store"})


def token(request: Request, tokens: TokenStore, policy: ClientPolicy) -> Response:
    """POST .../oauth2/v1/token: authorization_code and refresh_token grants."""
    try:
        form = _form(request)
        client_id, public = _client(request, form, policy)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            if not form.get("code"):
                raise OAuthError("invalid_request", "code is required.")
            if public and not form.get("code_verifier"):
                raise OAuthError("invalid_request", "A public client must use PKCE (code_verifier is missing).")
            issued = tokens.exchange_code(form["code"], client_id=client_id, redirect_uri=form.get("redirect_uri", ""),
                                          code_verifier=form.get("code_verifier", ""))
        elif grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise OAuthError("invalid_request", "refresh_token is required.")
            issued = tokens.refresh(form["refresh_token"], client_id=client_id)
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")
    except OAuthError as exc:
        return _error(exc)
    body = {"access_token": issued.access_token, "refresh_token": issued.refresh_token,
            "expires_in": issued.expires_in, "token_type": "Bearer"}
    return Response.json(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def revoke(request: Request, tokens: TokenStore, policy: ClientPolicy) -> Response:
    """POST .../oauth2/v1/revoke: ``token=...``; revokes the token's whole chain."""
    try:
        form = _form(request)
        _client(request, form, policy)
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required.")
    except OAuthError as exc:
        return _error(exc)
    tokens.revoke(form["token"])
    return Response(200, b"", {"Cache-Control": "no-store"})
