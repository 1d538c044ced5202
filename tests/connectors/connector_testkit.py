"""Connector test kit: a scripted loopback HTTP server and QBO sandbox sessions, with their fixtures.

Imported by tests under its own unique name (a bare `from conftest import` picks whichever
folder's conftest loaded first when several folders run together); conftest.py re-exports the
fixtures.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest


@dataclass
class Reply:
    """One scripted answer; ``drop`` closes the connection without answering."""

    status: int = 200
    body: bytes | dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """A real HTTP server on 127.0.0.1 that answers from a queue and records what it received.

    It stands in for the outside world in tests of the HTTP layer itself (status codes, drops,
    delays on demand); the connector tests use the QBO sandbox instead.
    """

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                    reply = server.replies.pop(0) if server.replies else Reply(200, {"ok": True})
                if reply.delay:
                    threading.Event().wait(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body or {}).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


# --- the QBO sandbox, connected through the real OAuth flow ---------------------------------------

TIME_SCALE = 60.0  # the sandbox and our limiter both run 60x fast: per-minute limits apply per second


@dataclass
class QboSession:
    """A connected QBO connector against a fresh local sandbox, plus what a test needs to look at."""

    sandbox: object
    connector: object
    store: object
    settings: object
    exchanges: list

    def control(self, path: str, body: dict | None = None) -> dict:
        """Call the sandbox's own /__sandbox/ control path (faults, clock, stats)."""
        import requests

        url = f"{self.sandbox.base_url}/__sandbox/{path}"
        answer = requests.post(url, json=body, timeout=5) if body is not None else requests.get(url, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def queue_faults(self, *names: str) -> None:
        self.control("faults", {"queue": list(names)})

    def stored(self, entity: str) -> list[dict]:
        return self.sandbox.store.all(entity)


@pytest.fixture
def qbo_sandbox() -> Iterator[object]:
    from bookbridge.sandbox.qbo import QboSandbox

    with QboSandbox(time_scale=TIME_SCALE) as sandbox:
        yield sandbox


def connect_session(sandbox, store, **settings_overrides) -> QboSession:
    """Run the whole connect flow (loopback redirect, no browser) and open a connector."""
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect
    from bookbridge.connectors.registry import open_connector, provider
    from bookbridge.connectors.settings import ConnectionSettings
    from bookbridge.connectors.tokens import ClientCredentials

    exchanges: list = []
    result = connect(
        provider("qbo"), base_url=sandbox.base_url, client=ClientCredentials("bookbridge-test-app", "app-secret-0123456789"),
        store=store, open_url=open_without_browser(), sync_log=exchanges.append,
    )
    settings = ConnectionSettings(
        "qbo", "main", sandbox.base_url, result.company_id, time_scale=TIME_SCALE, sync_log=exchanges.append,
        **settings_overrides,
    )
    return QboSession(sandbox, open_connector(settings, store), store, settings, exchanges)


@pytest.fixture
def qbo(qbo_sandbox) -> Iterator[QboSession]:
    from bookbridge.connectors.tokens import MemoryTokenStore

    session = connect_session(qbo_sandbox, MemoryTokenStore())
    yield session
    session.connector.close()
