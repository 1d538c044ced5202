"""The Intacct sandbox's own control path, ``/__sandbox/...`` (nothing like it exists in Intacct).

* ``GET /__sandbox/stats``: counters (requests, functions, refusals as already run, faults,
  429s), records per object, sessions.
* ``GET|POST /__sandbox/faults``: read or change fault injection (``queue`` for one-shot
  faults such as ``["drop", "lost_after_commit", "503", "429"]``).
* ``POST /__sandbox/clock``: ``{"advance_seconds": N}`` moves the sandbox clock (expires sessions).
* ``POST /__sandbox/preferences``: ``{"application": "GL", "preference": "BOOKSCLOSEDTHROUGH",
  "value": "03/31/2026"}`` changes a company preference (e.g. to close a period).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.errors import SandboxError
from bookbridge.sandbox.common.http import Request, Response

if TYPE_CHECKING:
    from bookbridge.sandbox.intacct.server import IntacctSandbox

PREFIX = "/__sandbox/"


def _body(request: Request) -> dict[str, Any]:
    try:
        document = jsonio.loads(request.body or b"{}")
    except ValueError as exc:
        raise SandboxError(f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SandboxError("the body must be a JSON object")
    return document


def _fault_settings(settings: dict[str, Any]) -> dict[str, Any]:
    # Fault rates are probabilities, not money: floats are right for them.
    return {k: float(v) if k.endswith("_rate") else int(v) if k in ("latency_ms", "seed") and v is not None else v
            for k, v in settings.items()}


def _jsonable(snapshot: dict[str, Any]) -> dict[str, Any]:
    # The JSON writer refuses floats on purpose; rates go out as exact decimals.
    return {k: Decimal(repr(v)) if isinstance(v, float) else v for k, v in snapshot.items()}


def handle(sandbox: "IntacctSandbox", request: Request) -> Response:
    path = request.path[len(PREFIX):].strip("/")
    try:
        if path == "stats" and request.method == "GET":
            return Response.json(200, sandbox.stats())
        if path == "faults" and request.method == "GET":
            return Response.json(200, _jsonable(sandbox.faults.snapshot()))
        if path == "faults" and request.method == "POST":
            sandbox.faults.update(_fault_settings(_body(request)))
            return Response.json(200, _jsonable(sandbox.faults.snapshot()))
        if path == "clock" and request.method == "POST":
            moved = sandbox.clock.advance(float(_body(request).get("advance_seconds", 0)))
            return Response.json(200, {"now": moved.isoformat(), "offset_seconds": int(sandbox.clock.offset_seconds)})
        if path == "preferences" and request.method == "POST":
            body = _body(request)
            sandbox.store.set_preference(str(body["application"]), str(body["preference"]), str(body["value"]))
            return Response.json(200, sandbox.store.preferences(str(body["application"])))
    except (SandboxError, ValueError, KeyError) as exc:
        return Response.json(400, {"error": str(exc)})
    return Response.json(404, {"error": f"unknown sandbox control path {request.path}"})
