"""The QBO sandbox server: one port serving OAuth, the v3 API and a test-only control path.

Request pipeline for ``/v3/company/{realmId}/...``: bearer token (401/403), rate limits (429),
injected faults (500/503, dropped connection), added latency, ``minorversion``, ``requestid``
replay, the route itself, then "response lost after commit" for writes. Paths under
``/__sandbox/`` are not QBO's: they let tests read statistics, switch faults and move the clock.

Example:
    with QboSandbox(time_scale=60) as sandbox:
        print(sandbox.base_url, sandbox.realm_id)
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from bookbridge.sandbox.common.clock import SandboxClock
from bookbridge.sandbox.common.faults import Fault, FaultConfig, FaultInjector
from bookbridge.sandbox.common.http import Request, Response, ServerThread
from bookbridge.sandbox.common.ratelimit import RateLimiter, WindowLimit, retry_after_header
from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.common.tokens import TokenStore
from bookbridge.sandbox.qbo import api, control, errors, oauth
from bookbridge.sandbox.qbo.attachments import AttachmentStore
from bookbridge.sandbox.qbo.store import CompanyStore, state_paths

log = logging.getLogger("bookbridge.sandbox.qbo")

DEFAULT_REALM_ID = "9341453100000000"
REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36
API_PREFIX = "/v3/company/"
# QBO's published limits per realm (ERP_FACTS.md 1.6).
QBO_LIMITS = [
    WindowLimit("per_minute", 500, 60.0),
    WindowLimit("per_second", 10, 1.0),
    WindowLimit("batch_per_minute", 40, 60.0, kind="batch"),
]
QBO_MAX_CONCURRENT = 10


class QboSandbox:
    """A local server that behaves like QuickBooks Online for one company.

    Args:
        host: interface to bind (loopback by default).
        port: TCP port; 0 picks a free one (see :attr:`base_url`).
        data_dir: directory for state files; None keeps everything in memory.
        realm_id: the company id handed out on authorization.
        client_id: when set, only this OAuth client id is accepted.
        client_secret: when set, only this client secret is accepted.
        time_scale: speed-up of rate-limit windows (60: per-minute limits apply per second).
        limits: False turns rate limiting off.
        faults: fault injection settings (changeable later through ``/__sandbox/faults``).
        clock: base wall clock (defaults to ``bookbridge.core.clock.now``).
        retry_after: send a ``Retry-After`` header with 429 answers (QBO's own practice is
            unconfirmed; clients must also cope without it).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        realm_id: str = DEFAULT_REALM_ID,
        client_id: str | None = None,
        client_secret: str | None = None,
        time_scale: float = 1.0,
        limits: bool = True,
        faults: FaultConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        retry_after: bool = True,
    ) -> None:
        self.realm_id = realm_id
        self.clock = SandboxClock(clock)
        self.data_dir = Path(data_dir) if data_dir else None
        state_file = token_file = attachments_dir = None
        if self.data_dir:
            state_path, token_path, attachments_dir = state_paths(self.data_dir, realm_id)
            state_file, token_file = JsonStateFile(state_path), JsonStateFile(token_path)
        self.store = CompanyStore(realm_id, self.clock.now, state_file)
        self._token_file = token_file
        self._token_save_lock = threading.Lock()
        self.tokens = TokenStore(self.clock.now, on_change=self._save_tokens)
        if token_file and (saved := token_file.load()):
            self.tokens.load_dict(saved)
        self.attachments = AttachmentStore(attachments_dir)
        self.client_policy = oauth.ClientPolicy(client_id, client_secret)
        self.limiter = RateLimiter(QBO_LIMITS, max_concurrent=QBO_MAX_CONCURRENT, time_scale=time_scale, enabled=limits)
        self.faults = FaultInjector(faults)
        self.retry_after = retry_after
        self._stats_lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._context = api.ApiContext(self.store, self.clock.now, self.attachments)
        self._http = ServerThread(self.handle, host, port)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def port(self) -> int:
        return self._http.port

    def start(self) -> "QboSandbox":
        self._http.start()
        log.info("QBO sandbox listening on %s (realm %s)", self.base_url, self.realm_id)
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the CLI); stop from another thread with :meth:`stop`."""
        self._http.serve_forever()

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> "QboSandbox":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # --- statistics ------------------------------------------------------------------------
    def count(self, name: str, amount: int = 1) -> None:
        with self._stats_lock:
            self._stats[name] += amount

    def stats(self) -> dict[str, Any]:
        """Requests served, 429s, faults injected, replays, and objects per entity."""
        with self._stats_lock:
            counters = dict(self._stats)
        return {
            "realm_id": self.realm_id,
            "counters": counters,
            "entities": self.store.counts(),
            "request_ids": self.store.requestid_count(),
            "remaining": self.limiter.remaining(self.realm_id),
            "clock_offset_seconds": int(self.clock.offset_seconds),
        }

    def _save_tokens(self) -> None:
        if self._token_file is not None:
            # Snapshot and write under one lock, so a slower writer never lands an older snapshot last.
            with self._token_save_lock:
                self._token_file.save(self.tokens.to_dict())

    # --- request handling ------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """The app the HTTP server calls for every request."""
        self.count("requests")
        path = request.path.rstrip("/") or "/"
        if path.startswith(control.PREFIX):
            return control.handle(self, request)
        if path == "/connect/oauth2" and request.method == "GET":
            return oauth.authorize(request, self.tokens, self.client_policy, self.realm_id)
        if path == "/oauth2/v1/tokens/bearer" and request.method == "POST":
            return oauth.token(request, self.tokens, self.client_policy)
        if path in ("/oauth2/v1/tokens/revoke", "/v2/oauth2/tokens/revoke") and request.method == "POST":
            return oauth.revoke(request, self.tokens, self.client_policy)
        if path.startswith(API_PREFIX):
            return self._api(request, path[len(API_PREFIX) :].split("/"))
        return Response.text(404, f"Not found: {request.path}")

    def _fault_answer(self, fault: errors.QboFault, headers: dict[str, str] | None = None) -> Response:
        return Response.json(fault.status, fault.body(self.clock.now()), headers)

    def _authenticate(self, request: Request, realm: str) -> Response | None:
        authorization = request.header("authorization")
        if not authorization.lower().startswith("bearer "):
            return self._auth_failure(401, "Authorization header missing or not a Bearer token")
        tenant, reason = self.tokens.check_access(authorization[7:].strip())
        if tenant is None:
            return self._auth_failure(401, reason)
        if tenant != realm:
            return self._auth_failure(403, "The token does not grant access to this company (realmId)")
        return None

    def _auth_failure(self, status: int, detail: str) -> Response:
        self.count(f"http_{status}")
        body = errors.authentication_body(detail, self.clock.now())
        if status == 403:
            body["fault"]["error"][0]["message"] = "message=AuthorizationFailed; errorCode=003100; statusCode=403"
            body["fault"]["error"][0]["code"] = "3100"
            body["fault"]["type"] = "SERVICE"
        headers = {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'} if status == 401 else {}
        return Response.json(status, body, headers)

    def _api(self, request: Request, parts: list[str]) -> Response:
        realm, segment, rest = parts[0], (parts[1] if len(parts) > 1 else ""), parts[2:]
        refusal = self._authenticate(request, realm)
        if refusal is not None:
            return refusal
        kind = "batch" if segment.lower() == "batch" else "api"
        admission = self.limiter.admit(realm, kind)
        if not admission.allowed:
            self.count(f"throttled_{admission.limit_name}")
            return self._throttled(admission.retry_after_seconds)
        try:
            return self._admitted(request, segment, rest)
        finally:
            self.limiter.release(realm)

    def _throttled(self, retry_after_seconds: float) -> Response:
        self.count("throttled")
        headers = {"Retry-After": retry_after_header(retry_after_seconds)} if self.retry_after else {}
        return self._fault_answer(errors.throttled(), headers)

    def _admitted(self, request: Request, segment: str, rest: list[str]) -> Response:
        self.count("api_requests")
        writes = api.is_write(request.method, segment)
        fault = self.faults.decide(is_write=writes)
        if fault in (Fault.ERROR_500, Fault.ERROR_503):
            self.count(f"fault_{fault.value}")
            return self._fault_answer(errors.server_error(int(fault.value)))
        if fault is Fault.DROP:
            self.count("fault_drop")
            return Response.dropped()
        if fault is Fault.THROTTLE:
            return self._throttled(1.0)
        latency = self.faults.latency_seconds()
        if latency:
            time.sleep(latency)
        try:
            api.check_minor_version(request)
            response = self._replayable(request, segment, rest) if writes else self._route(request, segment, rest)
        except errors.QboFault as refusal:
            response = self._fault_answer(refusal)
        if fault is Fault.LOST_AFTER_COMMIT:
            self.count("fault_lost_after_commit")
            return Response.dropped()
        return response

    def _route(self, request: Request, segment: str, rest: list[str]) -> Response:
        try:
            return api.route(self._context, request, segment, rest)
        except errors.QboFault as refusal:
            return self._fault_answer(refusal)

    def _replayable(self, request: Request, segment: str, rest: list[str]) -> Response:
        """Run a write once per ``requestid``: a repeat gets the stored answer, nothing new is made."""
        request_id = request.param("requestid")
        if not request_id:
            return self._route(request, segment, rest)
        limit = BATCH_REQUEST_ID_MAX if segment.lower() == "batch" else REQUEST_ID_MAX
        if len(request_id) > limit:
            raise errors.fault(
                "2050", "Length exceeds limit", f"requestid is longer than {limit} characters", "requestid"
            )
        with self.store.transaction():
            stored = self.store.recall(request_id)
            if stored is not None:
                self.count("replays")
                status, body = stored
                return Response(status, body.encode("utf-8"), {"Content-Type": "application/json;charset=UTF-8"})
            response = self._route(request, segment, rest)
            # Store and answer in one unit: the state file then holds the object and the answer together.
            self.store.remember(request_id, response.status, response.body.decode("utf-8"))
            return response
