"""Expenses a sync cannot post because they are held before it: by coding or by approval.

Coding and approvals live below the exception queue in the layers, so they keep their findings
as data (coding problems on the coding round, pending levels on the approval queue). Each sync
run turns them into exceptions, so that *every* item that cannot go through is in one queue:

* coding problems (a category the template does not map, a missing exchange rate...) become
  blockers, one exception per missing thing, source ``coding``;
* expenses awaiting approval become warnings, one per pending level, source ``approval``.

An expense that moves on (coded after a template fix, approved, or rejected and sent back) is
released from its exception on the next run; an exception with nothing left held resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bookbridge.coding.approvals import approval_queue
from bookbridge.coding.service import blocked_problems
from bookbridge.exceptions.queue import AffectedItem, fingerprint, open_by_source, release_from, report
from bookbridge.store.book import Book
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity

CODING, APPROVAL = "coding", "approval"
_CATEGORY = {
    "unmapped_category": ExceptionCategory.MAPPING,
    "no_template_version": ExceptionCategory.MAPPING,
    "unknown_approval_level": ExceptionCategory.APPROVAL,
}


@dataclass(frozen=True, slots=True)
class _Group:
    source: str
    category: ExceptionCategory
    severity: ExceptionSeverity
    cause: tuple[str, ...]
    title: str
    message: str
    expense_ids: tuple[int, ...]


@dataclass
class Upstream:
    """What is held before the sync, read once per run."""

    groups: list[_Group] = field(default_factory=list)

    @property
    def held(self) -> int:
        """Expenses held (an expense with two problems counts once)."""
        return len({i for g in self.groups for i in g.expense_ids})


def read_upstream(book: Book) -> Upstream:
    """Coding problems and pending approvals, grouped as the exceptions they become."""
    found = Upstream()
    for problem in blocked_problems(book):
        category = _CATEGORY.get(problem.kind, ExceptionCategory.VALIDATION)
        found.groups.append(_Group(
            CODING, category, ExceptionSeverity.BLOCKER, ("coding", problem.kind, problem.subject),
            f"Cannot be coded: {problem.message.split(': ', 1)[-1]}"[:300],
            f"{problem.message}. Fix it (mapping template, rates or approval policy), then code again "
            "(`bookbridge code BOOK`); the expenses post on the next sync.",
            problem.expense_ids,
        ))
    waiting: dict[str, tuple[list[int], str]] = {}
    for item in approval_queue(book, include_rejected=False):
        if not item["pending"]:
            continue
        level = item["pending"][0]
        ids, _ = waiting.setdefault(level["level"], ([], level["approvers"]))
        ids.append(item["id"])
    for level, (ids, approvers) in sorted(waiting.items()):
        found.groups.append(_Group(
            APPROVAL, ExceptionCategory.APPROVAL, ExceptionSeverity.WARNING, ("approval", level),
            f"{len(ids)} expense(s) wait for approval: {level}",
            f"{len(ids)} expense(s) wait for the '{level}' approval ({approvers}) before they can post: "
            "`bookbridge approve BOOK --as NAME ...`.",
            tuple(sorted(ids)),
        ))
    return found


def report_upstream(session: Session, upstream: Upstream) -> set[int]:
    """Raise or repeat the exceptions of ``upstream``; release what moved on. Returns the exception ids."""
    ids = set()
    current = {}
    for group in upstream.groups:
        reported = report(
            session, category=group.category, severity=group.severity, title=group.title, message=group.message,
            cause=group.cause, items=[AffectedItem("expense", str(i)) for i in group.expense_ids], source=group.source,
        )
        ids.add(reported.exception_id)
        current[fingerprint(group.category, None, group.cause)] = {str(i) for i in group.expense_ids}
    for source in (CODING, APPROVAL):
        for record in open_by_source(session, source):
            still = current.get(record.fingerprint, set())
            gone = [item.ref for item in record.items if item.kind == "expense" and item.ref not in still]
            if gone:
                release_from(session, record.id, "expense", gone, actor="sync",
                             note="the expenses are no longer held here (coded, approved or sent back)")
    return ids
