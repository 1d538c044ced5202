"""Xero's error answers: numbered exceptions, validation elements, problem documents for 401/403.

Handlers raise :class:`XeroRefusal`; the server turns it into the JSON body and status Xero
answers with (ERP_FACTS.md §2.8). Exception numbers follow Xero's published list (10 validation,
11 post data invalid, 16 query parse, 17 object not found, 23 internal, 25 not available).
Validation texts are the ones Xero is documented or observed to send where known; the others are
modelled on them and say so in :mod:`bookbridge.sandbox.xero.rules`.
"""

from __future__ import annotations

import uuid
from typing import Any

from bookbridge.sandbox.common.errors import SandboxError

VALIDATION = (10, "ValidationException", "A validation exception occurred")
POST_DATA_INVALID = (11, "PostDataInvalidException", "The request body could not be read")
QUERY_PARSE = (16, "QueryParseException", "The query could not be parsed")
NOT_FOUND = (17, "ObjectNotFoundException", "The resource you're looking for cannot be found")
METHOD_NOT_ALLOWED = (22, "MethodNotAllowedException", "The method is not allowed for this resource")
INTERNAL = (23, "InternalServerException", "An error occurred in Xero. Check the API Status page for updates.")
NOT_AVAILABLE = (25, "NotAvailableException", "The Xero API is temporarily unavailable")


class XeroRefusal(SandboxError):
    """A request Xero would refuse: the HTTP status and the body to answer with."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {body.get('Message') or body.get('Detail') or ''}")
        self.status = status
        self.body = body


def exception(kind: tuple[int, str, str], message: str | None = None, *, status: int = 400,
              elements: list[dict[str, Any]] | None = None) -> XeroRefusal:
    number, name, default = kind
    body: dict[str, Any] = {"ErrorNumber": number, "Type": name, "Message": message or default}
    if elements is not None:
        body["Elements"] = elements
    return XeroRefusal(status, body)


def validation(elements: list[dict[str, Any]]) -> XeroRefusal:
    """The 400 ValidationException listing each refused element with its ``ValidationErrors``."""
    return exception(VALIDATION, elements=elements)


def element_with_errors(element: dict[str, Any], messages: list[str]) -> dict[str, Any]:
    """An element echoed back with its errors, as Xero lists it in ``Elements`` or in a 200 answer."""
    return {**element, "StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": m} for m in messages]}


def post_data_invalid(message: str) -> XeroRefusal:
    return exception(POST_DATA_INVALID, message)


def query_parse(message: str) -> XeroRefusal:
    return exception(QUERY_PARSE, message)


def not_found(what: str = "") -> XeroRefusal:
    message = NOT_FOUND[2] + (f": {what}" if what else "")
    return exception(NOT_FOUND, message, status=404)


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    """The problem document of a 401/403/429 (``Type`` is null in Xero's own answers) [X10]."""
    return {"Type": None, "Title": title, "Status": status, "Detail": detail,
            "Instance": str(uuid.uuid4()), "Extensions": {}}
