"""The HTTP plumbing every sandbox shares: a threaded standard-library server and a tiny app API.

A sandbox is a function ``app(Request) -> Response``. The handler here reads the request, calls
the app, writes the answer, and knows how to misbehave on purpose: a :class:`Response` with
``drop=True`` closes the socket without a byte of answer, which is how "dropped connection" and
"response lost after commit" faults reach the client. The standard library server starts in a
few milliseconds, which is what tests and the demo need.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from bookbridge.core.logs import redact
from bookbridge.sandbox.common import jsonio

log = logging.getLogger("bookbridge.sandbox")

# How often the serving loop checks for shutdown: short, so stopping a sandbox takes milliseconds.
POLL_INTERVAL = 0.02


@dataclass(slots=True)
class Request:
    """One HTTP request, already read off the socket."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    client: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name`` (case-sensitive, like the vendors)."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass(slots=True)
class Response:
    """What to send back; ``drop`` means close the connection without answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, status: int, document: Any, headers: dict[str, str] | None = None) -> "Response":
        """A JSON answer; Decimals are written as exact JSON numbers."""
        all_headers = {"Content-Type": "application/json;charset=UTF-8", **(headers or {})}
        return cls(status, jsonio.dumps(document).encode("utf-8"), all_headers)

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> "Response":
        return cls(status, text.encode("utf-8"), {"Content-Type": content_type})

    @classmethod
    def redirect(cls, location: str) -> "Response":
        return cls(302, b"", {"Location": location})

    @classmethod
    def dropped(cls) -> "Response":
        return cls(drop=True)


App = Callable[[Request], Response]


def _handler_class(app: App) -> type[BaseHTTPRequestHandler]:
    class SandboxRequestHandler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps connections alive, as clients using requests.Session expect.
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the second waits for the client's
        # delayed ACK (about 40 ms a request). TCP_NODELAY sends it at once.
        disable_nagle_algorithm = True
        server_version = "BookbridgeSandbox/1.0"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            if len(body) < length:
                # The client hung up before its body arrived (a sync killed mid-send). A real
                # server never sees that request; answering it would also store the answer under
                # its idempotency key, and the client's next attempt would be given that answer
                # ("the request body is empty") instead of having its request handled.
                log.debug("sandbox: %s %s ended after %d of %d body bytes; ignored",
                          self.command, redact(self.path), len(body), length)
                self.close_connection = True
                return
            split = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                client=self.client_address[0],
            )
            try:
                response = app(request)
            except Exception:  # noqa: BLE001 - a sandbox bug must answer 500, not hang up silently
                log.exception("sandbox: unhandled error for %s %s", self.command, split.path)
                response = Response.text(500, "Internal sandbox error (see the sandbox log).")
            if response.drop:
                self._drop_connection()
                return
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        def _drop_connection(self) -> None:
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError as exc:
                # The client may already be gone; the point was to hang up anyway.
                log.debug("sandbox: socket already closed while dropping: %s", exc)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            # Query strings can carry codes and tokens: redact before logging, and only at debug.
            log.debug("sandbox %s: %s", self.address_string(), redact(format % args))

    return SandboxRequestHandler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer is normal under fault injection; anything else is a bug.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("sandbox: client %s went away: %s", client_address, error)
        else:
            log.exception("sandbox: error while serving %s", client_address)


class ServerThread:
    """Runs an app on a threaded HTTP server in a background thread."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _handler_class(app))
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_INTERVAL,), name="sandbox-http", daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve on the calling thread until :meth:`stop` is called from another one."""
        self._server.serve_forever(POLL_INTERVAL)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
