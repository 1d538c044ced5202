"""Approvals: the policy in the book, approving and rejecting expenses, the approval queue.

Lifecycle (statuses from :class:`bookbridge.store.models.ExpenseStatus`):

* Coding (``coding.service``) stores the levels an expense needs on its coding round and sets it
  AWAITING_APPROVAL, or APPROVED straight away when the policy asks for no level.
* ``approve`` records one level per call and person: the earliest pending level the person may
  approve. When every required level is approved the expense becomes APPROVED (postable).
* The same person may not approve two levels of one expense, nor their own expense.
* ``reject`` sends the expense back (REJECTED) with the reason; the decision stays in its history.
* Decisions belong to a coding round: re-coding after an edit starts a new round, so approval is
  re-opened, while the earlier decisions remain visible in the history.

Every decision and policy change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.approval_policy import (
    FieldCondition,
    Level,
    LevelCondition,
    Policy,
    person_key,
    policy_to_document,
)
from bookbridge.core import clock
from bookbridge.core.errors import BookbridgeError, NotFound, UsageError
from bookbridge.core.keys import canonical_json
from bookbridge.core.money import Money, parse_decimal
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import (
    ApprovalDecision,
    ApprovalLevel,
    ApprovalRecord,
    ApproverRole,
    CodingResult,
    Employee,
    Expense,
    ExpenseStatus,
)


class ApprovalRefused(BookbridgeError):
    """An approval or rejection was refused; the message says why and what to do."""


# --- the policy in the book ----------------------------------------------------------------


def load_policy(session: Session) -> Policy:
    """The policy stored in the book (an empty policy when none was set)."""
    levels = []
    for row in session.scalars(sa.select(ApprovalLevel).order_by(ApprovalLevel.position, ApprovalLevel.id)):
        when = json.loads(row.condition_json or "{}")
        approvers = json.loads(row.approvers_json)
        condition = LevelCondition(
            amount_over=parse_decimal(when["amount_over"]) if when.get("amount_over") else None,
            categories=tuple(when.get("category", ())),
            fields=tuple(FieldCondition(f["name"], f["op"], f["value"]) for f in when.get("fields", ())),
            flagged=when.get("flagged") == "true",
        )
        levels.append(Level(row.name, condition, tuple(approvers.get("roles", ())), tuple(approvers.get("names", ()))))
    people: dict[str, set[str]] = {}
    for person, role in session.execute(sa.select(ApproverRole.person, ApproverRole.role)):
        people.setdefault(person, set()).add(role)
    return Policy(tuple(levels), {person: frozenset(roles) for person, roles in people.items()})


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """The level names before and after a policy replacement (what the GUI refreshes)."""

    before: tuple[str, ...]
    after: tuple[str, ...]


def replace_policy(book: Book, policy: Policy, *, actor: str) -> PolicyChange:
    """Replace the book's approval policy; affects coding rounds made from now on."""
    document = policy_to_document(policy)
    with book.unit_of_work() as session:
        before = [level.name for level in load_policy(session).levels]
        session.execute(sa.delete(ApprovalLevel))
        session.execute(sa.delete(ApproverRole))
        now = clock.now()
        for position, item in enumerate(document["levels"], start=1):
            session.add(
                ApprovalLevel(
                    name=item["name"],
                    position=position,
                    condition_json=canonical_json(item.get("when", {})),
                    approvers_json=canonical_json(item["approvers"]),
                    created_at=now,
                )
            )
        for person, roles in document["people"].items():
            session.add_all(ApproverRole(person=person, role=role) for role in roles)
        audit.record(session, "approval_policy.replace", actor=actor, entity_type="approval_policy",
                     before=before, after=[level.name for level in policy.levels], policy=document)
    return PolicyChange(tuple(before), tuple(level.name for level in policy.levels))


# --- state of one expense ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """One recorded decision, for history and the queue."""

    level: str
    decision: str
    actor: str
    at: datetime
    comment: str | None
    coding_round: int
    current: bool


def current_round(session: Session, expense_id: int) -> CodingResult | None:
    """The expense's current coding round (the one not superseded), if any."""
    return session.scalars(
        sa.select(CodingResult)
        .where(CodingResult.expense_id == expense_id, CodingResult.superseded_at.is_(None))
        .order_by(CodingResult.id.desc())
    ).first()


def required_levels(result: CodingResult | None) -> list[str]:
    return [] if result is None else list(json.loads(result.required_levels_json))


def history(session: Session, expense_id: int) -> list[Decision]:
    """Every decision ever made on the expense, oldest first, marking the current round's."""
    current = current_round(session, expense_id)
    rows = session.scalars(
        sa.select(ApprovalRecord).where(ApprovalRecord.expense_id == expense_id).order_by(ApprovalRecord.id)
    )
    return [
        Decision(r.level, r.decision.value, r.actor, r.at, r.comment, r.coding_result_id,
                 current is not None and r.coding_result_id == current.id)
        for r in rows
    ]


def _approved_in_round(session: Session, result: CodingResult) -> dict[str, str]:
    """Level name (compare key) → who approved it, in this round."""
    rows = session.scalars(
        sa.select(ApprovalRecord).where(
            ApprovalRecord.coding_result_id == result.id, ApprovalRecord.decision == ApprovalDecision.APPROVED
        )
    )
    return {person_key(r.level): r.actor for r in rows}


def pending_levels(session: Session, result: CodingResult | None) -> list[str]:
    """The required levels nobody has approved yet in this round, in policy order."""
    if result is None:
        return []
    approved = _approved_in_round(session, result)
    return [level for level in required_levels(result) if person_key(level) not in approved]


def _employee_name(session: Session, expense: Expense) -> str | None:
    employee = None if expense.employee_id is None else session.get(Employee, expense.employee_id)
    return None if employee is None else employee.name


# --- approving and rejecting -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApprovalOutcome:
    """What happened to one expense in an approve or reject run.

    Attributes:
        expense_id: the expense.
        done: True when a decision was recorded.
        level: the level decided (empty when refused).
        status: the expense status afterwards.
        message: one sentence for a person (why refused, or what was recorded).
    """

    expense_id: int
    done: bool
    level: str
    status: str
    message: str


def approve(
    book: Book,
    *,
    actor: str,
    expense_ids: Sequence[int] | None = None,
    all_eligible: bool = False,
    comment: str | None = None,
) -> list[ApprovalOutcome]:
    """Approve the next level ``actor`` may approve on each expense.

    With ``all_eligible`` every expense awaiting a level ``actor`` may approve is approved and the
    others are left alone; with ``expense_ids`` each listed expense is approved or refused with a
    reason. Runs in one transaction.
    """
    if not actor.strip():
        raise UsageError("Say who is approving with --as NAME.")
    if all_eligible == (expense_ids is not None):
        raise UsageError("Give either --all-eligible or --id ID..., not both and not neither.")
    outcomes: list[ApprovalOutcome] = []
    with book.unit_of_work() as session:
        policy = load_policy(session)
        if all_eligible:
            ids = list(session.scalars(
                sa.select(Expense.id).where(Expense.status == ExpenseStatus.AWAITING_APPROVAL).order_by(Expense.id)
            ))
        else:
            ids = list(expense_ids or [])
        for expense_id in ids:
            outcome = _approve_one(session, policy, expense_id, actor.strip(), comment)
            if outcome.done or not all_eligible:
                outcomes.append(outcome)
    return outcomes


def _approve_one(session: Session, policy: Policy, expense_id: int, actor: str, comment: str | None) -> ApprovalOutcome:
    expense = session.get(Expense, expense_id)
    if expense is None:
        return ApprovalOutcome(expense_id, False, "", "", f"expense {expense_id} does not exist")
    refusal = _refusal(session, policy, expense, actor)
    if refusal is not None:
        return ApprovalOutcome(expense_id, False, "", expense.status.value, refusal)
    result = current_round(session, expense.id)
    assert result is not None  # _refusal checked it
    level = next(lvl for lvl in pending_levels(session, result) if policy.may_approve(lvl, actor))
    now = clock.now()
    session.add(ApprovalRecord(expense_id=expense.id, coding_result_id=result.id, level=level,
                               decision=ApprovalDecision.APPROVED, actor=actor, at=now, comment=comment))
    session.flush()
    remaining = pending_levels(session, result)
    if not remaining:
        expense.status = ExpenseStatus.APPROVED
    audit.record(session, "expense.approve", actor=actor, entity_type="expense", entity_id=expense.id,
                 level=level, comment=comment, coding_round=result.id, fully_approved=not remaining)
    message = (f"approved level '{level}'; fully approved, now postable" if not remaining
               else f"approved level '{level}'; still waiting for {', '.join(repr(r) for r in remaining)}")
    return ApprovalOutcome(expense.id, True, level, expense.status.value, f"expense {expense.id}: {message}")


# Why an expense in another status cannot be approved, and what to do about it.
_NOT_AWAITING = {
    ExpenseStatus.IMPORTED: "is not coded yet (run `bookbridge code` and fix what it lists)",
    ExpenseStatus.APPROVED: "is already fully approved",
    ExpenseStatus.REJECTED: "was rejected (edit it, then run `bookbridge code` to submit it again)",
    ExpenseStatus.SKIPPED: "was skipped by a rule",
}


def _refusal(session: Session, policy: Policy, expense: Expense, actor: str) -> str | None:
    """Why ``actor`` may not approve ``expense`` now, or None when they may."""
    prefix = f"expense {expense.id}"
    if expense.status is not ExpenseStatus.AWAITING_APPROVAL:
        why = _NOT_AWAITING.get(expense.status, f"is {expense.status.value.replace('_', ' ')}")
        return f"{prefix} {why}, not awaiting approval"
    result = current_round(session, expense.id)
    if result is None:
        return f"{prefix} has no coding; run `bookbridge code` first"
    employee = _employee_name(session, expense)
    if employee and person_key(employee) == person_key(actor):
        return f"{prefix}: {actor} incurred this expense and may not approve it"
    approved = _approved_in_round(session, result)
    for who in approved.values():
        if person_key(who) == person_key(actor):
            return (f"{prefix}: {actor} already approved another level of it; the same person may not "
                    "approve two levels of one expense")
    pending = pending_levels(session, result)
    if not any(policy.may_approve(level, actor) for level in pending):
        waiting = "; ".join(f"'{lvl}' ({_approvers(policy, lvl)})" for lvl in pending)
        return f"{prefix}: {actor} may not approve any level it is waiting for: {waiting}"
    return None


def _approvers(policy: Policy, level_name: str) -> str:
    level = policy.level(level_name)
    if level is None:
        return "no longer in the approval policy; re-code the expense"
    return f"approved by {level.describe_approvers()}"


def reject(book: Book, *, expense_id: int, actor: str, reason: str) -> ApprovalOutcome:
    """Send an expense back with a reason (it becomes REJECTED until edited and re-coded).

    Raises:
        UsageError: no reason or no actor was given.
        NotFound: the expense does not exist.
        ApprovalRefused: the expense is not awaiting approval or approved, or ``actor`` may not
            approve any of its levels.
    """
    if not reason.strip():
        raise UsageError("Give the reason for the rejection with --reason TEXT; the submitter needs it.")
    if not actor.strip():
        raise UsageError("Say who is rejecting with --as NAME.")
    actor = actor.strip()
    with book.unit_of_work() as session:
        expense = session.get(Expense, expense_id)
        if expense is None:
            raise NotFound(f"Expense {expense_id} does not exist in {book.path.name}.")
        if expense.status not in (ExpenseStatus.AWAITING_APPROVAL, ExpenseStatus.APPROVED):
            raise ApprovalRefused(
                f"Expense {expense_id} is {expense.status.value.replace('_', ' ')}; only an expense awaiting "
                "approval or approved but not yet posted can be rejected."
            )
        policy = load_policy(session)
        result = current_round(session, expense.id)
        levels = required_levels(result)
        allowed = [level for level in levels if policy.may_approve(level, actor)]
        if result is None or not allowed:
            raise ApprovalRefused(
                f"{actor} may not reject expense {expense_id}: only an approver of one of its levels "
                f"({', '.join(levels) or 'none required'}) may."
            )
        pending = [level for level in pending_levels(session, result) if level in allowed]
        level = (pending or allowed)[0]
        session.add(ApprovalRecord(expense_id=expense.id, coding_result_id=result.id, level=level,
                                   decision=ApprovalDecision.REJECTED, actor=actor, at=clock.now(),
                                   comment=reason.strip()))
        previous = expense.status.value
        expense.status = ExpenseStatus.REJECTED
        audit.record(session, "expense.reject", actor=actor, entity_type="expense", entity_id=expense.id,
                     level=level, reason=reason.strip(), previous_status=previous, coding_round=result.id)
    return ApprovalOutcome(expense_id, True, level, ExpenseStatus.REJECTED.value,
                           f"expense {expense_id}: rejected at level '{level}' and sent back: {reason.strip()}")


# --- the queue ---------------------------------------------------------------------------------


def approval_queue(book: Book, *, include_rejected: bool = True) -> list[dict[str, Any]]:
    """Expenses awaiting approval (and, by default, rejected ones), with levels and history.

    Each item is plain data for the CLI's JSON and the GUI: id, key, date, vendor, category,
    amount and currency, home amount, employee, status, required/approved/pending levels with who
    may approve each pending level, flags, and the full decision history.
    """
    statuses = [ExpenseStatus.AWAITING_APPROVAL] + ([ExpenseStatus.REJECTED] if include_rejected else [])
    items: list[dict[str, Any]] = []
    with book.read() as session:
        policy = load_policy(session)
        expenses = session.scalars(
            sa.select(Expense).where(Expense.status.in_(statuses)).order_by(Expense.txn_date, Expense.id)
        )
        for expense in expenses:
            result = current_round(session, expense.id)
            approved = _approved_in_round(session, result) if result is not None else {}
            pending = pending_levels(session, result)
            decisions = history(session, expense.id)
            rejection = next((d for d in reversed(decisions) if d.decision == "rejected"), None)
            items.append({
                "id": expense.id,
                "key": expense.key,
                "date": expense.txn_date.isoformat(),
                "vendor": expense.vendor_raw,
                "category": expense.category_raw,
                "amount": format(expense.amount.amount, "f"),
                "currency": expense.currency,
                "home_amount": _home_amount(result),
                "employee": _employee_name(session, expense),
                "status": expense.status.value,
                "required_levels": required_levels(result),
                "approved": [{"level": lvl, "by": approved[person_key(lvl)]}
                             for lvl in required_levels(result) if person_key(lvl) in approved],
                "pending": [{"level": lvl, "approvers": _approvers(policy, lvl)} for lvl in pending],
                "flags": json.loads(result.flags_json) if result is not None else [],
                "rejection": None if rejection is None or expense.status is not ExpenseStatus.REJECTED else {
                    "by": rejection.actor, "at": rejection.at.isoformat(), "reason": rejection.comment,
                },
                "history": [
                    {"level": d.level, "decision": d.decision, "by": d.actor, "at": d.at.isoformat(),
                     "comment": d.comment, "coding_round": d.coding_round, "current_round": d.current}
                    for d in decisions
                ],
            })
    return items


def _home_amount(result: CodingResult | None) -> str | None:
    if result is None or result.home_amount_minor is None:
        return None
    return format(Money.from_minor(result.home_amount_minor, result.home_currency).amount, "f")
