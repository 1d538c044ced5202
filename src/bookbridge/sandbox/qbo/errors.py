"""QBO's error answers: the Fault envelope, its codes, and the HTTP statuses that carry them.

Handlers raise :class:`QboFault`; the server turns it into QBO's JSON body. Messages and details
follow the texts QBO is documented or observed to send (ERP_FACTS.md section 1.8), so a client's
error parsing is exercised against realistic answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bookbridge.sandbox.common.errors import SandboxError
from bookbridge.sandbox.qbo.timefmt import epoch_millis, response_time


@dataclass(frozen=True, slots=True)
class QboError:
    """One entry of a Fault's ``Error`` list."""

    code: str
    message: str
    detail: str
    element: str = ""

    def to_json(self) -> dict[str, str]:
        return {"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}


class QboFault(SandboxError):
    """A request QBO would refuse, with the errors, fault type and HTTP status to answer with."""

    def __init__(self, errors: list[QboError], fault_type: str = "ValidationFault", status: int = 400) -> None:
        super().__init__("; ".join(f"{e.code} {e.message}: {e.detail}" for e in errors))
        self.errors = list(errors)
        self.fault_type = fault_type
        self.status = status

    def fault_json(self) -> dict[str, Any]:
        """The ``Fault`` object alone (batch items carry it without ``time``)."""
        return {"Error": [e.to_json() for e in self.errors], "type": self.fault_type}

    def body(self, moment: datetime) -> dict[str, Any]:
        """The whole answer body, stamped with ``moment``."""
        return {"Fault": self.fault_json(), "time": response_time(moment)}


def fault(code: str, message: str, detail: str, element: str = "", *, status: int = 400) -> QboFault:
    """A one-error ValidationFault."""
    return QboFault([QboError(code, message, detail, element)], "ValidationFault", status)


# --- the faults the sandbox raises, one builder each so texts stay consistent --------------------


def required_missing(element: str) -> QboFault:
    return fault(
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element,
    )


def invalid_property(element: str, detail: str) -> QboFault:
    return fault("2010", "Request has invalid or unsupported property", f"Property Name:{detail}", element)


def malformed_body(detail: str) -> QboFault:
    return fault(
        "2310",
        "Invalid Request Body",
        f"Request body could not be parsed: {detail}",
    )


def invalid_number(element: str, value: Any) -> QboFault:
    return fault("2040", "Invalid Number", f"{element} has an invalid number: {value!r}", element)


def invalid_enumeration(element: str, value: Any, allowed: list[str]) -> QboFault:
    return fault(
        "2130", "Invalid Enumeration", f"{element}={value!r}; expected one of {', '.join(allowed)}", element
    )


def invalid_reference(kind: str, ref_id: str, element: str) -> QboFault:
    return fault("2500", "Invalid Reference Id", f"Invalid Reference Id : {kind} element id {ref_id} not found", element)


def inactive_reference(element: str) -> QboFault:
    return fault(
        "610",
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
        element,
    )


def object_not_found(entity: str, object_id: str) -> QboFault:
    return fault(
        "610",
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. "
        f"Check the fields with accounts, customers, items, vendors or employees. ({entity} {object_id})",
    )


def unbalanced(debits: Any, credits: Any) -> QboFault:
    return fault(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: The transaction is not balanced: debits {debits} do not equal credits {credits}.",
        "Line",
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QboFault:
    return fault(
        "6140",
        "Duplicate Document Number Error",
        f"Duplicate Document Number Error : You must specify a different number. This number has already "
        f"been used. DocNumber={doc_number} is assigned to TxnType={txn_type} with TxnId={txn_id}",
        "DocNumber",
    )


def duplicate_name(name: str) -> QboFault:
    return fault(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : {name}",
        "DisplayName",
    )


def period_closed() -> QboFault:
    return fault(
        "6210",
        "Account Period Closed, Cannot Update Through Services API",
        "The account period has closed and the account books cannot be updated through the QBO Services API. "
        "Please use the QBO website to make these changes.",
        "TxnDate",
    )


def stale_object(current: str) -> QboFault:
    return fault(
        "5010",
        "Stale Object Error",
        f"Stale Object Error : You and another user were working on this at the same time. "
        f"The other user finished before you did, so your work was not saved. (current SyncToken {current})",
        "SyncToken",
    )


def unsupported_operation(detail: str) -> QboFault:
    return fault("500", "Unsupported Operation", f"Operation {detail} is not supported.")


def query_parse_error(detail: str) -> QboFault:
    return fault("4000", "Error parsing query", f"QueryParserError: {detail}")


def query_validation_error(detail: str) -> QboFault:
    return fault("4001", "Invalid query", f"QueryValidationError: {detail}")


def throttled() -> QboFault:
    """429 throttle answer, as in the ThrottleExceeded fixture (JSON form, type SERVICE)."""
    return QboFault(
        [
            QboError(
                "3001",
                "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                "The request limit was reached.  Try again later",
            )
        ],
        "SERVICE",
        429,
    )


def server_error(status: int) -> QboFault:
    """An injected 500 or 503 (nothing was processed)."""
    if status == 503:
        return QboFault(
            [QboError("503", "Service Unavailable", "The service is temporarily unavailable. Try again later.")],
            "SERVICE",
            503,
        )
    return QboFault(
        [
            QboError(
                "10000",
                "An application error has occurred while processing your request",
                "System Failure Error: An unexpected error occurred while accessing or saving your data.",
            )
        ],
        "SystemFault",
        500,
    )


def authentication_body(detail: str, moment: datetime) -> dict[str, Any]:
    """The 401 body QBO sends for a bad, expired or revoked bearer token.

    Observed from the live API (python-quickbooks issue 250): lower-case ``fault``/``error``
    keys inside a wider envelope and an epoch-millisecond ``time``. Clients must read it too.
    """
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": epoch_millis(moment),
        "status": None,
        "cdcresponse": [],
    }
