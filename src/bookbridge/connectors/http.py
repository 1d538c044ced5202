"""The one HTTP layer under every connector: timeouts, retries, limits, auth renewal, sync log.

A connector describes a request; :class:`HttpClient` sends it through the company's
:class:`~bookbridge.connectors.limiter.Limiter`, adds credentials from its
:class:`~bookbridge.connectors.protocol.Authenticator`, records the exchange (redacted), turns the
answer into a typed error with the provider's own status/fault table (``error_mapper``), and
resends when :func:`~bookbridge.connectors.retry.decide_retry` says so. Tenacity drives the loop.

TLS certificates are always verified. Plain ``http`` is accepted only for a server on this
computer (the local sandboxes); anything else must be ``https``.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TypeVar
from urllib.parse import urlsplit

import requests
import tenacity
from urllib3.exceptions import NewConnectionError

from bookbridge.connectors import jsonwire
from bookbridge.connectors.errors import (
    AuthError,
    ConnectorError,
    RateLimited,
    ReconnectRequired,
    ServerError,
    TransportError,
    ValidationError,
)
from bookbridge.connectors.httplog import ExchangeRecorder, ExchangeSink
from bookbridge.connectors.limiter import Limiter
from bookbridge.connectors.protocol import Authenticator, renewal_is_repeatable
from bookbridge.connectors.retry import Jitter, RetryPolicy, decide_retry, full_jitter, parse_retry_after
from bookbridge.core.errors import UsageError

USER_AGENT = "Bookbridge/0.1 (+https://bookbridge.invalid)"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})

ErrorMapper = Callable[[requests.Response], "ConnectorError | None"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for a connection, and then for each read of the answer.

    The read default exceeds QBO's own 120 s server-side limit, so a slow answer arrives instead
    of being abandoned just before it would have.
    """

    connect: float = 10.0
    read: float = 125.0


@dataclass(frozen=True, slots=True)
class HttpResult:
    """A successful answer, with how many attempts it took."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str
    attempts: int
    elapsed: float = field(default=0.0, compare=False)

    def json(self) -> Any:
        """The body parsed as JSON with Decimals (``None`` for an empty body)."""
        return jsonwire.loads(self.content) if self.content.strip() else None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def is_loopback_host(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses that never leave this computer."""
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Return ``url`` without a trailing slash if it is safe to send credentials to.

    Raises:
        UsageError: not http(s), or plain http to a host other than this computer.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) address")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise UsageError(
            f"refusing plain http to {parts.hostname}: use https (plain http is allowed only for a "
            "local sandbox on this computer)"
        )
    return url.rstrip("/")


def status_error(provider: str, label: str, response: requests.Response, message: str = "") -> ConnectorError:
    """The generic error for an HTTP status that the provider's fault table did not claim."""
    status = response.status_code
    what = message or f"{label} answered HTTP {status}"
    kwargs: dict[str, Any] = {"provider": provider, "code": str(status), "http_status": status}
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited(f"{label} asked us to slow down (HTTP 429)", retry_after=retry_after, **kwargs)
    if status == 401:
        return AuthError(f"{label} did not accept the connection's credentials (HTTP 401)", **kwargs)
    if status == 403:
        return AuthError(f"{label} refused access (HTTP 403): check the connected user's permissions", **kwargs)
    if status >= 500:
        return ServerError(f"{what}: a problem on {label}'s side", **kwargs)
    if 400 <= status < 500:
        return ValidationError(what, **kwargs)
    return ConnectorError(f"{label} gave an unexpected answer (HTTP {status})", **kwargs)


class HttpClient:
    """Sends requests for one connector instance; see the module docstring."""

    def __init__(
        self,
        *,
        provider: str,
        label: str,
        base_url: str,
        error_mapper: ErrorMapper,
        limiter: Limiter,
        authenticator: Authenticator | None = None,
        timeouts: Timeouts = Timeouts(),
        retry_policy: RetryPolicy = RetryPolicy(),
        sync_log: ExchangeSink | None = None,
        jitter: Jitter = full_jitter,
        sleep: Callable[[float], None] = time.sleep,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.provider = provider
        self.label = label
        self.base_url = check_base_url(base_url)
        self.limiter = limiter
        self.retry_policy = retry_policy
        self._error_mapper = error_mapper
        self._auth = authenticator
        self._timeouts = timeouts
        self._recorder = ExchangeRecorder(provider, sync_log)
        self._jitter = jitter
        self._sleep = sleep
        self._session = requests.Session()
        self._session.verify = True
        self._default_headers = {"User-Agent": USER_AGENT, **(default_headers or {})}

    def close(self) -> None:
        self._session.close()

    def url(self, path: str) -> str:
        """Absolute URL for ``path`` (absolute URLs must stay on the base URL's host)."""
        if path.startswith(("http://", "https://")):
            if urlsplit(path).netloc != urlsplit(self.base_url).netloc:
                raise UsageError(f"refusing to send {self.label} credentials to another host: {urlsplit(path).netloc}")
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | str | None = None,
        files: Mapping[str, tuple] | None = None,
        batch: bool = False,
    ) -> HttpResult:
        """Send one logical request, retrying as the policy allows.

        Args:
            idempotent: True for reads and for writes carrying an idempotency key; only then is a
                request that may have reached the server sent again.
            batch: count it against the vendor's batch windows too.

        Raises:
            ConnectorError: the typed error of the last attempt, with ``attempts`` set.
        """
        url = self.url(path)
        state: dict[str, Any] = {"attempts": 0, "renewed": False, "renewal_error": None}
        repeatable = renewal_is_repeatable(self._auth)

        def renewing(step: Callable[[], T]) -> T:
            # Whatever the authenticator raises is the renewal's failure, not the API's answer: its
            # own 401 (a refused refresh grant) must not trigger another renewal below.
            try:
                return step()
            except ConnectorError as error:
                state["renewal_error"] = error
                raise

        def send() -> HttpResult:
            state["attempts"] += 1
            credentials = renewing(self._auth.auth_headers) if self._auth is not None else {}
            return self._send_once(method, url, params, headers, data, files, batch, state["attempts"], credentials)

        def attempt() -> HttpResult:
            try:
                return send()
            except AuthError as error:
                if error.http_status != 401 or self._auth is None or state["renewed"] \
                        or error is state["renewal_error"]:
                    raise
                # A 401 with a token we thought valid: renew once, then resend at once. Counted as done
                # only when it worked, so a repeatable renewal that failed is tried again with the call.
                renewing(self._auth.renew)
                state["renewed"] = True
                try:
                    return send()
                except AuthError as again:
                    if again.http_status == 401 and again is not state["renewal_error"]:
                        raise ReconnectRequired(
                            f"{self.label} rejected freshly renewed credentials: the app's access was "
                            "probably revoked. Connect again.",
                            provider=self.provider, code=again.code, http_status=401,
                        ) from None
                    raise

        def renewal_failed(error: ConnectorError) -> bool:
            # A renewal that may have reached the server is not sent again by this loop unless the
            # authenticator says it may be (a sign-in that opens a new session). QBO and Xero rotate
            # refresh tokens: a second send of one already spent can lose the connection, and the token
            # endpoint has already resent whatever surely never arrived. The error keeps its own
            # ``retryable``: the sync engine reads it to try the document again on the next run.
            return error is state["renewal_error"] and not repeatable

        return run_with_retries(
            attempt, lambda: state["attempts"], policy=self.retry_policy, idempotent=idempotent,
            jitter=self._jitter, sleep=self._sleep, give_up=renewal_failed,
        )

    def _send_once(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        data: bytes | str | None,
        files: Mapping[str, tuple] | None,
        batch: bool,
        attempt: int,
        credentials: Mapping[str, str],
    ) -> HttpResult:
        all_headers = {**self._default_headers, **(headers or {}), **credentials}
        with self.limiter.slot(batch=batch):
            started = time.monotonic()
            try:
                response = self._session.request(
                    method, url, params=params, headers=all_headers, data=data, files=files,
                    timeout=(self._timeouts.connect, self._timeouts.read), verify=True, allow_redirects=False,
                )
            except requests.RequestException as exc:
                error = self._transport_error(exc)
                self._recorder.record(
                    method=method, url=_with_params(url, params), attempt=attempt, elapsed=time.monotonic() - started,
                    request_headers=all_headers, request_body=data, error=f"{type(exc).__name__}: {exc}",
                )
                raise error from exc
            elapsed = time.monotonic() - started
        prepared = response.request
        self._recorder.record(
            method=method, url=prepared.url or url, attempt=attempt, elapsed=elapsed,
            request_headers=prepared.headers, request_body=prepared.body,
            status=response.status_code, response_headers=response.headers, response_body=response.content,
        )
        refusal = self._error_mapper(response)
        if refusal is not None:
            refusal.attempts = attempt
            raise refusal
        return HttpResult(response.status_code, dict(response.headers), response.content, url, attempt, elapsed)

    def _transport_error(self, exc: requests.RequestException) -> TransportError:
        return transport_error(self.provider, self.label, urlsplit(self.base_url).hostname or "", exc)


def transport_error(provider: str, label: str, host: str, exc: requests.RequestException) -> TransportError:
    """The typed error for a request that got no usable answer, saying whether it may have arrived."""
    if isinstance(exc, requests.exceptions.SSLError):
        return TransportError(
            f"the TLS certificate of {host} could not be verified; Bookbridge will not send data over an "
            "unverified connection (check the computer's date and any proxy that intercepts https)",
            provider=provider, request_sent=False, retryable=False, code="tls",
        )
    if isinstance(exc, requests.ConnectTimeout):
        return TransportError(f"timed out connecting to {host}", provider=provider, request_sent=False, code="connect-timeout")
    if isinstance(exc, requests.ReadTimeout):
        return TransportError(f"{label} did not answer in time", provider=provider, request_sent=True, code="read-timeout")
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(reason, NewConnectionError):
            return TransportError(f"could not connect to {host}", provider=provider, request_sent=False, code="connect")
        # Cut after the request went out (or we cannot tell): it may have been processed.
        return TransportError(f"the connection to {host} was cut", provider=provider, request_sent=True, code="connection-lost")
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return TransportError(f"the answer from {host} arrived damaged", provider=provider, request_sent=True, code="bad-body")
    return TransportError(
        f"request to {host} failed: {type(exc).__name__}", provider=provider, request_sent=False, retryable=False, code="request"
    )


def run_with_retries(
    attempt: Callable[[], T],
    attempts_made: Callable[[], int],
    *,
    policy: RetryPolicy,
    idempotent: bool,
    jitter: Jitter = full_jitter,
    sleep: Callable[[float], None] = time.sleep,
    give_up: Callable[[ConnectorError], bool] = lambda _error: False,
) -> T:
    """Call ``attempt`` until it succeeds or :func:`decide_retry` says stop; re-raise the last error.

    ``attempts_made`` reports HTTP attempts so far (one call of ``attempt`` may make two, when it
    renews credentials after a 401); the final error's ``attempts`` is set from it. ``give_up``
    ends the loop on an error the caller knows more about than its type and flags say (a failed
    credential renewal), without changing the error.
    """

    def should_retry(retry_state: tenacity.RetryCallState) -> bool:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if not isinstance(error, ConnectorError) or give_up(error):
            return False
        decision = decide_retry(attempts_made(), error, policy, idempotent=idempotent, jitter=jitter)
        retry_state.bookbridge_delay = decision.delay  # type: ignore[attr-defined]
        return decision.retry

    retrying = tenacity.Retrying(
        retry=should_retry,
        wait=lambda rs: getattr(rs, "bookbridge_delay", 0.0),
        stop=tenacity.stop_never,  # decide_retry counts attempts itself
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except ConnectorError as error:
        error.attempts = attempts_made()
        raise


def _with_params(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    return requests.Request("GET", url, params=params).prepare().url or url
