"""OAuth tokens for the Intacct REST API: a token endpoint that understands Sage's error shape, and the company id.

Renewal is :class:`~bookbridge.connectors.oauth.TokenManager`'s (leeway, renewal on 401, the
lock and store re-read that keep two workers or two processes from spending one refresh token
twice, tokens saved before use). Only the request differs: it goes through the shared HTTP layer
with this provider's token-endpoint table (:func:`.faults.token_endpoint_error`) rather than
Authlib, because Sage answers a refused refresh with an object in ``error``
(``{"error": {"errorId": "REST-2102", ...}}`` [I13]) where RFC 6749 has a string; ``REST-2102``
becomes a :class:`~bookbridge.connectors.errors.ReconnectRequired` that tells the bookkeeper why
(a second authorisation of the same user and company) and what to do.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from bookbridge.connectors.errors import AuthError
from bookbridge.connectors.http import HttpClient, Timeouts
from bookbridge.connectors.httplog import ExchangeSink
from bookbridge.connectors.intacct.rest.config import COMPANY_CLAIMS, LABEL, PROVIDER, api_root, oauth_endpoints
from bookbridge.connectors.intacct.rest.faults import parse_body, token_endpoint_error
from bookbridge.connectors.limiter import Limiter, RateLimits
from bookbridge.connectors.oauth import TokenManager
from bookbridge.connectors.protocol import Authenticator
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, TokenSet, TokenStore
from bookbridge.core.errors import UsageError


class RestTokenEndpoint:
    """Sage's token endpoint for :class:`~bookbridge.connectors.oauth.TokenManager`: one refresh grant per call."""

    def __init__(self, settings: ConnectionSettings, *, jitter: Jitter = full_jitter,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        connection = settings.name
        self.token_url = oauth_endpoints(settings.base_url).token_url
        # A refresh token is spent by a successful answer: resend only when it surely never arrived.
        policy = RetryPolicy(max_attempts=min(3, settings.max_attempts), time_scale=settings.time_scale)
        self._http = HttpClient(
            provider=PROVIDER, label=LABEL, base_url=api_root(settings.base_url),
            error_mapper=lambda response: token_endpoint_error(response, connection=connection),
            limiter=Limiter(RateLimits(windows=())), timeouts=settings.timeouts, retry_policy=policy,
            sync_log=settings.sync_log, jitter=jitter, sleep=sleep, default_headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def refresh(self, client: ClientCredentials, refresh_token: str) -> Mapping[str, Any]:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client.client_id}
        if client.client_secret:
            form["client_secret"] = client.client_secret
        result = self._http.request(
            "POST", self.token_url, idempotent=False, data=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            answer = parse_body(result.content)
        except ValueError:  # a proxy's sign-in page or a cut body: no token either way
            answer = None
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise AuthError(f"{LABEL}'s sign-in service gave an answer that is not a token", provider=PROVIDER,
                            code="bad-token-response")
        return answer


def rest_tokens(store: TokenStore, settings: ConnectionSettings) -> TokenManager:
    """The token manager of an Intacct REST connection: Sage's token endpoint and Bearer."""
    return TokenManager(
        store, oauth_endpoints(settings.base_url), provider=PROVIDER, label=LABEL, connection=settings.name,
        timeouts=settings.timeouts, sync_log=settings.sync_log, token_endpoint=RestTokenEndpoint(settings),
        # Always Bearer (RFC 6750), whatever token_type Sage's answer names.
        scheme="Bearer",
        no_refresh_hint=": was offline_access granted?",
    )


def rest_authenticator(authenticator: Authenticator, settings: ConnectionSettings) -> Authenticator:
    """The authenticator the connector uses: the registry's generic token manager gets Sage's token endpoint.

    The registry opens every OAuth connection with a generic
    :class:`~bookbridge.connectors.oauth.TokenManager`; Authlib's renewal cannot read Sage's error
    object, so its store is taken over by :func:`rest_tokens`. Any other authenticator (tests, a
    future one) is used as is.
    """
    # One that already renews through Sage's endpoint (from rest_tokens) is kept, not wrapped again.
    if isinstance(authenticator, TokenManager) and not isinstance(authenticator.token_endpoint, RestTokenEndpoint):
        return rest_tokens(authenticator.store, settings)
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
