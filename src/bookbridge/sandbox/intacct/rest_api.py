"""The Intacct sandbox's REST API under ``/ia/api/v1`` (served on the XML gateway's port).

Pipeline for API calls: injected faults (500/503, dropped connection, 429), the bearer token
(401), the company's rate limit shared with the XML gateway (429 with ``Retry-After``), then the
route: ``POST /services/core/query`` (:mod:`.rest_query`), ``GET /objects/<object>`` (key, id and
href of each), ``GET /objects/<object>/<key>``, ``POST /objects/<object>`` for journal entries,
bills and vendors (:mod:`.rest_objects`), and "answer lost after commit" for writes.

Answers use Sage's envelopes: ``{"ia::result": ..., "ia::meta": {...}}``; errors are
``{"ia::result": {"ia::error": {"code", "message", "errorId", "additionalInfo", "supportId"}},
"ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1}}`` with 400 (schema), 401,
404, 422 (business rule: the XML side's own texts), 429 or 5xx. Only ``REST-2102`` is a real
error id (ERP_FACTS §3.8); the sandbox's other ids start ``SBX-`` so nobody mistakes them for Sage's.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.faults import Fault
from bookbridge.sandbox.common.http import Request, Response
from bookbridge.sandbox.common.ratelimit import retry_after_header
from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.intacct import rest_oauth, rest_query
from bookbridge.sandbox.intacct.errors import FunctionFailure
from bookbridge.sandbox.intacct.rest_objects import COMPANY_OBJECT, OBJECTS, BadRequest, company_row
from bookbridge.sandbox.intacct.rest_query import flatten

if TYPE_CHECKING:
    from bookbridge.sandbox.intacct.server import IntacctSandbox

PREFIX = "/ia/api/v1"
TOKEN_FILE = "intacct-rest-tokens.json"


def envelope_error(status: int, code: str, message: str, error_id: str, headers: dict[str, str] | None = None,
                   **info: Any) -> Response:
    error = {"code": code, "message": message, "errorId": error_id, "additionalInfo": info or None,
             "supportId": secrets.token_hex(8)}
    return Response.json(status, {"ia::result": {"ia::error": error},
                                  "ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1}}, headers)


class RestApi:
    """The REST half of one :class:`~.server.IntacctSandbox` (same company, store, limits and faults)."""

    def __init__(self, sandbox: "IntacctSandbox", user_id: str) -> None:
        self.sandbox = sandbox
        self._file = JsonStateFile(Path(sandbox.data_dir) / TOKEN_FILE) if sandbox.data_dir else None
        self.tokens = rest_oauth.RestTokenStore(sandbox.clock.now, user_id, on_change=self._save)
        if self._file is not None and (saved := self._file.load()):
            self.tokens.load_dict(saved)

    def _save(self) -> None:
        if self._file is not None:
            self._file.save(self.tokens.to_dict())

    # --- entry ------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        sub = request.path.rstrip("/")[len(PREFIX):]
        self.sandbox.count("rest_requests")
        if sub == "/oauth2/authorize" and request.method == "GET":
            return rest_oauth.authorize(request, self.tokens, self.sandbox.company_id)
        if sub == "/oauth2/token" and request.method == "POST":
            return rest_oauth.token(request, self.tokens)
        is_write = request.method == "POST" and sub.startswith("/objects/")
        fault = self.sandbox.faults.decide(is_write=is_write)
        if fault in (Fault.ERROR_500, Fault.ERROR_503):
            self.sandbox.count(f"fault_{fault.value}")
            return Response.text(int(fault.value), "<html><body>Service Unavailable</body></html>", "text/html")
        if fault is Fault.DROP:
            self.sandbox.count("fault_drop")
            return Response.dropped()
        if fault is Fault.THROTTLE:
            return self._throttled(1.0)
        tenant, reason = self.tokens.check_access(_bearer(request))
        if tenant is None:
            self.sandbox.count("rest_auth_refused")
            return envelope_error(401, "unauthorized", f"{reason}: sign in again or renew the access token",
                                  "SBX-0401")
        admission = self.sandbox.limiter.admit(self.sandbox.company_id)
        if not admission.allowed:
            self.sandbox.count(f"throttled_{admission.limit_name}")
            return self._throttled(admission.retry_after_seconds)
        try:
            latency = self.sandbox.faults.latency_seconds()
            if latency:
                time.sleep(latency)
            response = self._route(request, sub)
        finally:
            self.sandbox.limiter.release(self.sandbox.company_id)
        if fault is Fault.LOST_AFTER_COMMIT and is_write:
            self.sandbox.count("fault_lost_after_commit")
            return Response.dropped()
        return response

    def _throttled(self, seconds: float) -> Response:
        self.sandbox.count("throttled")
        headers = {"Retry-After": retry_after_header(seconds)} if self.sandbox.retry_after else {}
        return envelope_error(429, "tooManyRequests", "Too many requests: the rate limit for this company was "
                              "reached. Wait and retry with backoff.", "SBX-0429", headers)

    # --- routes -----------------------------------------------------------------------------
    def _route(self, request: Request, sub: str) -> Response:
        try:
            if sub == "/services/core/query" and request.method == "POST":
                return self._query(request)
            if sub.startswith("/objects/"):
                parts = sub[len("/objects/"):].split("/")
                name = "/".join(parts[:2])
                if name not in OBJECTS:
                    return envelope_error(404, "notFound", f"/objects/{name} is not an object of this sandbox",
                                          "SBX-0404")
                if len(parts) == 2 and request.method == "POST":
                    return self._create(name, request)
                if len(parts) == 2 and request.method == "GET":
                    return self._list(name)
                if len(parts) == 3 and request.method == "GET":
                    return self._get(name, parts[2])
            return envelope_error(405 if sub.startswith(("/objects/", "/services/")) else 404, "notSupported",
                                  f"{request.method} {PREFIX}{sub} is not served by this sandbox", "SBX-0405")
        except BadRequest as problem:
            self.sandbox.count("rest_bad_requests")
            return envelope_error(400, "invalidRequest", str(problem), "SBX-0400")

    def _rows(self, name: str) -> tuple[list[dict[str, Any]], set[str]]:
        if name == COMPANY_OBJECT:
            row = company_row(self.sandbox.store)
            return [row], set(row)
        spec = OBJECTS[name]
        known = set(flatten(spec.render({})))
        return [flatten(spec.render(r)) for r in self.sandbox.store.records(spec.stored)], known

    def _query(self, request: Request) -> Response:
        try:
            body = jsonio.loads(request.body or b"")
        except ValueError:
            raise BadRequest("the body is not JSON") from None
        name = body.get("object") if isinstance(body, dict) else None
        if name != COMPANY_OBJECT and name not in OBJECTS:
            raise BadRequest(f"object {name!r} is not queryable in this sandbox")
        rows, known = self._rows(str(name))
        return Response.json(200, rest_query.run(body, rows, known))

    def _list(self, name: str) -> Response:
        spec = OBJECTS[name]
        refs = [{"key": r["RECORDNO"], "id": spec.to_rest(r).get("id"), "href": f"/objects/{name}/{r['RECORDNO']}"}
                for r in self.sandbox.store.records(spec.stored)][:100]
        return Response.json(200, {"ia::result": refs, "ia::meta": {"totalCount": len(refs), "start": 1,
                                                                    "pageSize": 100, "next": None, "previous": None}})

    def _get(self, name: str, key: str) -> Response:
        spec = OBJECTS[name]
        record = self.sandbox.store.get(spec.stored, key)
        if record is None:
            return envelope_error(404, "notFound", f"No {name} with key {key} was found.", "SBX-0404")
        return Response.json(200, {"ia::result": spec.render(record),
                                   "ia::meta": {"totalCount": 1, "totalSuccess": 1, "totalError": 0}})

    def _create(self, name: str, request: Request) -> Response:
        spec = OBJECTS[name]
        if spec.create is None:
            return envelope_error(405, "notSupported", f"this sandbox does not create {name} over REST", "SBX-0405")
        try:
            body = jsonio.loads(request.body or b"")
        except ValueError:
            raise BadRequest("the body is not JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        try:
            with self.sandbox.store.transaction():
                created = spec.create(self.sandbox.store, body)
        except FunctionFailure as failure:
            self.sandbox.count("rest_business_errors")
            first = failure.errors[0]
            return envelope_error(422, "operationFailed", first.description2 or first.description, "SBX-0422",
                                  errorno=first.errorno, correction=first.correction or None)
        self.sandbox.count("writes")
        recordno = created["RECORDNO"]
        return Response.json(201, {"ia::result": {"key": recordno, "id": spec.to_rest(created).get("id"),
                                                  "href": f"/objects/{name}/{recordno}"},
                                   "ia::meta": {"totalCount": 1, "totalSuccess": 1, "totalError": 0}})


def _bearer(request: Request) -> str:
    header = request.header("authorization")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""
