"""Turning what stops a document into exceptions a person can work through (issue 5 §5).

Three sources: problems found before sending (an account missing in the accounting system, a
closed period...), refusals from the accounting system (typed connector errors), and problems
with the connection itself (revoked tokens, throttling that outlasted our patience). Each is
reported under a stable *cause*, so the same problem on the next run counts as a repetition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy.orm import Session

from bookbridge.connectors.errors import (
    AuthError,
    ClosedPeriod,
    ConnectorError,
    DocumentRejected,
    InactiveReference,
    RateLimited,
    UnknownReference,
)
from bookbridge.exceptions.queue import AffectedItem, report, resolve_cause
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity
from bookbridge.sync.mapping import Problem

SOURCE = "sync"
AUTH_CAUSE = ("connection", "credentials")
THROTTLE_CAUSE = ("connection", "throttled")


@dataclass
class ProblemGroup:
    """One cause and every expense it holds back in this run."""

    problem: Problem
    expenses: dict[int, str] = field(default_factory=dict)  # id -> label
    outbox_ids: set[int] = field(default_factory=set)


def expense_label(expense_key: str, date_text: str, amount_text: str) -> str:
    return f"{date_text} {amount_text} ({expense_key[:12]})"


def report_group(session: Session, group: ProblemGroup, *, connection: str) -> int:
    """Raise (or repeat) the exception of one cause; returns its id."""
    count = len(group.expenses)
    items = [AffectedItem("expense", str(i), label) for i, label in sorted(group.expenses.items())]
    items += [AffectedItem("outbox", str(i)) for i in sorted(group.outbox_ids)]
    problem = group.problem
    return report(
        session, category=problem.category, severity=problem.severity, title=problem.title,
        message=f"{count} expense(s) held back. {problem.fix}", cause=problem.cause, items=items,
        source=SOURCE, connection=connection,
    ).exception_id


def rejection_category(error: ConnectorError) -> ExceptionCategory:
    """The queue category of a refusal by the accounting system."""
    if isinstance(error, ClosedPeriod):
        return ExceptionCategory.CLOSED_PERIOD
    if isinstance(error, UnknownReference):
        return ExceptionCategory.MAPPING
    if isinstance(error, (InactiveReference, DocumentRejected)):
        return ExceptionCategory.VALIDATION
    return ExceptionCategory.REJECTED


def report_rejection(
    session: Session, error: ConnectorError, *, connection: str, label: str, outbox_id: int,
    doc_number: str | None, expenses: Iterable[int],
) -> int:
    """An exception for a document the accounting system (or our pre-send check) refused."""
    element = getattr(error, "element", "") or ""
    vendor_message = getattr(error, "vendor_message", "") or error.user_message
    items = [AffectedItem("outbox", str(outbox_id), doc_number)]
    items += [AffectedItem("expense", str(e)) for e in sorted(expenses)]
    what = "checked and refused" if isinstance(error, DocumentRejected) else "refused"
    fix = ("Correct the cause (the mapping, the reference in the accounting system, the date), then resolve this "
           "exception: the documents go out again as new revisions on the next sync.")
    return report(
        session,
        category=rejection_category(error),
        severity=ExceptionSeverity.BLOCKER,
        title=f"{label} {what} documents: {vendor_message}"[:300],
        message=f"{error.user_message} {fix}",
        cause=("rejected", type(error).__name__, error.code or "", element, vendor_message[:200]),
        items=items,
        detail={"code": error.code, "element": element, "http_status": error.http_status,
                "errors": [{"code": d.code, "message": d.message, "detail": d.detail, "element": d.element}
                           for d in error.details]},
        source=SOURCE,
        connection=connection,
    ).exception_id


def report_connection(session: Session, error: ConnectorError, *, connection: str, provider: str, label: str,
                      waiting: int) -> int:
    """A problem with the connection itself: credentials or throttling.

    ``provider`` is the connection's registry name: `bookbridge connect` requires --provider, so
    the command suggested to reconnect must name it to parse.
    """
    if isinstance(error, AuthError):
        category, cause, severity = ExceptionCategory.AUTH, AUTH_CAUSE, ExceptionSeverity.BLOCKER
        title = f"{label} connection '{connection}' needs to be connected again"
        fix = (f"Run `bookbridge connect BOOK --provider {provider} --name {connection}` (or Connect in the app), "
               "then sync again; this exception resolves itself once the connection works.")
    elif isinstance(error, RateLimited):
        category, cause, severity = ExceptionCategory.RATE_LIMIT, THROTTLE_CAUSE, ExceptionSeverity.WARNING
        title = f"{label} kept asking Bookbridge to slow down"
        fix = "Nothing to do: the waiting documents go out on the next sync (or sync later, outside busy hours)."
    else:
        category, cause, severity = ExceptionCategory.REJECTED, ("connection", type(error).__name__), ExceptionSeverity.WARNING
        title = f"{label} could not be reached or failed"
        fix = "The waiting documents go out again, with the same keys, on the next sync."
    return report(
        session, category=category, severity=severity, title=title,
        message=f"{error.user_message}. {waiting} document(s) waiting. {fix}", cause=cause,
        source=SOURCE, connection=connection,
    ).exception_id


def connection_works(session: Session, *, connection: str) -> None:
    """The connection answered: resolve a credentials exception left by an earlier run."""
    resolve_cause(session, category=ExceptionCategory.AUTH, cause=AUTH_CAUSE, connection=connection,
                  actor=SOURCE, note="the connection works again")


def throttling_over(session: Session, *, connection: str) -> None:
    resolve_cause(session, category=ExceptionCategory.RATE_LIMIT, cause=THROTTLE_CAUSE, connection=connection,
                  actor=SOURCE, note="every waiting document went through")

