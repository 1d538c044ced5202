"""Sage Intacct failures, and the one table that turns them into the typed errors of issue 4.

Intacct reports most failures inside an HTTP 200 [I5]: a ``failure`` status on the ``control``
block (nothing ran: ``XL03000003`` parse errors, ``XL03000006`` sender credentials, ``GW-0010``
throttling), on the ``authentication`` block (no function ran: bad login or expired session), or
on one ``result`` (only that function failed; the others in the request may have succeeded).

Business errors share generic numbers (``BL01001973``...) and differ in their text, so the text
decides the type: "already exists" → duplicate, a closed period, "inactive", "Invalid X 'id'
specified" → unknown reference, debits and credits "not equal" → unbalanced. A function whose
``controlid`` already ran under ``uniqueid=true`` becomes :class:`AlreadyRun`, which the connector
settles by looking the document up by our key. The exact wording of that refusal is UNCONFIRMED,
so it is recognised by meaning ("already run/executed/processed"), never by one error number.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import requests

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
from bookbridge.connectors.intacct.config import LABEL, PROVIDER
from bookbridge.connectors.intacct.xmlwire import NotXml, XmlError, XmlResponse, parse_response
from bookbridge.connectors.retry import RETRYABLE_STATUSES, parse_retry_after
from bookbridge.core.logs import redact

THROTTLE_CODE = "GW-0010"
PARSE_ERROR_CODE = "XL03000003"
CREDENTIALS_CODE = "XL03000006"
ROLLED_BACK_CODE = "XL03000009"  # "The entire transaction in this operation has been rolled back"
SIGN_IN_HTTP_CODES = frozenset({"XMLGW_JPP0002", "UJPP0002"})

_ALREADY_RUN = re.compile(r"already\s+(?:been\s+)?(?:run|executed|processed)", re.I)
_DUPLICATE = re.compile(r"already exists|duplicate", re.I)
_CLOSED = re.compile(r"period that'?s been closed|period (?:is|has been) closed|closed period|books are closed|"
                     r"date must be on or after", re.I)
_INACTIVE = re.compile(r"\binactive\b", re.I)
_UNKNOWN = re.compile(r"invalid\s+(?P<what>[\w ]+?)\s+'(?P<id>[^']*)'\s+specified|does not exist|"
                      r"could not find|not a valid", re.I)
_UNBALANCED = re.compile(r"debits and credits|not (?:equal|balanced)|unbalanced|does not balance", re.I)
_PERMISSION = re.compile(r"do not have permission", re.I)
_SUPPORT_ID = re.compile(r"\s*\[Support ID:[^\]]*\]")


class AlreadyRun(DuplicateDocument):
    """Intacct refused a function because its ``controlid`` already ran (``uniqueid=true``).

    The document was posted by an earlier attempt whose answer we did not get; the connector
    looks it up by our key. When that lookup finds nothing, this reaches the sync engine as a
    :class:`DuplicateDocument`, which it settles the same way.
    """


def readable(error: XmlError) -> str:
    """An error's text for messages: Sage's support id dropped, anything secret-looking masked."""
    text = error.text or error.errorno or "no details given"
    return redact(_SUPPORT_ID.sub("", text)).strip()


def details(errors: Sequence[XmlError]) -> tuple[FaultDetail, ...]:
    return tuple(FaultDetail(code=e.errorno, message=readable(e), detail=e.correction) for e in errors)


def _primary(errors: Sequence[XmlError]) -> XmlError:
    """The error that explains a failure: "rolled back" is only the consequence of another one."""
    for error in errors:
        if error.errorno != ROLLED_BACK_CODE:
            return error
    return errors[0] if errors else XmlError("", "", "no error details given")


def function_error(errors: Sequence[XmlError], *, function: str = "", what: str = "") -> ConnectorError:
    """The typed error for one failed function (``what`` names the document for the message)."""
    first = _primary(errors)
    text = readable(first)
    subject = f"{what}: " if what else ""
    base: dict[str, Any] = {"provider": PROVIDER, "code": first.errorno, "details": details(errors)}
    validation = {**base, "vendor_message": text}
    if _ALREADY_RUN.search(text):
        return AlreadyRun(f"{subject}{LABEL} says this document was already posted ({text})", **validation)
    if _PERMISSION.search(text):
        return AuthError(f"{subject}the {LABEL} Web Services user lacks a permission: {text}", **base)
    if _CLOSED.search(text):
        return ClosedPeriod(f"{subject}{LABEL} refused the date because the period is closed: {text}", **validation)
    if _DUPLICATE.search(text):
        return DuplicateDocument(f"{subject}{LABEL} already has a record with this number: {text}", **validation)
    if _INACTIVE.search(text):
        return InactiveReference(f"{subject}the document uses something inactive in {LABEL}: {text}", **validation)
    match = _UNKNOWN.search(text)
    if match:
        element = (match.group("what") or "").strip()
        return UnknownReference(f"{subject}the document refers to something {LABEL} does not know: {text}",
                                element=element, **validation)
    if _UNBALANCED.search(text):
        return ValidationError(f"{subject}{LABEL} says the entry does not balance: {text}", **validation)
    doing = f" ({function})" if function else ""
    return ValidationError(f"{subject}{LABEL} rejected the request{doing}: {text}", **validation)


def control_error(
    response: XmlResponse, *, http_status: int | None = None, retry_after: float | None = None
) -> ConnectorError:
    """The typed error for a request refused as a whole (``control`` status ``failure``)."""
    first = _primary(response.errors)
    text = readable(first)
    base: dict[str, Any] = {"provider": PROVIDER, "code": first.errorno, "http_status": http_status,
                            "details": details(response.errors)}
    if first.errorno == THROTTLE_CODE or http_status == 429:
        return RateLimited(f"{LABEL} asked us to slow down ({first.errorno or 'HTTP 429'}: {text})",
                           retry_after=retry_after, **base)
    if first.errorno == CREDENTIALS_CODE or first.errorno in SIGN_IN_HTTP_CODES:
        return ReconnectRequired(
            f"{LABEL} refused the Web Services sender credentials ({text}). Check the sender ID and password, and "
            "that the sender ID is authorised in the company (Company > Security > Web Services authorizations); "
            "then connect again.", **base)
    if first.errorno == PARSE_ERROR_CODE:
        return ValidationError(f"{LABEL} could not read the request Bookbridge sent ({text}); this is a Bookbridge "
                               "problem, please report it", vendor_message=text, retryable=False, **base)
    if first.errorno.startswith("GW-") and first.errorno != "GW-0011":
        return ServerError(f"{LABEL}'s gateway failed ({first.errorno}: {text})", **base)
    return ValidationError(f"{LABEL} refused the request ({first.errorno}: {text})", vendor_message=text, **base)


def authentication_error(response: XmlResponse, *, http_status: int | None = None) -> AuthError:
    """The error for a refused login or session (no function ran)."""
    errors = response.auth_errors or response.errors
    first = _primary(errors) if errors else XmlError("", "", "authentication failed")
    return AuthError(
        f"{LABEL} did not accept the company sign-in ({readable(first)})", provider=PROVIDER, code=first.errorno,
        http_status=http_status, details=details(errors),
    )


def map_response(response: requests.Response) -> ConnectorError | None:
    """The HTTP-level table: ``None`` when the answer is an XML document the caller should read.

    Control-level failures are raised here (nothing ran, whatever the HTTP status); a failed
    authentication or function inside an HTTP 200 is read by the connector, which knows which
    credentials it used and which document each function carried.
    """
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    try:
        parsed = parse_response(response.content or b"")
    except NotXml:
        if 200 <= status < 300:
            return ServerError(f"{LABEL} answered with something that is not its XML", provider=PROVIDER,
                               code="not-xml", http_status=status, retryable=True)
        return status_error(PROVIDER, LABEL, response)
    if parsed.control.status == "failure":
        return control_error(parsed, http_status=status, retry_after=retry_after)
    if status == 401 or (parsed.authentication is not None and parsed.authentication.status == "failure"
                         and not 200 <= status < 300):
        return authentication_error(parsed, http_status=status)
    if status >= 500:
        retryable = status in RETRYABLE_STATUSES
        return ServerError(f"{LABEL} failed on its side (HTTP {status})", provider=PROVIDER, code=str(status),
                           http_status=status, retryable=retryable)
    if status == 429:
        return RateLimited(f"{LABEL} asked us to slow down (HTTP 429)", provider=PROVIDER, code="429",
                           http_status=status, retry_after=retry_after)
    if not 200 <= status < 300:
        return status_error(PROVIDER, LABEL, response)
    return None
