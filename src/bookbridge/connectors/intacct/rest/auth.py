"""OAuth tokens for the Intacct REST API: renewal that understands Sage's error shape, and the company id.

Renewal goes through the shared HTTP layer with this provider's token-endpoint table
(:func:`.faults.token_endpoint_error`) rather than the generic Authlib path, because Sage answers
a refused refresh with an object in ``error`` (``{"error": {"errorId": "REST-2102", ...}}``
[I13]) where RFC 6749 has a string; ``REST-2102`` becomes a
:class:`~bookbridge.connectors.errors.ReconnectRequired` that tells the bookkeeper why (a second
authorisation of the same user and company) and what to do.

Refresh tokens stay in the :class:`~bookbridge.connectors.tokens.TokenStore` (the OS keyring in
the app), saved before use, and are re-read under a lock before each renewal so two workers or
two processes never spend the same one twice.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from datetime import timedelta
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from bookbridge.connectors.errors import AuthError, ReconnectRequired
from bookbridge.connectors.http import HttpClient, Timeouts
from bookbridge.connectors.httplog import ExchangeSink
from bookbridge.connectors.intacct.rest.config import COMPANY_CLAIMS, LABEL, PROVIDER, api_root, oauth_endpoints
from bookbridge.connectors.intacct.rest.faults import parse_body, token_endpoint_error
from bookbridge.connectors.limiter import Limiter, RateLimits
from bookbridge.connectors.oauth import TokenManager
from bookbridge.connectors.protocol import Authenticator
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import TokenSet, TokenStore
from bookbridge.core import clock
from bookbridge.core.errors import UsageError


class RestTokens:
    """An :class:`~bookbridge.connectors.protocol.Authenticator` over tokens in a store.

    Renews ``leeway`` before expiry, and when the API answers 401.
    """

    def __init__(
        self,
        store: TokenStore,
        settings: ConnectionSettings,
        *,
        leeway: timedelta = timedelta(minutes=5),
        jitter: Jitter = full_jitter,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.connection = settings.name
        self.leeway = leeway
        self.token_url = oauth_endpoints(settings.base_url).token_url
        # A refresh token is spent by a successful answer: resend only when it surely never arrived.
        policy = RetryPolicy(max_attempts=min(3, settings.max_attempts), time_scale=settings.time_scale)
        self._http = HttpClient(
            provider=PROVIDER, label=LABEL, base_url=api_root(settings.base_url),
            error_mapper=lambda response: token_endpoint_error(response, connection=self.connection),
            limiter=Limiter(RateLimits(windows=())), timeouts=settings.timeouts, retry_policy=policy,
            sync_log=settings.sync_log, jitter=jitter, sleep=sleep, default_headers={"Accept": "application/json"},
        )
        self._tokens: TokenSet | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def _reconnect(self, why: str) -> ReconnectRequired:
        return ReconnectRequired(
            f"The {LABEL} connection '{self.connection}' {why}; connect it again "
            f"(bookbridge connect ... --provider {PROVIDER} --name {self.connection}).",
            provider=PROVIDER, code="reconnect")

    def current(self) -> TokenSet | None:
        if self._tokens is None:
            self._tokens = self.store.load_tokens()
        return self._tokens

    def _expiring(self, tokens: TokenSet) -> bool:
        return tokens.expires_at - self.leeway <= clock.now()

    def auth_headers(self) -> Mapping[str, str]:
        tokens = self.current()
        if tokens is None:
            raise self._reconnect("has no saved tokens")
        if self._expiring(tokens):
            tokens = self._refresh(tokens)
        return {"Authorization": f"Bearer {tokens.access_token}"}

    def renew(self) -> None:
        tokens = self.current()
        if tokens is None:
            raise self._reconnect("has no saved tokens")
        self._refresh(tokens)

    def _refresh(self, stale: TokenSet) -> TokenSet:
        with self._lock:
            # Another worker or process may have renewed meanwhile; its tokens are the newest.
            latest = self.store.load_tokens() or stale
            if latest.access_token != stale.access_token and not self._expiring(latest):
                self._tokens = latest
                return latest
            if not latest.refresh_token:
                raise self._reconnect("cannot be renewed (no refresh token: was offline_access granted?)")
            client = self.store.load_client()
            if client is None:
                raise self._reconnect("has lost its app credentials (client id)")
            form = {"grant_type": "refresh_token", "refresh_token": latest.refresh_token, "client_id": client.client_id}
            if client.client_secret:
                form["client_secret"] = client.client_secret
            result = self._http.request(
                "POST", self.token_url, idempotent=False, data=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            answer = parse_body(result.content)
            if not isinstance(answer, dict) or not answer.get("access_token"):
                raise AuthError(f"{LABEL}'s sign-in service gave an answer that is not a token", provider=PROVIDER,
                                code="bad-token-response")
            fresh = TokenSet.from_oauth(answer, previous=latest)
            # Saved before use: if Sage rotated the refresh token, the old one is all we would have.
            self.store.save_tokens(fresh)
            self._tokens = fresh
            return fresh


def rest_authenticator(authenticator: Authenticator, settings: ConnectionSettings) -> Authenticator:
    """The authenticator the connector uses: the registry's generic token manager becomes :class:`RestTokens`.

    The registry opens every OAuth connection with a generic
    :class:`~bookbridge.connectors.oauth.TokenManager`; its renewal cannot read Sage's error
    object, so its store is taken over. Any other authenticator (tests, a future one) is used as is.
    """
    if isinstance(authenticator, TokenManager):
        return RestTokens(authenticator.store, settings)
    return authenticator


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT-shaped token, read without verifying it (empty if it is not one)."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):  # not a JWT after all
        return {}
    return claims if isinstance(claims, dict) else {}


def choose_company(base_url: str, tokens: TokenSet, wanted: str | None, *, timeouts: Timeouts = Timeouts(),
                   sync_log: ExchangeSink | None = None) -> str:
    """The company the sign-in granted, from the access token's claims [I6] (claim name UNCONFIRMED).

    Raises:
        UsageError: the token names no company and none was given, or names another one.
    """
    claims = jwt_claims(tokens.access_token)
    granted = next((str(claims[name]) for name in COMPANY_CLAIMS if claims.get(name)), "")
    if granted and wanted and wanted != granted:
        raise UsageError(f"{LABEL} granted access to company {granted}, not {wanted}; sign in to {wanted} instead")
    if granted or wanted:
        return granted or str(wanted)
    raise UsageError(f"{LABEL} did not say which company was connected; give its company ID with --company")
