"""The Xero sandbox server: one port serving identity, ``/connections``, the API and a control path.

Request pipeline for ``/api.xro/2.0/...``: bearer token (401), ``Xero-Tenant-Id`` (403), rate
limits (429 with ``Retry-After`` and ``X-Rate-Limit-Problem``), injected faults (500/503, dropped
connection), added latency, ``Idempotency-Key`` replay, the route itself, then "response lost
after commit" for writes. Every API answer carries ``X-MinLimit-Remaining``,
``X-DayLimit-Remaining`` and ``X-AppMinLimit-Remaining``. Paths under ``/__sandbox/`` are not
Xero's: tests read statistics, switch faults and move the clock there.

Example:
    with XeroSandbox(time_scale=60) as sandbox:
        print(sandbox.base_url, sandbox.tenant_id)
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import unquote

from bookbridge.sandbox.common.clock import SandboxClock
from bookbridge.sandbox.common.faults import Fault, FaultConfig, FaultInjector
from bookbridge.sandbox.common.http import Request, Response, ServerThread
from bookbridge.sandbox.common.ratelimit import RateLimiter, WindowLimit, retry_after_header
from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.qbo import control
from bookbridge.sandbox.qbo.oauth import ClientPolicy
from bookbridge.sandbox.xero import api, errors, oauth
from bookbridge.sandbox.xero.attachments import AttachmentFiles
from bookbridge.sandbox.xero.seed import stable_id
from bookbridge.sandbox.xero.spec import OpenApiSpec, shared_spec
from bookbridge.sandbox.xero.store import OrganisationStore, state_paths, token_path
from bookbridge.sandbox.xero.tokens import GraceTokenStore

log = logging.getLogger("bookbridge.sandbox.xero")

DEFAULT_TENANT_ID = "3c5e0a8b-7d2f-4e61-9b0a-5f1e2d3c4b5a"
DEFAULT_ORG_NAME = "Bookbridge Haulage (Xero sandbox)"
IDEMPOTENCY_KEY_MAX = 128
IDEMPOTENCY_WINDOW_SECONDS = 360.0  # about six minutes [X9]
# Xero's published limits per tenant, and its app-wide minute limit [X4].
TENANT_LIMITS = [WindowLimit("minute", 60, 60.0), WindowLimit("day", 5000, 86_400.0)]
APP_LIMITS = [WindowLimit("appminute", 10_000, 60.0)]
MAX_CONCURRENT = 5
_HEADER_OF = {"minute": "X-MinLimit-Remaining", "day": "X-DayLimit-Remaining"}


class XeroSandbox:
    """A local server that behaves like Xero for one or more organisations.

    Args:
        host: interface to bind (loopback by default).
        port: TCP port; 0 picks a free one (see :attr:`base_url`).
        data_dir: directory for state files; None keeps everything in memory.
        tenants: ``(tenant id, organisation name)`` of each organisation one sign-in connects.
        client_id: when set, only this OAuth client id is accepted.
        client_secret: when set, clients must authenticate with it (a Xero "web app"); otherwise
            the sandbox is a PKCE app and needs no secret.
        time_scale: speed-up of rate-limit windows (60: per-minute limits apply per second).
        limits: False turns rate limiting off.
        faults: fault injection settings (changeable later through ``/__sandbox/faults``).
        clock: base wall clock (defaults to ``bookbridge.core.clock.now``).
        idempotency_window: seconds an ``Idempotency-Key`` answer is remembered (sandbox clock).
        spec_path: Xero's OpenAPI description (default: the copy shipped with Bookbridge).
        validate_schema: False skips OpenAPI validation (only for experiments; tests keep it on).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        tenants: Sequence[tuple[str, str]] = ((DEFAULT_TENANT_ID, DEFAULT_ORG_NAME),),
        client_id: str | None = None,
        client_secret: str | None = None,
        time_scale: float = 1.0,
        limits: bool = True,
        faults: FaultConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        idempotency_window: float = IDEMPOTENCY_WINDOW_SECONDS,
        spec_path: str | Path | None = None,
        validate_schema: bool = True,
    ) -> None:
        if not tenants:
            raise ValueError("a Xero sandbox needs at least one organisation")
        self.spec: OpenApiSpec = shared_spec(Path(spec_path) if spec_path else None)  # parses in the background
        self.clock = SandboxClock(clock)
        self.data_dir = Path(data_dir) if data_dir else None
        self.stores: dict[str, OrganisationStore] = {}
        self._files: dict[str, AttachmentFiles] = {}
        for tenant_id, name in tenants:
            state_file, files_dir = (None, None)
            if self.data_dir:
                state, files_dir = state_paths(self.data_dir, tenant_id)
                state_file = JsonStateFile(state)
            self.stores[tenant_id] = OrganisationStore(tenant_id, name, self.clock.now, state_file)
            self._files[tenant_id] = AttachmentFiles(files_dir)
        self.tenant_ids = list(self.stores)
        self.disconnected: set[str] = set()
        self._token_file = JsonStateFile(token_path(self.data_dir)) if self.data_dir else None
        self._token_save_lock = threading.Lock()
        self.tokens = GraceTokenStore(self.clock.now, on_change=self._save_tokens)
        if self._token_file and (saved := self._token_file.load()):
            self.tokens.load_dict(saved)
        self.client_policy = ClientPolicy(client_id, client_secret)
        self.limiter = RateLimiter(TENANT_LIMITS, max_concurrent=MAX_CONCURRENT, time_scale=time_scale, enabled=limits)
        self.app_limiter = RateLimiter(APP_LIMITS, time_scale=time_scale, enabled=limits)
        self.time_scale = time_scale
        self.faults = FaultInjector(faults)
        self.idempotency_window = timedelta(seconds=idempotency_window)
        self.validate_schema = validate_schema
        self._stats_lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._http = ServerThread(self.handle, host, port)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def tenant_id(self) -> str:
        """The first organisation's tenant id."""
        return self.tenant_ids[0]

    @property
    def store(self) -> OrganisationStore:
        """The first organisation's data."""
        return self.stores[self.tenant_id]

    @property
    def attachments(self) -> "_AllAttachments":
        """Attachment bytes of every organisation, by attachment id (for the control path)."""
        return _AllAttachments(self._files)

    def start(self) -> "XeroSandbox":
        self._http.start()
        log.info("Xero sandbox listening on %s (tenant %s)", self.base_url, self.tenant_id)
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the CLI); stop from another thread with :meth:`stop`."""
        self._http.serve_forever()

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> "XeroSandbox":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # --- statistics --------------------------------------------------------------------------
    def count(self, name: str, amount: int = 1) -> None:
        with self._stats_lock:
            self._stats[name] += amount

    def stats(self) -> dict[str, Any]:
        """Requests served, 429s, faults injected, replays, grace refreshes and objects per collection."""
        with self._stats_lock:
            counters = dict(self._stats)
        return {
            "tenant_id": self.tenant_id,
            "counters": counters,
            "entities": self.store.counts(),
            "idempotency_keys": self.store.idempotency_count(),
            "remaining": self.limiter.remaining(self.tenant_id),
            "tokens": self.tokens.grace_state(),
            "clock_offset_seconds": int(self.clock.offset_seconds),
        }

    def _save_tokens(self) -> None:
        if self._token_file is not None:
            with self._token_save_lock:
                self._token_file.save(self.tokens.to_dict())

    def connection_entry(self, tenant_id: str) -> dict[str, Any]:
        """One ``/connections`` item (ids are stable, so a client can disconnect by id)."""
        return {"id": stable_id(tenant_id, "connection", "bookbridge"), "authEventId": stable_id(tenant_id, "auth", "x"),
                "tenantId": tenant_id, "tenantType": "ORGANISATION", "tenantName": self.stores[tenant_id].name,
                "createdDateUtc": "2024-01-02T17:00:00.0000000", "updatedDateUtc": "2024-01-02T17:00:00.0000000"}

    # --- request handling --------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """The app the HTTP server calls for every request."""
        self.count("requests")
        path = request.path.rstrip("/") or "/"
        if path.startswith(control.PREFIX):
            return control.handle(self, request)  # type: ignore[arg-type]  # same duck type as QboSandbox
        if path == oauth.AUTHORIZE_PATH and request.method == "GET":
            return oauth.authorize(self, request)
        if path == oauth.TOKEN_PATH and request.method == "POST":
            return oauth.token(self, request)
        if path == oauth.REVOKE_PATH and request.method == "POST":
            return oauth.revoke(self, request)
        if path == oauth.CONNECTIONS_PATH or path.startswith(oauth.CONNECTIONS_PATH + "/"):
            return oauth.connections(self, request, [p for p in path[len(oauth.CONNECTIONS_PATH):].split("/") if p])
        if path.startswith(api.PREFIX):
            return self._api(request, [unquote(p) for p in path[len(api.PREFIX):].split("/")])
        return Response.text(404, "The resource you're looking for cannot be found")

    def _problem(self, status: int, title: str, detail: str) -> Response:
        self.count(f"http_{status}")
        headers = {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{detail}"'} if status == 401 else {}
        return Response.json(status, errors.problem(status, title, detail), headers)

    def granted_tenants(self, request: Request) -> list[str] | Response:
        """The tenants the bearer token reaches, or the 401 answer."""
        authorization = request.header("authorization")
        if not authorization.lower().startswith("bearer "):
            return self._problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        granted, reason = self.tokens.check_access(authorization[7:].strip())
        if granted is None:
            detail = f"TokenExpired: token expired at {self.clock.now():%m/%d/%Y %H:%M:%S}" if "expired" in reason \
                else "AuthenticationUnsuccessful"
            return self._problem(401, "Unauthorized", detail)
        return granted.split(oauth.TENANT_SEPARATOR)

    def _api(self, request: Request, parts: list[str]) -> Response:
        granted = self.granted_tenants(request)
        if isinstance(granted, Response):
            return granted
        tenant = request.header("xero-tenant-id").strip()
        if not tenant or tenant not in granted or tenant in self.disconnected or tenant not in self.stores:
            return self._problem(403, "Forbidden", "AuthorizationUnsuccessful")
        admission = self.limiter.admit(tenant)
        if not admission.allowed:
            return self._throttled(tenant, admission.limit_name, admission.retry_after_seconds)
        try:
            app = self.app_limiter.admit("app")
            if not app.allowed:
                return self._throttled(tenant, app.limit_name, app.retry_after_seconds)
            self.app_limiter.release("app")
            response = self._admitted(request, tenant, parts)
        finally:
            self.limiter.release(tenant)
        if not response.drop:
            response.headers.update(self._remaining_headers(tenant))
        return response

    def _remaining_headers(self, tenant: str) -> dict[str, str]:
        remaining = self.limiter.remaining(tenant)
        headers = {header: str(remaining[name]) for name, header in _HEADER_OF.items() if name in remaining}
        headers["X-AppMinLimit-Remaining"] = str(self.app_limiter.remaining("app").get("appminute", 0))
        return headers

    def _throttled(self, tenant: str, problem: str, retry_after: float) -> Response:
        self.count("throttled")
        self.count(f"throttled_{problem}")
        headers = {"Retry-After": retry_after_header(retry_after), "X-Rate-Limit-Problem": problem,
                   **self._remaining_headers(tenant)}
        body = errors.problem(429, "Too Many Requests", f"Rate limit exceeded: {problem}")
        return Response.json(429, body, headers)

    def _admitted(self, request: Request, tenant: str, parts: list[str]) -> Response:
        self.count("api_requests")
        writes = api.is_write(request.method)
        if writes:
            self.count("api_writes")
        elif request.param("where"):
            self.count("api_filtered_reads")  # e.g. a client looking a document up by its key
        fault = self.faults.decide(is_write=writes)
        if fault in (Fault.ERROR_500, Fault.ERROR_503):
            self.count(f"fault_{fault.value}")
            kind = errors.INTERNAL if fault is Fault.ERROR_500 else errors.NOT_AVAILABLE
            refusal = errors.exception(kind, status=int(fault.value))
            return Response.json(refusal.status, refusal.body)
        if fault is Fault.DROP:
            self.count("fault_drop")
            return Response.dropped()
        if fault is Fault.THROTTLE:
            return self._throttled(tenant, "minute", 1.0)
        latency = self.faults.latency_seconds()
        if latency:
            time.sleep(latency)
        context = api.ApiContext(self.stores[tenant], self.clock.now, self.spec, self._files[tenant], self.base_url,
                                 self.validate_schema)
        response = self._idempotent(context, request, parts) if writes else self._route(context, request, parts)
        if fault is Fault.LOST_AFTER_COMMIT:
            self.count("fault_lost_after_commit")
            return Response.dropped()
        return response

    def _route(self, context: api.ApiContext, request: Request, parts: list[str]) -> Response:
        try:
            return api.route(context, request, parts)
        except errors.XeroRefusal as refusal:
            self.count(f"refused_{refusal.status}")
            return Response.json(refusal.status, refusal.body)

    def _idempotent(self, context: api.ApiContext, request: Request, parts: list[str]) -> Response:
        """Run a write once per ``Idempotency-Key`` within the window; answers (errors too) are replayed."""
        key = request.header("idempotency-key")
        if not key:
            return self._route(context, request, parts)
        if len(key) > IDEMPOTENCY_KEY_MAX:
            refusal = errors.exception(errors.VALIDATION, f"The Idempotency-Key header is longer than "
                                                          f"{IDEMPOTENCY_KEY_MAX} characters")
            return Response.json(refusal.status, refusal.body)
        fingerprint = _fingerprint(request)
        with context.store.transaction():
            stored = context.store.recall(key, self.idempotency_window)
            if stored is not None:
                if stored["fingerprint"] != fingerprint:
                    self.count("idempotency_conflicts")
                    refusal = errors.exception(errors.VALIDATION, "This Idempotency-Key was sent with a different "
                                               "request in the last few minutes; send a new key for a new request")
                    return Response.json(refusal.status, refusal.body)
                self.count("replays")
                return Response(stored["status"], stored["body"].encode("utf-8"),
                                {"Content-Type": "application/json; charset=utf-8"})
            response = self._route(context, request, parts)
            if response.status < 500:
                # Stored with the objects in one save: the state file holds both or neither.
                context.store.remember(key, fingerprint, response.status, response.body.decode("utf-8"))
            return response


def _fingerprint(request: Request) -> str:
    """What makes two requests "the same" for idempotency: method, path, query and body."""
    query = "&".join(f"{k}={v}" for k, values in sorted(request.query.items()) for v in values)
    digest = hashlib.sha256()
    for part in (request.method, request.path, query):
        digest.update(part.encode("utf-8") + b"\x1f")
    digest.update(request.body)
    return digest.hexdigest()


class _AllAttachments:
    """Looks an attachment id up in every organisation."""

    def __init__(self, files: dict[str, AttachmentFiles]) -> None:
        self._files = files

    def get(self, attachment_id: str) -> bytes | None:
        for files in self._files.values():
            found = files.get(attachment_id)
            if found is not None:
                return found
        return None
