"""The sandbox's own control path, ``/__sandbox/...`` (nothing like it exists in NetSuite).

* ``GET /__sandbox/stats``: counters (requests, 429s, faults) and rows per table.
* ``GET|POST /__sandbox/faults``: read or change fault injection (``queue`` for one-shot faults).
* ``POST /__sandbox/clock``: ``{"advance_seconds": N}`` moves the sandbox clock (expires tokens).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.errors import SandboxError
from bookbridge.sandbox.common.http import Request, Response

if TYPE_CHECKING:
    from bookbridge.sandbox.netsuite.server import NetSuiteSandbox

PREFIX = "/__sandbox/"


def _body(request: Request) -> dict[str, Any]:
    try:
        document = jsonio.loads(request.body or b"{}")
    except ValueError as exc:
        raise SandboxError(f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SandboxError("the body must be a JSON object")
    return document


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    # Fault rates are probabilities, not money: the injector works in floats.
    return {k: float(v) if k.endswith("_rate") else int(v) if k in ("latency_ms", "seed") and v is not None else v
            for k, v in values.items()}


def _exact(snapshot: dict[str, Any]) -> dict[str, Any]:
    # The JSON writer refuses floats on purpose; rates go out as exact decimals of their repr.
    return {k: Decimal(repr(v)) if isinstance(v, float) else v for k, v in snapshot.items()}


def handle(sandbox: "NetSuiteSandbox", request: Request) -> Response:
    path = request.path[len(PREFIX):].strip("/")
    try:
        if path == "stats" and request.method == "GET":
            return Response.json(200, sandbox.stats())
        if path == "faults" and request.method == "GET":
            return Response.json(200, _exact(sandbox.faults.snapshot()))
        if path == "faults" and request.method == "POST":
            sandbox.faults.update(_settings(_body(request)))
            return Response.json(200, _exact(sandbox.faults.snapshot()))
        if path == "clock" and request.method == "POST":
            moved = sandbox.clock.advance(float(_body(request).get("advance_seconds", 0)))
            return Response.json(200, {"now": moved.isoformat(), "offset_seconds": int(sandbox.clock.offset_seconds)})
    except (SandboxError, ValueError) as exc:
        return Response.json(400, {"error": str(exc)})
    return Response.json(404, {"error": f"unknown sandbox control path {request.path}"})
