"""The NetSuite sandbox server: one port serving OAuth 2.0, REST web services and a control path.

Request pipeline for ``/services/rest/...`` (other than the token endpoints): bearer token
(401 ``INVALID_LOGIN``), concurrency governance (429 when more requests are in flight than the
account allows, 5 like a developer account by default), injected faults (500/503, dropped
connection), added latency, the route itself, then "response lost after commit" for writes.

Example:
    with NetSuiteSandbox(account_id="1234567_SB1") as sandbox:
        print(sandbox.base_url, sandbox.account_id)
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
from bookbridge.sandbox.common.ratelimit import RateLimiter, retry_after_header
from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.netsuite import api, control, errors, oauth
from bookbridge.sandbox.netsuite.records import RecordContext
from bookbridge.sandbox.netsuite.store import AccountStore, state_paths

log = logging.getLogger("bookbridge.sandbox.netsuite")

DEFAULT_ACCOUNT_ID = "1234567_SB1"
DEFAULT_CONCURRENCY = 5  # a developer account's concurrency limit [N11]
AUTHORIZE_PATH = "/app/login/oauth2/authorize.nl"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
REVOKE_PATH = "/services/rest/auth/oauth2/v1/revoke"


class NetSuiteSandbox:
    """A local server that behaves like NetSuite's REST web services for one account.

    Args:
        host: interface to bind (loopback by default).
        port: TCP port; 0 picks a free one (see :attr:`base_url`).
        data_dir: directory for state files; None keeps everything in memory.
        account_id: the account handed out on authorization (``company``).
        client_id: when set, only this integration's client id is accepted.
        client_secret: when set, clients must authenticate with it (a confidential client);
            otherwise the integration is a public client and PKCE is required.
        concurrency: requests the account allows in flight at once (governance).
        time_scale: speed-up of time-based limits (NetSuite publishes none besides concurrency,
            so it only scales the ``Retry-After`` hint).
        limits: False turns concurrency governance off.
        faults: fault injection settings (changeable later through ``/__sandbox/faults``).
        clock: base wall clock (defaults to ``bookbridge.core.clock.now``).
        retry_after: send ``Retry-After`` with 429 answers (NetSuite documents none).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        client_id: str | None = None,
        client_secret: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        time_scale: float = 1.0,
        limits: bool = True,
        faults: FaultConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        retry_after: bool = False,
    ) -> None:
        self.account_id = account_id
        self.clock = SandboxClock(clock)
        self.data_dir = Path(data_dir) if data_dir else None
        state_file = token_file = None
        if self.data_dir:
            state_path, token_path = state_paths(self.data_dir, account_id)
            state_file, token_file = JsonStateFile(state_path), JsonStateFile(token_path)
        self.store = AccountStore(account_id, self.clock.now, state_file)
        self._token_file = token_file
        self._token_save_lock = threading.Lock()
        self.tokens = oauth.ChainTokenStore(self.clock.now, on_change=self._save_tokens)
        if token_file and (saved := token_file.load()):
            self.tokens.load_dict(saved)
        self.client_policy = oauth.ClientPolicy(client_id, client_secret)
        self.concurrency = concurrency
        self.time_scale = time_scale
        self.limiter = RateLimiter([], max_concurrent=concurrency, time_scale=time_scale, enabled=limits)
        self.faults = FaultInjector(faults)
        self.retry_after = retry_after
        self._stats_lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._http = ServerThread(self.handle, host, port)

    # --- lifecycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def port(self) -> int:
        return self._http.port

    def start(self) -> "NetSuiteSandbox":
        self._http.start()
        log.info("NetSuite sandbox listening on %s (account %s)", self.base_url, self.account_id)
        return self

    def serve_forever(self) -> None:
        self._http.serve_forever()

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> "NetSuiteSandbox":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # --- statistics --------------------------------------------------------------------------------
    def count(self, name: str, amount: int = 1) -> None:
        with self._stats_lock:
            self._stats[name] += amount

    def stats(self) -> dict[str, Any]:
        """Requests served, 429s, faults injected, and rows per table / records per type."""
        with self._stats_lock:
            counters = dict(self._stats)
        return {"account_id": self.account_id, "counters": counters, "tables": self.store.counts(),
                "clock_offset_seconds": int(self.clock.offset_seconds)}

    def _save_tokens(self) -> None:
        if self._token_file is not None:
            with self._token_save_lock:
                self._token_file.save(self.tokens.to_dict())

    # --- request handling --------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """The app the HTTP server calls for every request."""
        self.count("requests")
        path = request.path.rstrip("/") or "/"
        if path.startswith(control.PREFIX):
            return control.handle(self, request)
        if path == AUTHORIZE_PATH and request.method == "GET":
            return oauth.authorize(request, self.tokens, self.client_policy, self.account_id)
        if path == TOKEN_PATH and request.method == "POST":
            return oauth.token(request, self.tokens, self.client_policy)
        if path == REVOKE_PATH and request.method == "POST":
            return oauth.revoke(request, self.tokens, self.client_policy)
        if path.startswith(api.REST + "/"):
            return self._api(request)
        return Response.text(404, f"Not found: {request.path}")

    def _error(self, refusal: errors.NsError) -> Response:
        self.count(f"http_{refusal.status}")
        headers = {"Content-Type": errors.CONTENT_TYPE, **refusal.headers}
        return Response.json(refusal.status, refusal.body(), headers)

    def _api(self, request: Request) -> Response:
        authorization = request.header("authorization")
        tenant, _ = (self.tokens.check_access(authorization[7:].strip()) if authorization.lower().startswith("bearer ")
                     else (None, "no bearer token"))
        if tenant != self.account_id:
            return self._error(errors.invalid_login())
        admission = self.limiter.admit(self.account_id)
        if not admission.allowed:
            self.count("throttled")
            refusal = errors.too_many_requests()
            if self.retry_after:
                refusal.headers["Retry-After"] = retry_after_header(admission.retry_after_seconds)
            return self._error(refusal)
        try:
            return self._admitted(request)
        finally:
            self.limiter.release(self.account_id)

    def _admitted(self, request: Request) -> Response:
        self.count("api_requests")
        writes = api.is_write(request)
        fault = self.faults.decide(is_write=writes)
        if fault in (Fault.ERROR_500, Fault.ERROR_503):
            self.count(f"fault_{fault.value}")
            return self._error(errors.server_error(int(fault.value)))
        if fault is Fault.DROP:
            self.count("fault_drop")
            return Response.dropped()
        if fault is Fault.THROTTLE:
            self.count("throttled")
            return self._error(errors.too_many_requests())
        latency = self.faults.latency_seconds()
        if latency:
            time.sleep(latency)
        host = request.header("host")
        context = RecordContext(self.store, self.clock.now, f"http://{host}" if host else self.base_url)
        try:
            response = api.route(context, request, concurrency=self.concurrency)
        except errors.NsError as refusal:
            response = self._error(refusal)
        if writes:
            self.count("writes")
        if fault is Fault.LOST_AFTER_COMMIT:
            self.count("fault_lost_after_commit")
            return Response.dropped()
        return response
