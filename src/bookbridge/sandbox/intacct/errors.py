"""Intacct's error shapes, as the sandbox answers them.

Every ``<error>`` has ``errorno``, ``description``, ``description2`` and ``correction``, as in
the real answers of the shared fixtures (``intacct-jfcote87``) and Intacct's error-handling page
[I5]. Numbers used: ``XL03000003`` (the request could not be read), ``XL03000006`` (sender or
user sign-in refused), ``GW-0010`` (throttled, HTTP 429), ``BL01001973`` (a business rule, told
apart by its text, as in Intacct), ``Query Failed`` (a bad object or query, as in Intacct's
answers). The wording of the "function already ran" refusal is UNCONFIRMED: the sandbox's is
its own, and says "already executed".
"""

from __future__ import annotations

from dataclasses import dataclass

from bookbridge.sandbox.common.errors import SandboxError

PARSE = "XL03000003"
CREDENTIALS = "XL03000006"
THROTTLED = "GW-0010"
BUSINESS = "BL01001973"
QUERY = "Query Failed"


@dataclass(frozen=True, slots=True)
class ErrorItem:
    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""


class FunctionFailure(SandboxError):
    """A function refused: its result carries ``status`` failure and these errors."""

    def __init__(self, *errors: ErrorItem) -> None:
        super().__init__("; ".join(e.description2 or e.description for e in errors))
        self.errors = errors


class RequestFailure(SandboxError):
    """The whole request refused at the control level (nothing ran)."""

    def __init__(self, *errors: ErrorItem, status: int = 200) -> None:
        super().__init__("; ".join(e.description2 or e.description for e in errors))
        self.errors = errors
        self.status = status


def business(text: str, correction: str = "") -> FunctionFailure:
    return FunctionFailure(ErrorItem(BUSINESS, "", text, correction))


def required(field: str, where: str) -> FunctionFailure:
    return business(f"Required field {field} is missing on {where}.", f"Provide a value for {field}.")


def invalid_reference(label: str, value: str) -> FunctionFailure:
    """The real wording for an unknown id: "Invalid Project '10064' specified." [ERP_FACTS §3.8]."""
    return business(f"Invalid {label} '{value}' specified.", f"Use an existing {label.lower()}.")


def inactive_reference(label: str, value: str) -> FunctionFailure:
    return business(f"{label} '{value}' is inactive.", f"Activate {label.lower()} {value} or choose an active one.")


def closed_period(day: str, closed_through: str) -> FunctionFailure:
    return business(
        f"Your transaction date is within a period that's been closed. The books are closed through "
        f"{closed_through}; the date {day} cannot be used.", "Use a date in an open period, or reopen the period.")


def duplicate(value: str) -> FunctionFailure:
    """Intacct's text for a unique-value clash (ERP_FACTS §3.8)."""
    return business(f"Another record with the value {value} already exists.", "Use a unique value.")


def unbalanced(debits: str, credits: str) -> FunctionFailure:
    return business(f"Debits and credits are not equal: debits {debits}, credits {credits}.",
                    "Make the debits and credits of each currency equal.")


def already_ran(controlid: str) -> FunctionFailure:
    return FunctionFailure(ErrorItem(
        BUSINESS, "", f"A function with control ID {controlid} was already executed for this company; "
        "uniqueid=true forbids running it again.", "Send a new control ID to run a new operation."))


def query_failed(text: str) -> FunctionFailure:
    return FunctionFailure(ErrorItem(QUERY, "", text, ""))


def parse_error(text: str) -> RequestFailure:
    return RequestFailure(ErrorItem(PARSE, "", f"XML Parse schema error: {text}", ""))
