"""The Intacct sandbox server: the XML gateway on one port, with sessions, limits and faults.

Pipeline for ``POST /ia/xml/xmlgw.phtml`` (logins) and ``POST /ia/xml/<company>/xmlgw.phtml``
(the session endpoint ``getAPISession`` hands out): read the request (``XL03000003``), injected
faults (500/503, dropped connection, 429), sender credentials (``XL03000006``), authentication
(login or session, bound to its endpoint), rate limits (HTTP 429 ``GW-0010``), latency, then
every function in order, each with its own result (``uniqueid=true`` refuses a ``controlid``
that already ran), then "response lost after commit" for writes. ``/__sandbox/`` is the test
control path (see :mod:`.control`).

Example:
    with IntacctSandbox(time_scale=60) as sandbox:
        print(sandbox.base_url, sandbox.company_id)
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from xml.etree.ElementTree import Element, SubElement

from bookbridge.sandbox.common.clock import SandboxClock
from bookbridge.sandbox.common.faults import Fault, FaultConfig, FaultInjector
from bookbridge.sandbox.common.http import Request, Response, ServerThread
from bookbridge.sandbox.common.ratelimit import RateLimiter, WindowLimit, retry_after_header
from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.intacct import control, errors, functions
from bookbridge.sandbox.intacct.errors import ErrorItem, FunctionFailure, RequestFailure
from bookbridge.sandbox.intacct.rest_api import PREFIX as REST_PREFIX, RestApi
from bookbridge.sandbox.intacct.sessions import SessionGrant, SessionStore
from bookbridge.sandbox.intacct.store import CompanyStore, state_paths
from bookbridge.sandbox.intacct.wire import (
    Function,
    ParsedRequest,
    control_block,
    control_failure,
    document,
    error_message,
    fill,
    parse_request,
)

log = logging.getLogger("bookbridge.sandbox.intacct")

DEFAULT_COMPANY_ID = "SandboxTrucking"
DEFAULT_SENDER_ID = "bookbridge_sandbox"
DEFAULT_USER_ID = "ws_bookbridge"
GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
XML_TYPE = 'text/xml; encoding="UTF-8"'
# Sage publishes no numbers (ERP_FACTS §3.6): 2 concurrent per company (3rd-party) and 100/min,
# the same assumption the connector's limiter makes.
INTACCT_LIMITS = [WindowLimit("per_minute", 100, 60.0)]
INTACCT_MAX_CONCURRENT = 2


class IntacctSandbox:
    """A local server that behaves like the Sage Intacct XML gateway for one company.

    Args:
        host, port: where to listen (port 0: any free port; see :attr:`base_url`).
        data_dir: directory for state files; None keeps everything in memory.
        company_id: the company users sign in to.
        sender_id, sender_password: when set, only these Web Services credentials are accepted.
        user_id, user_password: when set, only this company user can sign in.
        authorized_senders: when set, sender ids authorised for the company (others: XL03000006).
        time_scale: speed-up of rate-limit windows (60: per-minute limits apply per second).
        limits: False turns rate limiting off.
        faults: fault injection (changeable later through ``/__sandbox/faults``).
        clock: base wall clock; session_seconds: how long a session lives without calls.
        retry_after: send ``Retry-After`` with 429 answers (Intacct's practice is unconfirmed).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        company_id: str = DEFAULT_COMPANY_ID,
        sender_id: str | None = None,
        sender_password: str | None = None,
        user_id: str | None = None,
        user_password: str | None = None,
        authorized_senders: tuple[str, ...] | None = None,
        time_scale: float = 1.0,
        limits: bool = True,
        faults: FaultConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        session_seconds: int = 1800,
        retry_after: bool = True,
    ) -> None:
        self.company_id = company_id
        self.clock = SandboxClock(clock)
        self.data_dir = Path(data_dir) if data_dir else None
        state_file = session_file = None
        if self.data_dir:
            state_path, session_path = state_paths(self.data_dir, company_id)
            state_file, session_file = JsonStateFile(state_path), JsonStateFile(session_path)
        self.store = CompanyStore(company_id, self.clock.now, state_file)
        self._session_file = session_file
        self._session_lock = threading.Lock()
        self.sessions = SessionStore(self.clock.now, session_seconds, on_change=self._save_sessions)
        if session_file and (saved := session_file.load()):
            self.sessions.load_dict(saved)
        self.sender = (sender_id, sender_password)
        self.user = (user_id, user_password)
        self.authorized_senders = authorized_senders
        self.limiter = RateLimiter(INTACCT_LIMITS, max_concurrent=INTACCT_MAX_CONCURRENT, time_scale=time_scale,
                                   enabled=limits)
        self.faults = FaultInjector(faults)
        self.retry_after = retry_after
        self.results = functions.ResultSets()
        self._stats_lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        # The REST API (OAuth 2.0) on the same port and store: see rest_api.
        self.rest = RestApi(self, user_id or DEFAULT_USER_ID)
        self._http = ServerThread(self.handle, host, port)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def gateway_url(self) -> str:
        return self.base_url + GATEWAY_PATH

    @property
    def session_path(self) -> str:
        return f"/ia/xml/{self.company_id}/xmlgw.phtml"

    def start(self) -> "IntacctSandbox":
        self._http.start()
        log.info("Intacct sandbox listening on %s (company %s)", self.base_url, self.company_id)
        return self

    def serve_forever(self) -> None:
        self._http.serve_forever()

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> "IntacctSandbox":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # --- statistics --------------------------------------------------------------------------
    def count(self, name: str, amount: int = 1) -> None:
        with self._stats_lock:
            self._stats[name] += amount

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            counters = dict(self._stats)
        return {"company_id": self.company_id, "counters": counters, "objects": self.store.counts(),
                "controlids_run": self.store.runs(), "sessions": self.sessions.count(),
                "remaining": self.limiter.remaining(self.company_id),
                "clock_offset_seconds": int(self.clock.offset_seconds)}

    def _save_sessions(self) -> None:
        if self._session_file is not None:
            with self._session_lock:
                self._session_file.save(self.sessions.to_dict())

    # --- request handling --------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        self.count("requests")
        path = request.path.rstrip("/") or "/"
        if path.startswith(control.PREFIX.rstrip("/")):
            return control.handle(self, request)
        if path in (GATEWAY_PATH, self.session_path):
            if request.method != "POST":
                return Response.text(405, "The XML gateway takes POST requests only.")
            return self._gateway(request, path)
        if path.startswith(REST_PREFIX + "/"):
            return self.rest.handle(request)
        return Response.text(404, f"Not found: {request.path}")

    def _xml(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(status, body, {"Content-Type": XML_TYPE, **(headers or {})})

    def _throttled(self, seconds: float) -> Response:
        self.count("throttled")
        headers = {"Retry-After": retry_after_header(seconds)} if self.retry_after else {}
        item = ErrorItem(errors.THROTTLED, "Too many requests: the rate limit for this company was reached.",
                         "Wait and retry with backoff.", "")
        return self._xml(control_failure(None, [item]), 429, headers)

    def _gateway(self, request: Request, path: str) -> Response:
        self.count("api_requests")
        parsed: ParsedRequest | None
        try:
            parsed, unreadable = parse_request(request.body), None
        except RequestFailure as failure:
            parsed, unreadable = None, failure
        is_write = parsed is not None and any(f.name in functions.WRITES for f in parsed.functions)
        fault = self.faults.decide(is_write=is_write)
        if fault in (Fault.ERROR_500, Fault.ERROR_503):
            self.count(f"fault_{fault.value}")
            return Response.text(int(fault.value), "<html><body>Service Unavailable</body></html>", "text/html")
        if fault is Fault.DROP:
            self.count("fault_drop")
            return Response.dropped()
        if fault is Fault.THROTTLE:
            return self._throttled(1.0)
        # The gateway counts every request it receives, readable or not; this sandbox serves one
        # company, so that company's budget is the one to charge.
        admission = self.limiter.admit(self.company_id)
        if not admission.allowed:
            self.count(f"throttled_{admission.limit_name}")
            return self._throttled(admission.retry_after_seconds)
        try:
            if parsed is None or unreadable is not None:
                self.count("parse_errors")
                errors_found = unreadable.errors if unreadable is not None else ()
                return self._xml(control_failure(None, errors_found), unreadable.status if unreadable else 200)
            refusal = self._check_sender(parsed)
            if refusal is not None:
                return refusal
            grant, auth_error = self._authenticate(parsed, path)
            latency = self.faults.latency_seconds()
            if latency:
                time.sleep(latency)
            body = self._answer(parsed, grant, auth_error)
        finally:
            self.limiter.release(self.company_id)
        if fault is Fault.LOST_AFTER_COMMIT:
            self.count("fault_lost_after_commit")
            return Response.dropped()
        return self._xml(body)

    def _check_sender(self, parsed: ParsedRequest) -> Response | None:
        wanted_id, wanted_password = self.sender
        if (wanted_id and parsed.senderid != wanted_id) or (wanted_password and parsed.sender_password != wanted_password):
            self.count("sender_refused")
            item = ErrorItem(errors.CREDENTIALS, "", "Incorrect Intacct XML Partner ID or password.", "")
            return self._xml(control_failure(parsed, [item]))
        if self.authorized_senders is not None and parsed.senderid not in self.authorized_senders:
            self.count("sender_refused")
            item = ErrorItem(errors.CREDENTIALS, "", f"The sender ID '{parsed.senderid}' is not authorized to make "
                             f"Web Services requests to company '{self.company_id}'.",
                             "Add the sender ID under Company > Security > Web Services authorizations.")
            return self._xml(control_failure(parsed, [item]))
        return None

    def _authenticate(self, parsed: ParsedRequest, path: str) -> tuple[SessionGrant | None, str]:
        if parsed.login is not None:
            login = parsed.login
            wanted_user, wanted_password = self.user
            if path != GATEWAY_PATH or login["companyid"] != self.company_id or not login["userid"] \
                    or (wanted_user and login["userid"] != wanted_user) \
                    or (wanted_password and login["password"] != wanted_password) or not login["password"]:
                return None, "Sign-in information is incorrect"
            # A login is not a session: its "grant" lives only for this request.
            expires = self.clock.now() + self.sessions.lifetime
            return SessionGrant(self.company_id, login["userid"], login["locationid"], path, expires.isoformat()), ""
        grant, reason = self.sessions.use(parsed.sessionid or "", path)
        return grant, reason

    def _answer(self, parsed: ParsedRequest, grant: SessionGrant | None, auth_error: str) -> bytes:
        root = Element("response")
        control_block(root, parsed, "success")
        operation = SubElement(root, "operation")
        authentication = SubElement(operation, "authentication")
        if grant is None:
            self.count("auth_refused")
            fill(authentication, {"status": "failure", "userid": (parsed.login or {}).get("userid", ""),
                                  "companyid": (parsed.login or {}).get("companyid", "")})
            error_message(operation, [ErrorItem(errors.CREDENTIALS, "", auth_error, "")])
            return document(root)
        now = self.clock.now()
        fill(authentication, {"status": "success", "userid": grant.user_id, "companyid": grant.company_id,
                              "locationid": grant.location_id, "sessiontimestamp": now.isoformat(timespec="seconds"),
                              "sessiontimeout": self.sessions.timeout(grant).isoformat(timespec="seconds")})
        with self.store.transaction():
            snapshot = self.store.snapshot() if parsed.transaction else None
            outcomes = [self._run(parsed, function, grant) for function in parsed.functions]
            if snapshot is not None and any(isinstance(o, FunctionFailure) for o in outcomes):
                self.store.restore(snapshot)  # transaction="true": all or nothing
        for function, outcome in zip(parsed.functions, outcomes):
            self._result(operation, function, outcome, aborted=snapshot is not None and any(
                isinstance(o, FunctionFailure) for o in outcomes))
        return document(root)

    def _run(self, parsed: ParsedRequest, function: Function, grant: SessionGrant) -> functions.Outcome | FunctionFailure:
        self.count("functions")
        try:
            if parsed.uniqueid and self.store.has_run(function.controlid):
                self.count("already_run")
                raise errors.already_ran(function.controlid)
            if function.name == "getAPISession":
                outcome = self._open_session(parsed, grant)
            else:
                outcome = functions.run(self.store, self.results, function)
            if function.name in functions.WRITES:
                self.count("writes")
            if parsed.uniqueid:
                key = outcome.key or (outcome.records[0][1].get("RECORDNO") if outcome.records else None)
                self.store.remember_run(function.controlid, function.name, key)
            return outcome
        except FunctionFailure as failure:
            self.count("function_failures")
            return failure

    def _open_session(self, parsed: ParsedRequest, grant: SessionGrant) -> functions.Outcome:
        if len(parsed.functions) != 1:
            raise errors.business("getAPISession must be alone in its request.", "Send it in a request of its own.")
        session_id, _expires = self.sessions.open(company_id=grant.company_id, user_id=grant.user_id,
                                                  location_id=grant.location_id, endpoint_path=self.session_path)
        self.count("sessions_opened")
        api = {"sessionid": session_id, "endpoint": self.base_url + self.session_path,
               "locationid": grant.location_id}
        return functions.Outcome(listtype=None, records=[("api", api)])

    def _result(self, operation: Element, function: Function, outcome: functions.Outcome | FunctionFailure,
                *, aborted: bool) -> None:
        result = SubElement(operation, "result")
        if isinstance(outcome, FunctionFailure) or aborted:
            status = "failure" if isinstance(outcome, FunctionFailure) else "aborted"
            fill(result, {"status": status, "function": function.name, "controlid": function.controlid})
            items = list(outcome.errors) if isinstance(outcome, FunctionFailure) else []
            if aborted:
                items.append(ErrorItem("XL03000009", "", "The entire transaction in this operation has been rolled "
                                                         "back due to an error.", ""))
            error_message(result, items)
            return
        fill(result, {"status": "success", "function": function.name, "controlid": function.controlid})
        if outcome.key is not None:
            fill(SubElement(result, "key"), outcome.key)
        if outcome.records or outcome.listtype is not None:
            data = SubElement(result, "data")
            if outcome.listtype:
                data.set("listtype", outcome.listtype)
            for name, value in outcome.attributes.items():
                data.set(name, value)
            for tag, fields in outcome.records:
                fill(SubElement(data, tag), fields)
