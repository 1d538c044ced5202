"""Typed errors every connector raises, so the sync engine can decide what to do without parsing text.

Each error carries the provider, the vendor's code, whether retrying the same request can succeed,
and a sentence a bookkeeper can act on. Messages name documents and codes, never tokens or secrets:
callers pass vendor fault text through :func:`bookbridge.core.logs.redact` before it gets here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bookbridge.core.errors import BookbridgeError


@dataclass(frozen=True, slots=True)
class FaultDetail:
    """One error inside a vendor fault (QBO ``Fault.Error[]``, Xero ``ValidationErrors[]``...)."""

    code: str
    message: str
    detail: str = ""
    element: str = ""


class ConnectorError(BookbridgeError):
    """Something went wrong talking to an accounting system.

    Attributes:
        provider: registry name of the accounting system ("qbo", "xero"...).
        code: the vendor's error code, or an HTTP status / our own short code when it gave none.
        retryable: True when sending the very same request again later can succeed.
        http_status: the HTTP status of the answer, when there was one.
        details: every error the vendor listed (it may list several for one request).
        attempts: how many HTTP attempts were made before giving up (set by the HTTP layer).
    """

    default_retryable = False

    def __init__(
        self,
        user_message: str,
        *,
        provider: str,
        code: str = "",
        retryable: bool | None = None,
        http_status: int | None = None,
        details: tuple[FaultDetail, ...] = (),
    ) -> None:
        super().__init__(user_message)
        self.provider = provider
        self.code = code
        self.retryable = self.default_retryable if retryable is None else retryable
        self.http_status = http_status
        self.details = details
        self.attempts = 1

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider!r}, code={self.code!r}, "
            f"retryable={self.retryable}, http_status={self.http_status}, message={self.user_message!r})"
        )


class AuthError(ConnectorError):
    """The accounting system refused our credentials (HTTP 401/403 or an authentication fault)."""


class ReconnectRequired(AuthError):
    """The connection's tokens are expired, revoked or missing: the user must connect again."""


class ValidationError(ConnectorError):
    """The accounting system rejected the document's content; resending it unchanged cannot work.

    Attributes:
        element: the field the vendor blamed, when it named one.
        vendor_message: the vendor's own short message.
    """

    def __init__(self, user_message: str, *, element: str = "", vendor_message: str = "", **kwargs) -> None:
        super().__init__(user_message, **kwargs)
        self.element = element
        self.vendor_message = vendor_message


class DuplicateDocument(ValidationError):
    """A document with the same number already exists (QBO 6140).

    Attributes:
        existing_id: the remote id of the existing document when the vendor named it.
    """

    def __init__(self, user_message: str, *, existing_id: str | None = None, **kwargs) -> None:
        super().__init__(user_message, **kwargs)
        self.existing_id = existing_id


class DuplicateName(ValidationError):
    """A list entry (vendor, account...) with the same name already exists (QBO 6240)."""


class ClosedPeriod(ValidationError):
    """The document's date falls in a period the books have closed."""


class InactiveReference(ValidationError):
    """The document uses an account, vendor, class... that has been made inactive."""


class UnknownReference(ValidationError):
    """The document uses an id the accounting system does not know."""


class StaleObject(ValidationError):
    """The object changed remotely since we read it (QBO 5010 stale SyncToken)."""


class RateLimited(ConnectorError):
    """The accounting system asked us to slow down (HTTP 429 or a throttling fault).

    Attributes:
        retry_after: seconds the vendor asked us to wait, or ``None`` when it did not say.
    """

    default_retryable = True

    def __init__(self, user_message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(user_message, **kwargs)
        self.retry_after = retry_after


class ServerError(ConnectorError):
    """The accounting system failed on its side (HTTP 5xx or a system fault)."""

    default_retryable = True


class TransportError(ConnectorError):
    """No usable answer arrived: connection refused or cut, timeout, TLS failure.

    Attributes:
        request_sent: False when the request certainly never reached the server (connect failed),
            so resending is safe even for a write without an idempotency key.
    """

    default_retryable = True

    def __init__(self, user_message: str, *, request_sent: bool, **kwargs) -> None:
        super().__init__(user_message, **kwargs)
        self.request_sent = request_sent


class ChangeWindowExpired(ConnectorError):
    """Changes were asked for further back than the vendor keeps them (QBO CDC: 30 days)."""


class DocumentRejected(ValidationError):
    """We refused to send a document because it fails our own checks (see ``issues``)."""

    def __init__(self, user_message: str, *, issues: tuple = (), **kwargs) -> None:
        super().__init__(user_message, **kwargs)
        self.issues = issues
