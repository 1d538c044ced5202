"""Interactive authorization: a loopback redirect listener (RFC 8252) or a paste-back flow.

* Loopback: a one-shot HTTP listener on 127.0.0.1 and an ephemeral port receives the redirect
  (RFC 8252 §7.3). Used where the provider allows ``http`` loopback redirects (Xero, QBO
  development keys, every local sandbox).
* Paste-back: the provider redirects to an https page the user controls (QBO production allows
  nothing else); the user copies the final address from the browser into Bookbridge.

Both check ``state`` before the code is exchanged (see :func:`~bookbridge.connectors.oauth.parse_redirect`).
Against a local sandbox, whose authorize endpoint approves at once, :func:`open_without_browser`
stands in for the browser, so scripts and tests can connect with no person present.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Callable, Mapping
from urllib.parse import urlsplit

import requests

from bookbridge.connectors.errors import AuthError, TransportError
from bookbridge.connectors.http import Timeouts, is_loopback_host
from bookbridge.connectors.httplog import ExchangeSink
from bookbridge.connectors.oauth import OAuthEndpoints, begin_authorization, exchange_code, parse_redirect
from bookbridge.connectors.tokens import ClientCredentials, TokenSet

_DONE_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Bookbridge</title>"
    b"<p>Bookbridge received the answer. You can close this window and return to Bookbridge.</p>"
)


@dataclass(frozen=True, slots=True)
class Authorized:
    """The result of a completed authorization."""

    tokens: TokenSet = field(repr=False)
    params: Mapping[str, str]
    redirect_uri: str


class LoopbackReceiver:
    """A one-shot listener for the OAuth redirect on 127.0.0.1 (use as a context manager)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, path: str = "/callback") -> None:
        if not is_loopback_host(host):
            raise ValueError("the redirect listener must listen on a loopback address only")
        self.path = path
        self._answer: str | None = None
        self._arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
                if urlsplit(self.path).path != receiver.path:
                    self.send_error(404)
                    return
                if not receiver._arrived.is_set():
                    receiver._answer = f"http://{receiver.host}:{receiver.port}{self.path}"
                    receiver._arrived.set()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(_DONE_PAGE)))
                self.end_headers()
                self.wfile.write(_DONE_PAGE)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                # The default writes the request line, authorization code included, to stderr.
                return

        self._server = HTTPServer((host, port), Handler)
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="oauth-loopback", daemon=True
        )
        self.public_uri: str | None = None

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to register in the authorization request."""
        return self.public_uri or f"http://{self.host}:{self.port}{self.path}"

    def __enter__(self) -> "LoopbackReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait(self, timeout: float) -> str | None:
        """The redirect URL the browser was sent to, or ``None`` if none came within ``timeout`` s."""
        return self._answer if self._arrived.wait(timeout) else None


def _receiver_for(redirect_uri: str | None) -> LoopbackReceiver:
    if redirect_uri is None:
        return LoopbackReceiver()
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or not is_loopback_host(parts.hostname) or not parts.port:
        raise ValueError(f"{redirect_uri!r} is not a loopback redirect with a port")
    # "localhost" is bound as 127.0.0.1: browsers fall back to IPv4 when ::1 refuses.
    host = "127.0.0.1" if parts.hostname in (None, "localhost") else parts.hostname
    receiver = LoopbackReceiver(host=host, port=parts.port, path=parts.path or "/")
    receiver.public_uri = redirect_uri
    return receiver


def open_without_browser(timeouts: Timeouts = Timeouts()) -> Callable[[str], None]:
    """An ``open_url`` for sandboxes that approve at once: follow the redirects ourselves.

    Only loopback URLs are accepted: a real provider needs a person in a browser.
    """

    def open_url(url: str) -> None:
        if not is_loopback_host(urlsplit(url).hostname):
            raise AuthError("a real sign-in page needs a browser; open the address shown instead", provider="", code="browser")
        try:
            response = requests.get(url, timeout=(timeouts.connect, timeouts.read), allow_redirects=True)
        except requests.RequestException as exc:
            raise TransportError(
                f"the sandbox sign-in page could not be opened ({type(exc).__name__})", provider="", request_sent=True
            ) from None
        if response.status_code != 200:
            raise AuthError(f"the sandbox sign-in page answered HTTP {response.status_code}", provider="", code="browser")

    return open_url


def authorize_via_loopback(
    endpoints: OAuthEndpoints,
    client: ClientCredentials,
    *,
    provider: str,
    label: str,
    open_url: Callable[[str], None],
    wait_seconds: float = 300.0,
    redirect_uri: str | None = None,
    timeouts: Timeouts = Timeouts(),
    sync_log: ExchangeSink | None = None,
    **extra: str,
) -> Authorized:
    """Run the whole flow with a loopback redirect; ``open_url`` shows the page to the user.

    Args:
        redirect_uri: a registered ``http://127.0.0.1:PORT/path`` (or ``localhost``) to listen
            on; ``None`` listens on 127.0.0.1 at a free port (RFC 8252 §7.3).

    Raises:
        AuthError: no answer within ``wait_seconds``, access refused, or ``state`` mismatch.
    """
    with _receiver_for(redirect_uri) as receiver:
        request = begin_authorization(endpoints, client, receiver.redirect_uri, **extra)
        open_url(request.url)
        answer = receiver.wait(wait_seconds)
    if answer is None:
        raise AuthError(
            f"no answer from {label} within {wait_seconds:g} seconds; start connecting again",
            provider=provider, code="timeout",
        )
    grant = parse_redirect(answer, request, provider=provider, label=label)
    tokens = exchange_code(endpoints, client, request, grant, provider=provider, label=label, timeouts=timeouts, sync_log=sync_log)
    return Authorized(tokens=tokens, params=dict(grant.params), redirect_uri=request.redirect_uri)


def authorize_via_paste(
    endpoints: OAuthEndpoints,
    client: ClientCredentials,
    redirect_uri: str,
    *,
    provider: str,
    label: str,
    show_url: Callable[[str], None],
    read_answer: Callable[[], str],
    timeouts: Timeouts = Timeouts(),
    sync_log: ExchangeSink | None = None,
    **extra: str,
) -> Authorized:
    """Run the flow where the user pastes back the address the provider redirected to."""
    request = begin_authorization(endpoints, client, redirect_uri, **extra)
    show_url(request.url)
    grant = parse_redirect(read_answer(), request, provider=provider, label=label)
    tokens = exchange_code(endpoints, client, request, grant, provider=provider, label=label, timeouts=timeouts, sync_log=sync_log)
    return Authorized(tokens=tokens, params=dict(grant.params), redirect_uri=request.redirect_uri)
