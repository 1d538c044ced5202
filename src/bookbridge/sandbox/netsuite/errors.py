"""NetSuite's error answers, as the sandbox writes them (ERP_FACTS.md §4.8).

Every refusal is :class:`NsError`, which the server turns into the RFC 7807-style body REST web
services use: ``{"type", "title", "status", "o:errorDetails": [{"detail", "o:errorCode",
"o:errorPath"}]}`` with ``Content-Type: application/vnd.oracle.resource+json; type=error``.
Where NetSuite's exact wording is unconfirmed (duplicate externalId, an unbalanced entry) the
text follows its usual "Error while accessing a resource. ..." form; the codes and phrases the
connector keys on are the documented ones.
"""

from __future__ import annotations

from typing import Any

from bookbridge.sandbox.common.errors import SandboxError

_TYPES = {
    400: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1", "Bad Request"),
    401: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2", "Unauthorized"),
    403: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4", "Forbidden"),
    404: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5", "Not Found"),
    405: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6", "Method Not Allowed"),
    429: ("https://tools.ietf.org/html/rfc6585#section-4", "Too Many Requests"),
    500: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1", "Internal Server Error"),
    503: ("https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4", "Service Unavailable"),
}
CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error"
RESOURCE_ERROR = "Error while accessing a resource. "


class NsError(SandboxError):
    """One refusal: HTTP status, error code, the detail text and the field path it blames."""

    def __init__(self, status: int, code: str, detail: str, path: str = "", title: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path
        self.title = title
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        kind, title = _TYPES.get(self.status, _TYPES[400])
        detail: dict[str, Any] = {"detail": self.detail, "o:errorCode": self.code}
        if self.path:
            detail["o:errorPath"] = self.path
        return {"type": kind, "title": self.title or title, "status": self.status, "o:errorDetails": [detail]}


def user_error(message: str, path: str = "") -> NsError:
    """The usual 400 for a record NetSuite's business rules refuse."""
    return NsError(400, "USER_ERROR", RESOURCE_ERROR + message, path)


def missing_fields(labels: list[str], path: str = "") -> NsError:
    return user_error(f"Please enter value(s) for: {', '.join(labels)}.", path)


def invalid_reference(field: str, value: str, path: str = "") -> NsError:
    """A header reference that is unknown or inactive (NetSuite does not say which)."""
    return NsError(400, "USER_ERROR", f"{RESOURCE_ERROR}Invalid {field} reference key {value}.", path or field)


def invalid_field_value(field: str, value: Any, path: str) -> NsError:
    """A sublist value that is unknown, inactive or of the wrong kind."""
    return NsError(400, "INVALID_CONTENT", f"Invalid Field Value {value} for the following field: {field}", path)


def closed_period(path: str = "tranDate") -> NsError:
    return user_error("The transaction date you specified is not within the date range of your accounting period.", path)


def invalid_content(message: str, path: str = "") -> NsError:
    return NsError(400, "INVALID_CONTENT", message, path)


def invalid_parameter(message: str) -> NsError:
    return NsError(400, "INVALID_PARAMETER", message)


def not_found(message: str = "The record instance does not exist. Provide a valid record instance ID.") -> NsError:
    return NsError(404, "NONEXISTENT_ID", message)


def invalid_login() -> NsError:
    return NsError(401, "INVALID_LOGIN", "Invalid login attempt. For more details, see the Login Audit Trail in the "
                   "NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.")


def too_many_requests() -> NsError:
    return NsError(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.")


def server_error(status: int) -> NsError:
    if status == 503:
        return NsError(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Try again later.")
    return NsError(500, "UNEXPECTED_ERROR", "An unexpected error occurred. Error ID: sandbox-injected.")
