"""OAuth 2.0 for connectors: authorization-code requests with PKCE, code exchange, token renewal.

Authlib does the protocol work (authorization URL, S256 challenge, token requests, expiry
arithmetic); this module decides *when* to renew, keeps the newest refresh token in the
:class:`~bookbridge.connectors.tokens.TokenStore` (QBO and Xero rotate them, and an old one soon
stops working), serialises renewals so parallel workers never spend the same refresh token
twice, and turns every failure into a typed error: an expired or revoked connection becomes
:class:`~bookbridge.connectors.errors.ReconnectRequired`, never a crash.

Interactive flows (loopback listener, paste-back) are in :mod:`bookbridge.connectors.authorize`.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Mapping, Protocol
from urllib.parse import parse_qsl, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client import OAuthError

from bookbridge.connectors.errors import (
    AuthError,
    ConnectorError,
    RateLimited,
    ReconnectRequired,
    ServerError,
    TransportError,
)
from bookbridge.connectors.http import Timeouts, check_base_url, run_with_retries, transport_error
from bookbridge.connectors.httplog import ExchangeRecorder, ExchangeSink
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter, parse_retry_after
from bookbridge.connectors.tokens import ClientCredentials, TokenSet, TokenStore
from bookbridge.core import clock

# Token-endpoint errors that mean "these credentials will never work again" (RFC 6749 §5.2).
_RECONNECT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})


@dataclass(frozen=True, slots=True)
class OAuthEndpoints:
    """Where and how one provider does OAuth 2.0.

    Attributes:
        client_auth_method: how the token endpoint wants the client to prove itself
            (``client_secret_basic`` for QBO; ``none`` for public PKCE clients such as Xero's).
        pkce: send an S256 code challenge. Servers that do not support PKCE ignore it
            (RFC 7636 §5), so it is on unless a provider is known to choke on it.
    """

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    revoke_url: str | None = None
    client_auth_method: str = "client_secret_basic"
    pkce: bool = True


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """One started authorization: the URL to open and what to check the answer against."""

    url: str = field(repr=False)
    state: str = field(repr=False)
    code_verifier: str | None = field(repr=False)
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class AuthorizationGrant:
    """The authorization server's answer: the one-time code plus extra parameters (QBO realmId)."""

    code: str = field(repr=False)
    params: Mapping[str, str] = field(default_factory=dict)


def _session(endpoints: OAuthEndpoints, client: ClientCredentials, **kwargs: Any) -> OAuth2Session:
    session = OAuth2Session(
        client.client_id,
        client.client_secret,
        token_endpoint_auth_method=endpoints.client_auth_method,
        code_challenge_method="S256" if endpoints.pkce else None,
        **kwargs,
    )
    session.verify = True
    return session


def begin_authorization(
    endpoints: OAuthEndpoints, client: ClientCredentials, redirect_uri: str, **extra: str
) -> AuthorizationRequest:
    """Build the URL the user opens to grant access, with a fresh ``state`` and PKCE verifier."""
    check_base_url(endpoints.authorize_url)
    verifier = generate_token(64) if endpoints.pkce else None  # RFC 7636: 43-128 unreserved chars
    with _session(endpoints, client, scope=" ".join(endpoints.scopes), redirect_uri=redirect_uri) as session:
        url, state = session.create_authorization_url(endpoints.authorize_url, code_verifier=verifier, **extra)
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier, redirect_uri=redirect_uri)


def parse_redirect(answer: str, request: AuthorizationRequest, *, provider: str, label: str) -> AuthorizationGrant:
    """Read the redirect the browser landed on (a full URL or just its query) and check ``state``.

    Raises:
        AuthError: the user refused, the answer is not a redirect, or ``state`` does not match
            (a forged or stale answer; we never exchange its code).
    """
    text = answer.strip()
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if "error" in params:
        reason = params.get("error_description") or params["error"]
        raise AuthError(f"{label} did not grant access: {reason}", provider=provider, code=params["error"])
    state = params.get("state", "")
    if not hmac.compare_digest(state.encode(), request.state.encode()):
        raise AuthError(
            f"the answer from {label} does not belong to this sign-in (state mismatch); start connecting again",
            provider=provider, code="state-mismatch",
        )
    code = params.get("code")
    if not code:
        raise AuthError(f"the address pasted back has no authorization code from {label}", provider=provider, code="no-code")
    extra = {k: v for k, v in params.items() if k not in ("code", "state")}
    return AuthorizationGrant(code=code, params=extra)


class TokenEndpoint(Protocol):
    """How :class:`TokenManager` spends a refresh token: one request to a token endpoint, its answer read.

    The one seam in how the manager renews. Most providers speak RFC 6749 and use Authlib's client;
    Sage Intacct REST answers a refused refresh with an object in ``error`` and brings its own
    (:class:`bookbridge.connectors.intacct.rest.auth.RestTokenEndpoint`).
    """

    def refresh(self, client: ClientCredentials, refresh_token: str) -> Mapping[str, Any]:
        """The token answer (``access_token`` at least) for a refresh grant.

        Raises:
            ConnectorError: typed and without secrets; ``ReconnectRequired`` when the grant is refused for good.
        """
        ...

    def close(self) -> None:
        """Release any connection it keeps between renewals."""
        ...


class _AuthlibTokenEndpoint:
    """Calls a token endpoint through Authlib with our timeouts, retries, logging and error mapping."""

    def __init__(
        self,
        endpoints: OAuthEndpoints,
        *,
        provider: str,
        label: str,
        timeouts: Timeouts,
        sync_log: ExchangeSink | None,
        retry_policy: RetryPolicy,
        jitter: Jitter,
        sleep: Callable[[float], None],
    ) -> None:
        check_base_url(endpoints.token_url)
        self.endpoints = endpoints
        self.provider = provider
        self.label = label
        self.timeouts = timeouts
        self.retry_policy = retry_policy
        self.jitter = jitter
        self.sleep = sleep
        self._recorder = ExchangeRecorder(provider, sync_log)

    def call(self, client: ClientCredentials, action: Callable[[OAuth2Session], Mapping[str, Any]], **session_kwargs: Any):
        attempts = [0]

        def attempt() -> Mapping[str, Any]:
            attempts[0] += 1
            with _session(self.endpoints, client, **session_kwargs) as session:
                session.hooks["response"].append(self._log_hook(attempts[0]))
                try:
                    answer = action(session)
                except OAuthError as exc:
                    raise self._oauth_error(exc.error, exc.description) from None
                except requests.HTTPError as exc:
                    raise self._status_error(exc.response) from None
                except requests.exceptions.JSONDecodeError:
                    # Before RequestException, which it also is: older Authlib releases (we allow >=1.3)
                    # let resp.json()'s error out, and a body that is not JSON is a bad answer, not a
                    # transport failure.
                    raise self._bad_answer() from None
                except requests.RequestException as exc:
                    host = urlsplit(self.endpoints.token_url).hostname or ""
                    raise transport_error(self.provider, self.label, host, exc) from None
                except ValueError:  # current Authlib: the body is not a JSON object
                    raise self._bad_answer() from None
            # A 200 from a proxy or a misbehaving provider can be JSON without a token; caught here it
            # is a typed error, not a KeyError in TokenSet.from_oauth.
            if not isinstance(answer, Mapping) or not answer.get("access_token"):
                raise self._bad_answer()
            return answer

        # Neither grant is safe to resend once it may have arrived: a code is single-use, and QBO and
        # Xero rotate the refresh token on each renewal, so a refresh the server processed but whose
        # answer we lost (5xx, cut connection, read timeout) would spend it twice and lose the
        # connection. Only a request that surely never arrived (refused, DNS, connect timeout) or
        # was throttled is sent again, as Intacct REST's endpoint does.
        return run_with_retries(
            attempt, lambda: attempts[0], policy=self.retry_policy, idempotent=False, jitter=self.jitter,
            sleep=self.sleep,
        )

    def refresh(self, client: ClientCredentials, refresh_token: str) -> Mapping[str, Any]:
        return self.call(
            client,
            lambda s: s.refresh_token(
                self.endpoints.token_url, refresh_token=refresh_token,
                timeout=(self.timeouts.connect, self.timeouts.read),
            ),
        )

    def close(self) -> None:
        """Nothing to release: each call opens and closes its own session."""

    def _log_hook(self, attempt: int) -> Callable[..., requests.Response]:
        def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
            request = response.request
            self._recorder.record(
                method=request.method or "POST", url=request.url or "", attempt=attempt,
                elapsed=response.elapsed.total_seconds(), request_headers=request.headers, request_body=request.body,
                status=response.status_code, response_headers=response.headers, response_body=response.content,
            )
            return response

        return hook

    def _bad_answer(self) -> AuthError:
        # Not retried (a resend would spend the refresh token again) and never quoting the body,
        # which may hold a token. The same error as Intacct REST's endpoint gives.
        return AuthError(
            f"{self.label}'s sign-in service gave an answer that is not a token", provider=self.provider,
            code="bad-token-response",
        )

    def _oauth_error(self, error: Any, description: Any) -> ConnectorError:
        code = _error_code(error)
        if code in _RECONNECT_ERRORS:
            return ReconnectRequired(
                f"{self.label} no longer accepts this connection's authorization ({code}); connect again.",
                provider=self.provider, code=code,
            )
        return AuthError(f"{self.label}'s sign-in service refused the request ({code})", provider=self.provider, code=code)

    def _status_error(self, response: requests.Response | None) -> ConnectorError:
        status = response.status_code if response is not None else 0
        kwargs: dict[str, Any] = {"provider": self.provider, "code": str(status), "http_status": status or None}
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After") if response is not None else None)
            return RateLimited(f"{self.label}'s sign-in service asked us to slow down", retry_after=retry_after, **kwargs)
        if status >= 500:
            return ServerError(f"{self.label}'s sign-in service failed (HTTP {status})", **kwargs)
        return ReconnectRequired(f"{self.label}'s sign-in service refused the connection (HTTP {status}); connect again.", **kwargs)


def _error_code(error: Any) -> str:
    """The token endpoint's error code as text, whatever its shape.

    RFC 6749 says ``error`` is a string, but Sage Intacct answers with an object
    (``{"error": {"code": "tokenInvalid", "errorId": "REST-2102", ...}}``): take its id or code.
    """
    if isinstance(error, Mapping):
        error = error.get("errorId") or error.get("code") or error.get("error")
    return str(error) if error else "oauth-error"


def exchange_code(
    endpoints: OAuthEndpoints,
    client: ClientCredentials,
    request: AuthorizationRequest,
    grant: AuthorizationGrant,
    *,
    provider: str,
    label: str,
    timeouts: Timeouts = Timeouts(),
    sync_log: ExchangeSink | None = None,
) -> TokenSet:
    """Trade the one-time code for tokens (with the PKCE verifier and the same redirect URI)."""
    endpoint = _AuthlibTokenEndpoint(
        endpoints, provider=provider, label=label, timeouts=timeouts, sync_log=sync_log,
        # A code is single-use: only resend when the request surely never arrived.
        retry_policy=RetryPolicy(max_attempts=2), jitter=full_jitter, sleep=time.sleep,
    )
    extra = {"code_verifier": request.code_verifier} if request.code_verifier else {}
    token = endpoint.call(
        client,
        lambda s: s.fetch_token(
            endpoints.token_url, code=grant.code, timeout=(timeouts.connect, timeouts.read), **extra
        ),
        redirect_uri=request.redirect_uri,
    )
    return TokenSet.from_oauth(token)


class TokenManager:
    """An :class:`~bookbridge.connectors.protocol.Authenticator` backed by OAuth tokens in a store.

    Renews the access token ``leeway`` before it expires and whenever the API answers 401.

    Args (what may differ per provider; the others are tuning):
        token_endpoint: how a refresh is sent and its answer read; ``None`` for Authlib's
            RFC 6749 client with this manager's timeouts, retries and sync log.
        scheme: the ``Authorization`` scheme to send; ``None`` for the token's own type.
        connect_command: what a reconnect message tells the user to run (default
            ``bookbridge connect ... --provider <provider> --name <connection>``).
        no_refresh_hint: added to the message when the saved tokens have no refresh token.
    """

    # A refresh spends the refresh token (QBO and Xero rotate it): an API call's retries must not
    # send one again after it failed in a way that may have reached the server.
    renewal_is_repeatable = False

    def __init__(
        self,
        store: TokenStore,
        endpoints: OAuthEndpoints,
        *,
        provider: str,
        label: str,
        connection: str,
        timeouts: Timeouts = Timeouts(),
        leeway: timedelta = timedelta(minutes=5),
        sync_log: ExchangeSink | None = None,
        retry_policy: RetryPolicy = RetryPolicy(max_attempts=3),
        jitter: Jitter = full_jitter,
        sleep: Callable[[float], None] = time.sleep,
        token_endpoint: TokenEndpoint | None = None,
        scheme: str | None = None,
        connect_command: str | None = None,
        no_refresh_hint: str = "",
    ) -> None:
        self.store = store
        self.endpoints = endpoints
        self.provider = provider
        self.label = label
        self.connection = connection
        self.timeouts = timeouts
        self.leeway = leeway
        self.token_endpoint: TokenEndpoint = token_endpoint or _AuthlibTokenEndpoint(
            endpoints, provider=provider, label=label, timeouts=timeouts, sync_log=sync_log,
            retry_policy=retry_policy, jitter=jitter, sleep=sleep,
        )
        self.scheme = scheme
        # `bookbridge connect` requires --provider; ``provider`` is the registry name its parser accepts.
        self.connect_command = connect_command or f"bookbridge connect ... --provider {provider} --name {connection}"
        self.no_refresh_hint = no_refresh_hint
        self._tokens: TokenSet | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.token_endpoint.close()

    def _reconnect(self, why: str) -> ReconnectRequired:
        return ReconnectRequired(
            f"The {self.label} connection '{self.connection}' {why}; connect it again ({self.connect_command}).",
            provider=self.provider, code="reconnect",
        )

    def _fate_unknown(self, error: ServerError | TransportError) -> ConnectorError:
        """``error`` (type, code and ``retryable`` unchanged) telling the user what an unanswered refresh means.

        The server may have renewed the tokens and lost its answer; then the refresh token we keep
        is spent and the next renewal is refused. Nothing tells these apart until that renewal, so
        the message says both what to do now and what to do if it comes to that.
        """
        error.user_message = (
            f"{error.user_message.rstrip('.')}. {self.label} may have renewed the connection's tokens without "
            "its answer reaching Bookbridge, so the renewal was not sent again: sync again later, and if "
            f"{self.label} then refuses the connection '{self.connection}', connect it again ({self.connect_command})."
        )
        error.args = (error.user_message,)
        return error

    def current(self) -> TokenSet | None:
        """The tokens in use (loaded from the store on first call)."""
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
        return {"Authorization": f"{self.scheme or tokens.token_type.capitalize()} {tokens.access_token}"}

    def renew(self) -> None:
        tokens = self.current()
        if tokens is None:
            raise self._reconnect("has no saved tokens")
        self._refresh(tokens)

    def _refresh(self, stale: TokenSet) -> TokenSet:
        with self._lock:
            # Another thread, or another Bookbridge process, may have renewed meanwhile: its tokens
            # are the newest and the refresh token we hold may already be spent.
            latest = self.store.load_tokens() or stale
            if latest.access_token != stale.access_token and not self._expiring(latest):
                self._tokens = latest
                return latest
            if not latest.refresh_token:
                raise self._reconnect(f"cannot be renewed (no refresh token{self.no_refresh_hint})")
            if latest.refresh_expires_at is not None and latest.refresh_expires_at <= clock.now():
                raise self._reconnect(f"expired on {latest.refresh_expires_at:%Y-%m-%d}")
            client = self.store.load_client()
            if client is None:
                raise self._reconnect("has lost its app credentials (client id)")
            try:
                token = self.token_endpoint.refresh(client, latest.refresh_token)
            except (ServerError, TransportError) as error:
                if isinstance(error, TransportError) and not error.request_sent:
                    raise
                raise self._fate_unknown(error) from None
            fresh = TokenSet.from_oauth(token, previous=latest)
            # Saved before use: if we crashed after using it, the rotated-away token would be all we had.
            self.store.save_tokens(fresh)
            self._tokens = fresh
            return fresh
