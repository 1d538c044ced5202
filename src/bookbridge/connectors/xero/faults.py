"""Xero's error answers, and the one table that turns an answer into a typed error (ERP_FACTS.md §2.8).

Xero reports problems in four shapes:

* ``400`` ``{"ErrorNumber": 10, "Type": "ValidationException", "Message": ..., "Elements": [{...,
  "ValidationErrors": [{"Message": ...}]}]}``, and the other numbered exceptions without
  ``Elements`` (11 PostDataInvalidException, 16 QueryParseException, 17 ObjectNotFoundException...);
* ``200`` with ``?summarizeErrors=false``: each item of the answer carries its own
  ``ValidationErrors`` (and ``StatusAttributeString: "ERROR"`` or ``HasErrors: true``);
* ``401``/``403`` problem documents ``{"Title", "Status", "Detail": "TokenExpired: ..." |
  "AuthenticationUnsuccessful" | "AuthorizationUnsuccessful"}`` [X10];
* ``429`` with ``Retry-After`` and ``X-Rate-Limit-Problem`` (minute, day, concurrent, appminute).

Validation messages carry no codes, so the kind of a refusal is read from its words: lock dates
(closed period), archived references (inactive), unknown codes (unknown reference), uniqueness
(duplicate). Vendor text passes through :func:`bookbridge.core.logs.redact` before it is kept.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import requests

from bookbridge.connectors import jsonwire
from bookbridge.connectors.errors import (
    AuthError,
    ClosedPeriod,
    ConnectorError,
    DuplicateDocument,
    DuplicateName,
    FaultDetail,
    InactiveReference,
    RateLimited,
    ReconnectRequired,
    ServerError,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.http import status_error
from bookbridge.connectors.retry import RETRYABLE_STATUSES, parse_retry_after
from bookbridge.connectors.xero.config import LABEL, PROVIDER
from bookbridge.core.logs import redact

VALIDATION_EXCEPTION = "ValidationException"
_CLOSED = re.compile(r"lock date|period lock|locked period|period is locked", re.IGNORECASE)
_DUPLICATE_NAME = re.compile(r"contact name .* (already assigned|must be unique)|name .*already (exists|in use)",
                             re.IGNORECASE)
_DUPLICATE = re.compile(r"must be unique|already been used|already exists", re.IGNORECASE)
_INACTIVE = re.compile(r"archived|inactive|has been deleted", re.IGNORECASE)
_UNKNOWN = re.compile(
    r"not a valid|is invalid|does not exist|could not be found|cannot be found|not found|"
    r"does not match a recognised|requires a valid|unknown",
    re.IGNORECASE,
)
_ID_KEYS = ("ManualJournalID", "InvoiceID", "BankTransactionID", "ContactID", "AccountID")


def parse_body(content: bytes) -> Any:
    """An answer's JSON with Decimals, or ``None`` when the body is empty or not JSON."""
    if not content.strip():
        return None
    try:
        return jsonwire.loads(content)
    except ValueError:
        return None  # an HTML gateway page or a cut body: the status tells the story


def validation_messages(element: Mapping[str, Any]) -> list[str]:
    """The ``Message`` of every ``ValidationErrors`` entry of one element or item."""
    errors = element.get("ValidationErrors") or []
    return [redact(str(e.get("Message", ""))) for e in errors if isinstance(e, Mapping) and e.get("Message")]


def item_has_errors(item: Mapping[str, Any]) -> bool:
    """True for an item of a ``summarizeErrors=false`` answer that Xero refused."""
    status = str(item.get("StatusAttributeString") or "").upper()
    return status == "ERROR" or item.get("HasErrors") is True or bool(validation_messages(item))


def error_for_messages(
    messages: list[str], *, http_status: int | None, exception_type: str = VALIDATION_EXCEPTION,
    error_number: int | None = None, element: Mapping[str, Any] | None = None,
) -> ConnectorError:
    """The typed error for one refused document, from its validation messages."""
    texts = [redact(m) for m in messages] or [exception_type or "Xero refused the request"]
    described = "; ".join(texts)
    details = tuple(FaultDetail(code=str(error_number or ""), message=m, element=_element_name(element)) for m in texts)
    kwargs: dict[str, Any] = {
        "provider": PROVIDER, "code": str(error_number) if error_number is not None else exception_type,
        "http_status": http_status, "details": details, "vendor_message": texts[0],
        "element": _element_name(element),
    }
    if any(_CLOSED.search(m) for m in texts):
        return ClosedPeriod(f"{LABEL} refused the date because the period is locked: {described}", **kwargs)
    if any(_DUPLICATE_NAME.search(m) for m in texts):
        return DuplicateName(f"{LABEL} already has a contact with this name: {described}", **kwargs)
    if any(_DUPLICATE.search(m) for m in texts):
        # Xero names no existing document in a uniqueness message, so existing_id stays unknown.
        return DuplicateDocument(f"{LABEL} already has a document with this number: {described}", **kwargs)
    if any(_INACTIVE.search(m) for m in texts):
        return InactiveReference(f"the document uses something archived in {LABEL}: {described}", **kwargs)
    if any(_UNKNOWN.search(m) for m in texts):
        return UnknownReference(f"the document refers to something {LABEL} does not know: {described}", **kwargs)
    return ValidationError(f"{LABEL} rejected the document: {described}", **kwargs)


def _element_name(element: Mapping[str, Any] | None) -> str:
    if not element:
        return ""
    return next((key for key in _ID_KEYS if element.get(key)), "")


def error_for_exception(body: Mapping[str, Any], http_status: int) -> ConnectorError:
    """The typed error for a numbered Xero exception (the 400-family bodies)."""
    exception_type = str(body.get("Type") or "")
    number = body.get("ErrorNumber")
    message = redact(str(body.get("Message") or exception_type or f"HTTP {http_status}"))
    elements = [e for e in body.get("Elements") or [] if isinstance(e, Mapping)]
    if elements:
        messages = [m for e in elements for m in validation_messages(e)]
        return error_for_messages(messages or [message], http_status=http_status, exception_type=exception_type,
                                  error_number=number, element=elements[0])
    kwargs: dict[str, Any] = {"provider": PROVIDER, "code": str(number) if number is not None else exception_type,
                              "http_status": http_status, "details": (FaultDetail(str(number or ""), message),)}
    if exception_type == "ObjectNotFoundException" or http_status == 404:
        return UnknownReference(f"{LABEL} has no such object: {message}", vendor_message=message, **kwargs)
    if exception_type in ("RateLimitExceededException",):
        return RateLimited(f"{LABEL} asked us to slow down: {message}", **kwargs)
    if exception_type in ("InternalServerException", "SystemUnavailableException", "NotAvailableException",
                          "OrganisationOfflineException") or http_status >= 500:
        retryable = http_status in RETRYABLE_STATUSES or exception_type != "InternalServerException"
        return ServerError(f"{LABEL} failed on its side: {message}", retryable=retryable, **kwargs)
    if exception_type == "UnauthorisedException":
        return AuthError(f"{LABEL} did not accept the connection's credentials: {message}", **kwargs)
    return ValidationError(f"{LABEL} rejected the request: {message}", vendor_message=message, **kwargs)


def _problem_detail(body: Any) -> str:
    if isinstance(body, Mapping):
        return redact(str(body.get("Detail") or body.get("detail") or body.get("Title") or ""))
    return ""


def map_response(response: requests.Response) -> ConnectorError | None:
    """The Xero status/fault table: ``None`` for a usable answer, else the typed error.

    A ``200`` whose items carry errors is *usable*: the caller reads each item's outcome.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    body = parse_body(response.content or b"")
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "") or "minute"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited(
            f"{LABEL} asked us to slow down (HTTP 429, {problem} limit)", retry_after=retry_after,
            provider=PROVIDER, code=f"rate-limit-{problem}", http_status=429,
        )
    if status == 401:
        detail = _problem_detail(body) or "Unauthorized"
        return AuthError(f"{LABEL} did not accept the connection's credentials ({detail})", provider=PROVIDER,
                         code=detail.split(":")[0] or "401", http_status=401)
    if status == 403:
        detail = _problem_detail(body) or "Forbidden"
        return ReconnectRequired(
            f"{LABEL} refused access ({detail}): the organisation may have been disconnected from Bookbridge, "
            "or the connection lacks a permission. Connect again.",
            provider=PROVIDER, code=detail.split(":")[0] or "403", http_status=403,
        )
    if isinstance(body, Mapping) and (body.get("Type") or body.get("ErrorNumber") is not None):
        return error_for_exception(body, status)
    if status == 404:
        return UnknownReference(f"{LABEL} has no such object (HTTP 404)", provider=PROVIDER, code="404",
                                http_status=404)
    return status_error(PROVIDER, LABEL, response)
