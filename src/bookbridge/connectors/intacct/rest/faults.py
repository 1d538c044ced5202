"""Sage Intacct REST error answers, and the one table that turns them into typed errors.

The REST API answers failures with an HTTP status and a JSON error [I13, Sage's error-handling
guide]: ``{"ia::result": {"ia::error": {"code", "message", "errorId", "additionalInfo",
"supportId", "details": [...]}}, "ia::meta": {...}}``; token errors come as ``{"error": {...}}``
with the same fields (``REST-2102 tokenInvalid`` [I13]), and standard OAuth errors as
``{"error": "invalid_grant", "error_description": ...}``. All three shapes are read.

Statuses: 400 bad request, 401 credentials, 403 permission, 404 not found, 409 a clash on a
unique value, 422 a business rule, 429 throttled, 5xx Sage's side. Business errors share codes
and differ in text, as in the XML API, so the text decides the type (closed period, duplicate,
inactive, unknown reference, unbalanced), with the same phrases ERP_FACTS §3.8 lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    ReconnectRequired,
    ServerError,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.http import status_error
from bookbridge.connectors.intacct.rest.config import LABEL, PROVIDER, TOKEN_INVALID_CODE, TOKEN_INVALID_ID
from bookbridge.connectors.retry import RETRYABLE_STATUSES, parse_retry_after
from bookbridge.core.logs import redact

_DUPLICATE = re.compile(r"already exists|duplicate", re.I)
_CLOSED = re.compile(r"period that'?s been closed|period (?:is|has been) closed|closed period|books are closed|"
                     r"date must be on or after", re.I)
_INACTIVE = re.compile(r"\binactive\b", re.I)
_UNKNOWN = re.compile(r"invalid\s+(?P<what>[\w ]+?)\s+'(?P<id>[^']*)'\s+specified|does not exist|could not find|"
                      r"not a valid", re.I)
_UNBALANCED = re.compile(r"debits and credits|not (?:equal|balanced)|unbalanced|does not balance", re.I)
_SUPPORT_ID = re.compile(r"\s*\[Support ID:[^\]]*\]")


@dataclass(frozen=True, slots=True)
class RestError:
    """One REST error body, read from whichever of the three shapes it came in."""

    code: str
    message: str
    error_id: str = ""
    target: str = ""
    details: tuple[FaultDetail, ...] = ()

    @property
    def token_invalid(self) -> bool:
        return self.error_id == TOKEN_INVALID_ID or self.code == TOKEN_INVALID_CODE


def _clean(text: Any) -> str:
    return redact(_SUPPORT_ID.sub("", str(text or ""))).strip()


def read_error(body: Any) -> RestError | None:
    """The error in a parsed body, or ``None`` when the body is not an error."""
    if not isinstance(body, dict):
        return None
    result = body.get("ia::result")
    error = result.get("ia::error") if isinstance(result, dict) else None
    if error is None:
        error = body.get("ia::error", body.get("error"))
    if isinstance(error, str):  # RFC 6749 §5.2
        return RestError(code=error, message=_clean(body.get("error_description") or error))
    if not isinstance(error, dict):
        return None
    items = [item for item in error.get("details") or [] if isinstance(item, dict)]
    details = tuple(FaultDetail(code=str(item.get("errorId") or item.get("code") or ""),
                                message=_clean(item.get("message")), element=str(item.get("target") or ""))
                    for item in items)
    return RestError(code=str(error.get("code") or ""), message=_clean(error.get("message")),
                     error_id=str(error.get("errorId") or ""), target=str(error.get("target") or ""),
                     details=details)


def reauthorise(error: RestError, *, connection: str = "", http_status: int | None = None) -> ReconnectRequired:
    """REST-2102: another sign-in of the same user to the same company replaced this connection's."""
    name = f" '{connection}'" if connection else ""
    again = f"bookbridge connect ... --provider {PROVIDER}" + (f" --name {connection}" if connection else "")
    return ReconnectRequired(
        f"{LABEL} no longer accepts the sign-in of connection{name} ({error.error_id or error.code}: token not "
        "valid). This happens when the same Intacct user authorises Bookbridge (or another app using the same "
        "client) for this company a second time: only the newest authorisation keeps working. Connect this "
        f"connection again ({again}), and avoid authorising the same user twice.",
        provider=PROVIDER, code=error.error_id or error.code, http_status=http_status)


def error_for(error: RestError, *, http_status: int | None, retry_after: float | None = None) -> ConnectorError:
    """The typed error for one REST error answer (``http_status`` decides first, then the text)."""
    text = error.message or error.code or "no details given"
    detail_text = " ".join(d.message for d in error.details)
    both = f"{text} {detail_text}"
    code = error.error_id or error.code or str(http_status or "")
    base: dict[str, Any] = {"provider": PROVIDER, "code": code, "http_status": http_status,
                            "details": error.details or (FaultDetail(code, text, element=error.target),)}
    validation = {**base, "vendor_message": text, "element": error.target}
    if http_status == 429:
        return RateLimited(f"{LABEL} asked us to slow down ({text})", retry_after=retry_after, **base)
    if http_status == 401:
        # Renewed and resent by the HTTP layer; a token endpoint answer is judged in .auth.
        return AuthError(f"{LABEL} did not accept the connection's access token ({text})", **base)
    if http_status == 403:
        return AuthError(f"{LABEL} refused access: {text}. Check the connected user's role has the permissions "
                         "for these records, and that Bookbridge is authorised for the company.", **base)
    if (http_status or 0) >= 500:
        return ServerError(f"{LABEL} failed on its side: {text}", retryable=http_status in RETRYABLE_STATUSES, **base)
    if _CLOSED.search(both):
        return ClosedPeriod(f"{LABEL} refused the date because the period is closed: {text}", **validation)
    if http_status == 409 or _DUPLICATE.search(both):
        return DuplicateDocument(f"{LABEL} already has a record with this value: {text}", **validation)
    if _INACTIVE.search(both):
        return InactiveReference(f"the document uses something inactive in {LABEL}: {text}", **validation)
    match = _UNKNOWN.search(both)
    if match:
        validation["element"] = error.target or (match.group("what") or "").strip()
        return UnknownReference(f"the document refers to something {LABEL} does not know: {text}", **validation)
    if _UNBALANCED.search(both):
        return ValidationError(f"{LABEL} says the entry does not balance: {text}", **validation)
    return ValidationError(f"{LABEL} rejected the request: {text}", **validation)


def parse_body(content: bytes) -> Any:
    """An answer's JSON body with Decimals, or ``None`` when empty."""
    return jsonwire.loads(content) if content.strip() else None


def map_response(response: requests.Response) -> ConnectorError | None:
    """The REST status/error table for :class:`~bookbridge.connectors.http.HttpClient`."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    try:
        error = read_error(parse_body(response.content or b""))
    except ValueError:  # an HTML page from a proxy or a cut body: judged by its status alone
        error = None
    if error is None:
        return status_error(PROVIDER, LABEL, response)
    return error_for(error, http_status=status, retry_after=parse_retry_after(response.headers.get("Retry-After")))


def token_endpoint_error(response: requests.Response, *, connection: str) -> ConnectorError | None:
    """The token endpoint's table: a refused grant means connect again, REST-2102 says why."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    try:
        error = read_error(parse_body(response.content or b""))
    except ValueError:
        error = None
    if error is not None and error.token_invalid:
        return reauthorise(error, connection=connection, http_status=status)
    if status == 429 or status >= 500 or error is None:
        return map_response(response)
    if error.code in ("invalid_grant", "invalid_client", "unauthorized_client") or status in (400, 401, 403):
        return ReconnectRequired(
            f"{LABEL} no longer accepts the authorisation of connection '{connection}' ({error.code}: "
            f"{error.message}); connect it again (bookbridge connect ... --provider {PROVIDER} --name {connection}).",
            provider=PROVIDER, code=error.code, http_status=status)
    return map_response(response)
