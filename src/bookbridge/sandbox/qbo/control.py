"""The sandbox's own control path, ``/__sandbox/...``: nothing like it exists in QBO.

* ``GET /__sandbox/stats``: counters (requests, 429s, faults, replays) and objects per entity.
* ``GET|POST /__sandbox/faults``: read or change fault injection (JSON object of settings,
  ``queue`` for one-shot faults such as ``["drop", "lost_after_commit", "503"]``).
* ``POST /__sandbox/clock``: ``{"advance_seconds": N}`` moves the sandbox clock forward, e.g. to
  expire access tokens.
* ``GET /__sandbox/attachments/{id}``: the bytes of an uploaded file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.errors import SandboxError
from bookbridge.sandbox.common.http import Request, Response

if TYPE_CHECKING:
    from bookbridge.sandbox.qbo.server import QboSandbox

PREFIX = "/__sandbox/"


def _json_body(request: Request) -> dict[str, Any]:
    try:
        document = jsonio.loads(request.body or b"{}")
    except ValueError as exc:
        raise SandboxError(f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SandboxError("the body must be a JSON object")
    return document


def handle(sandbox: "QboSandbox", request: Request) -> Response:
    """Answer one control request."""
    path = request.path[len(PREFIX) :].strip("/")
    try:
        if path == "stats" and request.method == "GET":
            return Response.json(200, sandbox.stats())
        if path == "faults" and request.method == "GET":
            return Response.json(200, _float_free(sandbox.faults.snapshot()))
        if path == "faults" and request.method == "POST":
            sandbox.faults.update(_numbers(_json_body(request)))
            return Response.json(200, _float_free(sandbox.faults.snapshot()))
        if path == "clock" and request.method == "POST":
            seconds = _json_body(request).get("advance_seconds", 0)
            moved = sandbox.clock.advance(float(seconds))
            return Response.json(200, {"now": moved.isoformat(), "offset_seconds": int(sandbox.clock.offset_seconds)})
        if path.startswith("attachments/") and request.method == "GET":
            content = sandbox.attachments.get(path.split("/", 1)[1])
            if content is None:
                return Response.json(404, {"error": "no such attachment"})
            return Response(200, content, {"Content-Type": "application/octet-stream"})
    except (SandboxError, ValueError) as exc:
        return Response.json(400, {"error": str(exc)})
    return Response.json(404, {"error": f"unknown sandbox control path {request.path}"})


def _numbers(settings: dict[str, Any]) -> dict[str, Any]:
    """Fault rates arrive as Decimals (exact JSON parsing); the injector works in floats.

    Fault rates are probabilities, not money, so floats are right for them.
    """
    converted: dict[str, Any] = {}
    for key, value in settings.items():
        if key.endswith("_rate"):
            converted[key] = float(value)
        elif key in ("latency_ms", "seed") and value is not None:
            converted[key] = int(value)
        else:
            converted[key] = value
    return converted


def _float_free(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Rates as Decimals (written as JSON numbers): the JSON writer refuses floats on purpose."""
    return {key: (Decimal(repr(value)) if isinstance(value, float) else value) for key, value in snapshot.items()}


