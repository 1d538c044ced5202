"""A request whose body never fully arrives (the client was killed mid-send) is not handled."""

from __future__ import annotations

import socket
import time

from bookbridge.sandbox.common.http import Request, Response, ServerThread


def _send_raw(port: int, body: bytes, declared: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"POST /v3/company/1/batch?requestid=r-1 HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: " + str(declared).encode() + b"\r\n\r\n" + body)
        conn.shutdown(socket.SHUT_WR)  # the client is gone before the rest of its body
        conn.settimeout(5)
        while conn.recv(4096):  # read until the sandbox closes its side
            pass


def test_truncated_body_is_never_handed_to_the_app() -> None:
    seen: list[bytes] = []

    def app(request: Request) -> Response:
        seen.append(request.body)
        return Response.json(200, {"ok": True})

    server = ServerThread(app)
    server.start()
    try:
        _send_raw(server.port, b'{"BatchItemRequest": [', declared=400)
        _send_raw(server.port, b"", declared=50)
        _send_raw(server.port, b'{"whole": true}', declared=15)  # a whole body still goes through
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        server.stop()
    assert seen == [b'{"whole": true}']
