"""NetSuite error answers, and the one table that turns them into typed errors.

REST web services answer errors in an RFC 7807-style body [N12]::

    {"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
     "title": "Bad Request", "status": 400,
     "o:errorDetails": [{"detail": "...", "o:errorCode": "INVALID_CONTENT", "o:errorPath": "line.items[0].account"}]}

Codes and texts recognised (ERP_FACTS.md §4.8): ``INVALID_LOGIN`` (401), "Invalid Field Value" and
"Invalid {field} reference key" (a reference NetSuite does not accept), "The transaction date you
specified is not within the date range of your accounting period" (closed or missing period),
a record that already exists (duplicate ``externalId``; NetSuite's exact code is unconfirmed, so
``DUP_RCRD`` and the wording are both accepted), ``IDEMPOTENCY_ERROR`` (a repeated async request),
429 and the concurrency codes, ``NONEXISTENT_ID`` (404), and 5xx.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from bookbridge.connectors import jsonwire
from bookbridge.connectors.errors import (
    AuthError,
    ClosedPeriod,
    ConnectorError,
    DuplicateDocument,
    FaultDetail,
    InactiveReference,
    RateLimited,
    ServerError,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.http import status_error
from bookbridge.connectors.netsuite.config import LABEL, PROVIDER
from bookbridge.connectors.retry import RETRYABLE_STATUSES, parse_retry_after
from bookbridge.core.logs import redact

AUTH_CODES = frozenset({"INVALID_LOGIN", "INVALID_LOGIN_ATTEMPT", "INVALID_TOKEN"})
PERMISSION_CODES = frozenset({"INSUFFICIENT_PERMISSION", "USER_ERROR_PERMISSION"})
THROTTLE_CODES = frozenset({"CONCURRENCY_LIMIT_EXCEEDED", "SSS_REQUEST_LIMIT_EXCEEDED", "WS_REQUEST_BLOCKED"})
DUPLICATE_CODES = frozenset({"DUP_RCRD", "DUP_ENTITY", "DUPLICATE_EXTERNAL_ID"})
NOT_FOUND_CODES = frozenset({"NONEXISTENT_ID", "RCRD_DSNT_EXIST"})

CLOSED_PERIOD_TEXTS = ("not within the date range of your accounting period", "period is closed", "period is locked")
_REFERENCE_KEY = re.compile(r"invalid (?P<field>[\w ]+?) reference key (?P<id>[^\s.]+)", re.IGNORECASE)
_FIELD_VALUE = re.compile(r"invalid field value (?P<id>\S+) for the following field: (?P<field>[\w.\[\]]+)", re.IGNORECASE)
_RECORD_ID = re.compile(r"/(\d+)\s*$")


def problem_details(body: Any) -> tuple[str, tuple[FaultDetail, ...]] | None:
    """The title and details of an error body, or ``None`` when ``body`` is not one."""
    if not isinstance(body, dict) or "o:errorDetails" not in body:
        return None
    details = tuple(
        FaultDetail(
            code=str(item.get("o:errorCode") or ""),
            message=redact(str(item.get("detail") or "")),
            element=str(item.get("o:errorPath") or ""),
        )
        for item in body.get("o:errorDetails") or []
        if isinstance(item, dict)
    )
    return str(body.get("title") or ""), details


def referenced_field(detail: FaultDetail) -> tuple[str, str] | None:
    """``(field, id)`` named by an invalid-reference message, or ``None``."""
    for pattern in (_REFERENCE_KEY, _FIELD_VALUE):
        match = pattern.search(detail.message)
        if match:
            field = match["field"].strip().rsplit(".", 1)[-1]
            return re.sub(r"\[\d+\]$", "", field), match["id"].rstrip(".,")
    return None


def error_for_problem(
    title: str, details: tuple[FaultDetail, ...], *, http_status: int | None, retry_after: float | None = None
) -> ConnectorError:
    """The typed error for one NetSuite error body."""
    first = details[0] if details else FaultDetail(code="", message=title or "unknown error")
    code, text = first.code, first.message.lower()
    described = first.message or title
    kwargs: dict[str, Any] = {"provider": PROVIDER, "code": code or str(http_status or ""), "http_status": http_status,
                              "details": details}
    validation = {"element": first.element, "vendor_message": first.message, **kwargs}

    if http_status == 429 or code in THROTTLE_CODES:
        return RateLimited(f"{LABEL} asked us to slow down ({described})", retry_after=retry_after, **kwargs)
    if http_status == 401 or code in AUTH_CODES:
        return AuthError(f"{LABEL} did not accept the connection's credentials ({described})", **kwargs)
    if http_status == 403 or code in PERMISSION_CODES:
        return AuthError(
            f"{LABEL} refused access: {described}. Check the role chosen when connecting has the permissions "
            "for these records.", **kwargs,
        )
    if (http_status or 0) >= 500:
        return ServerError(f"{LABEL} failed on its side: {described}",
                           retryable=http_status in RETRYABLE_STATUSES, **kwargs)
    if any(phrase in text for phrase in CLOSED_PERIOD_TEXTS):
        return ClosedPeriod(
            f"{LABEL} refused the date because its accounting period is closed or not set up: {described}", **validation
        )
    if code in DUPLICATE_CODES or code == "IDEMPOTENCY_ERROR" or "already exists" in text:
        return DuplicateDocument(f"{LABEL} already has this record: {described}", **validation)
    reference = next((r for r in map(referenced_field, details) if r is not None), None)
    if reference is not None:
        field, value = reference
        validation["element"] = first.element or field
        if "inactive" in text:
            return InactiveReference(f"the document uses a {field} made inactive in {LABEL}: {described}", **validation)
        return UnknownReference(f"the document uses a {field} {LABEL} does not accept ({value}): {described}",
                                **validation)
    return ValidationError(f"{LABEL} rejected the request: {described}", **validation)


def parse_body(content: bytes) -> Any:
    """An answer's JSON body with Decimals, or ``None`` when empty."""
    return jsonwire.loads(content) if content.strip() else None


def map_response(response: requests.Response) -> ConnectorError | None:
    """The NetSuite status/error table: ``None`` for a usable answer, else the typed error."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    try:
        body = parse_body(response.content or b"")
    except ValueError:  # an HTML page from a proxy or a cut body: judged by its status alone
        body = None
    problem = problem_details(body)
    if problem is None:
        return status_error(PROVIDER, LABEL, response)
    title, details = problem
    return error_for_problem(title, details, http_status=status,
                             retry_after=parse_retry_after(response.headers.get("Retry-After")))


def record_id_from_location(location: str | None) -> str | None:
    """The internal id at the end of a ``Location`` header (``.../journalEntry/1234``)."""
    match = _RECORD_ID.search(location or "")
    return match.group(1) if match else None
