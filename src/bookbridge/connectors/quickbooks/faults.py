"""QuickBooks Online faults, and the one table that turns an answer into a typed error.

QBO reports errors as ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}}``,
sometimes with HTTP 200 [Q12], and its 401 answers spell the same keys in lower case. XML answers
(``IntuitResponse``) carry the same structure and are read with defusedxml. Codes from
ERP_FACTS.md §1.8: 6140 duplicate DocNumber, 6210 closed period, 610 inactive reference,
"Invalid Reference Id" unknown reference, 5010 stale SyncToken, 6240 duplicate name,
3001 throttling, 3200/120 authentication, 6190 subscription ended.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import ParseError

import requests
from defusedxml import ElementTree

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
    ServerError,
    StaleObject,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.http import status_error
from bookbridge.connectors.quickbooks.config import LABEL, PROVIDER
from bookbridge.connectors.retry import RETRYABLE_STATUSES, parse_retry_after
from bookbridge.core.logs import redact

THROTTLE_CODES = frozenset({"3001"})
AUTH_CODES = frozenset({"3200", "120", "100"})
_XML_LISTS = frozenset({"Error", "BatchItemResponse", "AttachableResponse", "Line"})
_TXN_ID = re.compile(r"TxnId\s*=\s*(\d+)")
# QBO's service faults read "message=ThrottleExceeded; errorCode=003001; statusCode=403".
_MACHINE_MESSAGE = re.compile(r"message=(?P<msg>[^;]*);\s*errorCode=(?P<code>\d+);\s*statusCode=(?P<status>\d+)")


def _readable(text: str) -> str:
    """Vendor text made safe for messages: machine-formatted parts spelled out, secrets masked.

    The rewrite comes first because the generic redaction masks anything after ``code=``.
    """
    text = _MACHINE_MESSAGE.sub(lambda m: f"{m['msg']} (error {m['code']}, HTTP {m['status']})", text)
    return redact(text)


def _get(obj: dict, name: str) -> Any:
    """``obj[name]`` ignoring case (QBO's 401 answers use ``fault``/``error``/``message``)."""
    if name in obj:
        return obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if key.lower() == lowered:
            return value
    return None


def find_fault(body: Any) -> dict | None:
    """The ``Fault`` object of a parsed answer, or ``None``."""
    return _get(body, "Fault") if isinstance(body, dict) else None


def fault_details(fault: dict) -> tuple[str, tuple[FaultDetail, ...]]:
    """The fault's type and its errors."""
    errors = _get(fault, "Error") or []
    if isinstance(errors, dict):
        errors = [errors]
    details = tuple(
        FaultDetail(
            code=str(_get(e, "code") or ""),
            message=_readable(str(_get(e, "Message") or "")),
            detail=_readable(str(_get(e, "Detail") or "")),
            element=str(_get(e, "element") or ""),
        )
        for e in errors
        if isinstance(e, dict)
    )
    return str(_get(fault, "type") or ""), details


def error_for_fault(
    fault: dict, *, http_status: int | None = None, retry_after: float | None = None
) -> ConnectorError:
    """The typed error for one QBO fault (used for whole answers and for batch items alike)."""
    fault_type, details = fault_details(fault)
    first = details[0] if details else FaultDetail(code="", message=fault_type or "unknown fault")
    code = first.code
    text = f"{first.message} {first.detail}".lower()
    described = first.message + (f": {first.detail}" if first.detail and first.detail != first.message else "")
    kwargs: dict[str, Any] = {"provider": PROVIDER, "code": code, "http_status": http_status, "details": details}
    validation = {"element": first.element, "vendor_message": first.message, **kwargs}

    if code in THROTTLE_CODES or "throttle" in text or http_status == 429:
        return RateLimited(f"{LABEL} asked us to slow down ({described})", retry_after=retry_after, **kwargs)
    if http_status == 401 or code in AUTH_CODES or fault_type.lower().startswith("authentication"):
        return AuthError(f"{LABEL} did not accept the connection's credentials ({described})", **kwargs)
    if fault_type.lower() == "authorizationfault" or http_status == 403:
        return AuthError(f"{LABEL} refused access: {described}. Check the connected user's permissions.", **kwargs)
    if code == "6190":
        return ConnectorError(f"{LABEL} says the company's subscription has ended: {described}", **kwargs)
    if code == "6140":
        match = _TXN_ID.search(first.detail)
        return DuplicateDocument(
            f"{LABEL} already has a document with this number: {described}",
            existing_id=match.group(1) if match else None, **validation,
        )
    if code == "6240":
        return DuplicateName(f"{LABEL} already has an entry with this name: {described}", **validation)
    if code == "6210" or "period closed" in text or "closed period" in text:
        return ClosedPeriod(
            f"{LABEL} refused the date because the books are closed for that period: {described}", **validation
        )
    if code == "610" or "made inactive" in text:
        return InactiveReference(f"the document uses something made inactive in {LABEL}: {described}", **validation)
    if code == "2500" or "invalid reference" in text:
        return UnknownReference(f"the document refers to something {LABEL} does not know: {described}", **validation)
    if code == "5010":
        return StaleObject(f"the object changed in {LABEL} since it was read: {described}", **validation)
    if (http_status or 0) >= 500 or fault_type.lower() in ("systemfault", "system"):
        retryable = http_status is None or http_status in RETRYABLE_STATUSES or http_status < 300
        return ServerError(f"{LABEL} failed on its side: {described}", retryable=retryable, **kwargs)
    return ValidationError(f"{LABEL} rejected the request: {described}", **validation)


def parse_body(content: bytes, content_type: str = "") -> Any:
    """An answer's body as data: JSON (Decimals) or QBO XML turned into the same shape."""
    text = content.strip()
    if not text:
        return None
    if text[:1] == b"<" or "xml" in content_type.lower():
        return xml_to_dict(content)
    return jsonwire.loads(content)


def map_response(response: requests.Response) -> ConnectorError | None:
    """The QBO status/fault table: ``None`` for a usable answer, else the typed error."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    content = response.content or b""
    # Cheap pre-check so large successful answers are not parsed twice just to look for a Fault.
    if 200 <= status < 300 and b"ault" not in content:
        return None
    try:
        body = parse_body(content, response.headers.get("Content-Type", ""))
    except (ValueError, ParseError):  # not JSON/XML: an HTML page from a gateway, a cut body...
        body = None
    fault = find_fault(body)
    if fault is not None:
        return error_for_fault(fault, http_status=status, retry_after=retry_after)
    if 200 <= status < 300:
        return None
    return status_error(PROVIDER, LABEL, response)


def xml_to_dict(content: bytes) -> dict:
    """QBO XML (``IntuitResponse``) as the dict its JSON form would be, namespaces dropped.

    Attributes become keys, leaf elements become text, and elements QBO repeats (Error,
    BatchItemResponse...) always become lists. Parsed with defusedxml: no entity expansion.
    """
    root = ElementTree.fromstring(content)
    return _element(root)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _element(element: Any) -> Any:
    children = list(element)
    if not children and not element.attrib:
        return (element.text or "").strip()
    result: dict[str, Any] = dict(element.attrib)
    for child in children:
        name = _local(child.tag)
        value = _element(child)
        if name in _XML_LISTS:
            result.setdefault(name, []).append(value)
        elif name in result:
            existing = result[name]
            result[name] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            result[name] = value
    return result
