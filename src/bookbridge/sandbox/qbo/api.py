"""Routes under ``/v3/company/{realmId}/``: entities, query, batch, CDC and upload.

Every route raises :class:`QboFault` to refuse; the server turns that into QBO's Fault answer.
Authentication, rate limits, fault injection and ``requestid`` replay happen before a route runs
(see :mod:`bookbridge.sandbox.qbo.server`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.http import Request, Response
from bookbridge.sandbox.qbo import errors, operations
from bookbridge.sandbox.qbo.batch import run_batch
from bookbridge.sandbox.qbo.cdc import run_cdc
from bookbridge.sandbox.qbo.entities import SINGLETON, entity_type
from bookbridge.sandbox.qbo.query import execute
from bookbridge.sandbox.qbo.store import CompanyStore
from bookbridge.sandbox.qbo.timefmt import COMPANY_TZ, response_time

MIN_MINOR_VERSION = 65
_NOT_WRITES = {"query", "cdc"}


@dataclass(slots=True)
class ApiContext:
    """What a route needs: the company, the clock, and the handlers for the bulk routes."""

    store: CompanyStore
    now: Callable[[], datetime]
    attachments: Any = None  # AttachmentStore; set by the server

    def today(self) -> date:
        return self.now().astimezone(COMPANY_TZ).date()

    def answer(self, document: dict[str, Any], status: int = 200) -> Response:
        """A JSON answer with QBO's ``time`` stamp added."""
        return Response.json(status, {**document, "time": response_time(self.now())})


def is_write(method: str, segment: str) -> bool:
    """True for requests that can change the company (the ones ``requestid`` protects)."""
    return method == "POST" and segment.lower() not in _NOT_WRITES


def check_minor_version(request: Request) -> None:
    """Refuse requests without a supported ``minorversion`` (Bookbridge always pins one)."""
    value = request.param("minorversion")
    if value is None:
        raise errors.fault(
            "2010",
            "Request has invalid or unsupported property",
            f"minorversion is required: add ?minorversion=75 (or any version from {MIN_MINOR_VERSION})",
            "minorversion",
        )
    if not value.isdigit() or int(value) < MIN_MINOR_VERSION:
        raise errors.fault(
            "2010",
            "Request has invalid or unsupported property",
            f"minorversion={value} is not supported; use {MIN_MINOR_VERSION} or later (75 recommended)",
            "minorversion",
        )


def parse_body(request: Request) -> Any:
    """The JSON body with Decimals, or a 2000-range fault."""
    if not request.body.strip():
        raise errors.malformed_body("the request body is empty")
    try:
        return jsonio.loads(request.body)
    except ValueError as exc:
        raise errors.malformed_body(str(exc)) from None


def query_text(request: Request) -> str:
    """The statement: ``?query=`` on GET, the body (``application/text``) on POST."""
    if request.method == "POST" and request.body.strip():
        return request.body.decode("utf-8", "replace")
    return request.param("query") or ""


def route(ctx: ApiContext, request: Request, segment: str, rest: list[str]) -> Response:
    """Answer one API request (auth, limits and replay already handled)."""
    lowered = segment.lower()
    if lowered == "query" and request.method in ("GET", "POST"):
        return ctx.answer({"QueryResponse": execute(ctx.store, query_text(request))})
    if lowered == "batch" and request.method == "POST":
        body = parse_body(request)
        return ctx.answer(run_batch(ctx.store, body, ctx.today(), has_request_id=bool(request.param("requestid"))))
    if lowered == "cdc" and request.method == "GET":
        changes = run_cdc(ctx.store, request.param("entities") or "", request.param("changedSince") or "", ctx.now())
        return ctx.answer(changes)
    if lowered == "upload" and request.method == "POST":
        return ctx.answer(ctx.attachments.upload(ctx, request))
    entity = entity_type(segment)
    if entity is None:
        raise errors.unsupported_operation(f"{request.method} /{segment}")
    if request.method == "GET":
        if entity.kind == SINGLETON:
            found = ctx.store.singleton(entity.name)
        elif len(rest) == 1:
            found = operations.read(ctx.store, entity, rest[0])
        else:
            raise errors.unsupported_operation(f"GET /{segment} without an Id")
        return ctx.answer({entity.name: found})
    if request.method == "POST" and not rest:
        body = parse_body(request)
        operation = (request.param("operation") or "create").lower()
        if operation == "delete":
            return ctx.answer({entity.name: operations.delete(ctx.store, entity, body)})
        if operation == "update":
            return ctx.answer({entity.name: operations.update(ctx.store, entity, body, ctx.today())})
        if operation == "create":
            return ctx.answer({entity.name: operations.create(ctx.store, entity, body, ctx.today())})
        raise errors.unsupported_operation(f"operation={operation} on {entity.name}")
    raise errors.unsupported_operation(f"{request.method} /{segment}/{'/'.join(rest)}")
