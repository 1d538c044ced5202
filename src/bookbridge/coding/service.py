"""The coding service: stored expenses → coding rounds, statuses and grouped problems.

For every expense not yet on its way to the ledger (not queued, posted or in conflict) it:

1. builds an :class:`ExpenseView` from the book (vendor, category and employee names, fields);
2. codes it with the mapping-template version in effect on its date and that version's rules
   (:func:`bookbridge.coding.engine.code_with_versions`);
3. looks the exchange rate up for a foreign-currency expense (:class:`RateTable`) and converts
   the total to the home currency;
4. asks the approval policy which levels it needs (policy conditions plus levels rules require);
5. stores the result as a new coding round when anything changed since the current round, and
   sets the status: AWAITING_APPROVAL, APPROVED when no level is required, IMPORTED when it
   cannot be coded (the problems are kept on the round), SKIPPED when a rule skipped it.

Re-coding an unchanged expense keeps its round, so decisions already made stay valid; any change
(an edit, a new template version, a new rate, a new policy level) starts a new round and so
re-opens approval (``coding.approvals``). Everything happens in one transaction, audited.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from itertools import zip_longest
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.approval_policy import ApprovalFacts, Policy
from bookbridge.coding.approvals import load_policy
from bookbridge.coding.coded import CodedExpense
from bookbridge.coding.engine import code_with_versions
from bookbridge.coding.fx import to_home
from bookbridge.coding.loading import NOT_YET_POSTED, view_of
from bookbridge.coding.outcome import CodingOutcome, CodingProblem, group_problems
from bookbridge.coding.problems import ProblemSummary, group_stored_problems, missing_rate_problem, problem
from bookbridge.coding.rates import MissingRate, RateTable
from bookbridge.coding.spec import TemplateVersionSpec
from bookbridge.coding.stored import coded_from_data, coded_to_data
from bookbridge.coding.templates import get_template, load_versions
from bookbridge.coding.view import ExpenseView
from bookbridge.core import clock
from bookbridge.core.keys import canonical_json, content_hash
from bookbridge.core.money import Money
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import (
    ApprovalRecord,
    Category,
    CodingResult,
    CodingState,
    Employee,
    Expense,
    ExpenseStatus,
    Vendor,
)

# Expenses coding may (re)code: not queued or posted (those belong to the ledger; a correction is
# a reversing entry), not in conflict (a person picks a version first).
CODABLE_STATUSES = NOT_YET_POSTED


@dataclass(frozen=True, slots=True)
class CodingRun:
    """What one run of :func:`code_expenses` did.

    Attributes:
        examined: expenses looked at.
        recoded: expenses that got a new coding round.
        unchanged: expenses whose coding did not change (their round and decisions stand).
        reopened: recoded expenses that had been approved, partly approved or rejected before.
        statuses: how many examined expenses are in each status afterwards.
        problems: why expenses cannot be coded, grouped by what is missing, biggest group first.
    """

    examined: int
    recoded: int
    unchanged: int
    reopened: int
    statuses: dict[str, int]
    problems: tuple[ProblemSummary, ...]


def _expenses_with_views(session: Session, expense_ids: Sequence[int] | None) -> list[tuple[Expense, ExpenseView]]:
    """The codable expenses (oldest first) with the engine's snapshot of each."""
    query = (
        sa.select(Expense, Vendor.name, Category.name, Employee.name)
        .outerjoin(Vendor, Expense.vendor_id == Vendor.id)
        .outerjoin(Category, Expense.category_id == Category.id)
        .outerjoin(Employee, Expense.employee_id == Employee.id)
        .where(Expense.status.in_(list(CODABLE_STATUSES)))
        .order_by(Expense.txn_date, Expense.id)
    )
    if expense_ids is not None:
        query = query.where(Expense.id.in_(list(expense_ids)))
    return [(expense, view_of(expense, vendor, category, employee))
            for expense, vendor, category, employee in session.execute(query)]


def _view_data(view: ExpenseView) -> dict[str, Any]:
    """What the input hash covers: every attribute the engine can look at."""
    return {
        "id": view.id, "key": view.key, "date": view.date, "vendor": view.vendor, "category": view.category,
        "amount": view.amount.amount, "currency": view.currency,
        "tax": None if view.tax is None else view.tax.amount, "payment_method": view.payment_method,
        "employee": view.employee, "card": view.card, "report_id": view.report_id, "memo": view.memo,
        "fields": dict(view.fields),
    }


def code_expenses(
    book: Book,
    *,
    actor: str = "system",
    versions: Sequence[TemplateVersionSpec] | None = None,
    expense_ids: Sequence[int] | None = None,
) -> CodingRun:
    """Code every codable expense (or those in ``expense_ids``) and store the rounds.

    Args:
        book: the open book.
        actor: who runs coding (audit log).
        versions: template versions to code with; by default the published versions of the book's
            default (or only) template (tests and previews pass their own).
        expense_ids: restrict the run to these expenses.

    Raises:
        NotFound: the book has no mapping template (and no ``versions`` were given).
        UsageError: the book has several templates and none is the default.
    """
    with book.unit_of_work() as session:
        home = book.company().home_currency
        if versions is None:
            versions = load_versions(session, get_template(session))
        policy = load_policy(session)
        pairs = _expenses_with_views(session, expense_ids)
        expenses = [expense for expense, _ in pairs]
        rates = RateTable.load(session, {e.currency for e in expenses})
        current = _current_rounds(session, [e.id for e in expenses])
        run = _Run()
        for expense, view in pairs:
            run.code(session, expense, view, current.get(expense.id),
                     versions=versions, policy=policy, rates=rates, home=home, actor=actor)
        session.flush()
        statuses: dict[str, int] = {}
        for expense in expenses:
            statuses[expense.status.value] = statuses.get(expense.status.value, 0) + 1
    return CodingRun(
        examined=len(expenses), recoded=run.recoded, unchanged=len(expenses) - run.recoded, reopened=run.reopened,
        statuses=dict(sorted(statuses.items())), problems=tuple(group_stored_problems(run.problems)),
    )


def _current_rounds(session: Session, expense_ids: list[int]) -> dict[int, CodingResult]:
    rows = session.scalars(
        sa.select(CodingResult).where(CodingResult.superseded_at.is_(None), CodingResult.expense_id.in_(expense_ids))
    )
    return {row.expense_id: row for row in rows}


@dataclass(frozen=True, slots=True)
class _Evaluation:
    """What coding one expense gives now, before comparing it with the stored round."""

    outcome: CodingOutcome
    state: CodingState
    coded_json: str | None
    levels: tuple[str, ...]
    problems: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    home_amount: Decimal | None
    input_hash: str
    outcome_hash: str


def _evaluate(view: ExpenseView, *, versions: Sequence[TemplateVersionSpec], policy: Policy, rates: RateTable,
              home: str) -> _Evaluation:
    """Code ``view``, price it in the home currency and ask the policy for its levels (no writes)."""
    outcome = _outcome(versions, view)
    problems = [_engine_problem(outcome, p) for p in outcome.problems]
    if not versions:
        problems.append(problem("no_template_version", "", "the mapping template has no published version; "
                                "publish one with `bookbridge mapping publish`"))
    coded, home_amount = outcome.coded, None
    if coded is not None:
        found = rates.lookup(coded.currency, coded.date)
        if isinstance(found, MissingRate):
            problems.append(missing_rate_problem(found))
        else:
            coded = replace(coded, rate=found)
            home_amount = to_home(coded.amount, coded.currency, home, found)
    levels: tuple[str, ...] = ()
    if coded is not None and home_amount is not None:
        facts = ApprovalFacts(home_amount, outcome.category, view.fields, view.employee, outcome.review_flags)
        levels, unknown = policy.required_levels(facts, outcome.approval_levels)
        problems.extend(problem("unknown_approval_level", name,
                                f"rules require approval level '{name}', which the approval policy does not "
                                "define; add it with `bookbridge approval-policy`") for name in unknown)
    state = (CodingState.SKIPPED if outcome.skip_reason is not None
             else CodingState.BLOCKED if problems or coded is None else CodingState.CODED)
    coded_json = canonical_json(coded_to_data(coded)) if state is CodingState.CODED and coded else None
    rules = [{"rule": rule, "note": note} for rule, note in zip_longest(outcome.rules_fired, outcome.notes)]
    outcome_data = {"state": state.value, "coded": coded_json, "levels": list(levels),
                    "flags": list(outcome.review_flags), "problems": problems, "skip": outcome.skip_reason,
                    "rules": rules}
    return _Evaluation(outcome, state, coded_json, levels, problems, rules, home_amount,
                       content_hash(_view_data(view)), content_hash(outcome_data))


class _Run:
    """Counters and problems of one run; :meth:`code` handles one expense."""

    def __init__(self) -> None:
        self.recoded = 0
        self.reopened = 0
        self.problems: list[tuple[int, date, dict[str, Any]]] = []

    def code(self, session: Session, expense: Expense, view: ExpenseView, current: CodingResult | None, *,
             versions: Sequence[TemplateVersionSpec], policy: Policy, rates: RateTable, home: str, actor: str) -> None:
        """Evaluate one expense and, when anything changed, store a new round and set its status."""
        found = _evaluate(view, versions=versions, policy=policy, rates=rates, home=home)
        self.problems.extend((expense.id, expense.txn_date, p) for p in found.problems)
        if current is not None and (current.input_hash, current.outcome_hash) == (found.input_hash, found.outcome_hash):
            return  # unchanged: the round and the decisions made on it stand
        now = clock.now()
        if current is not None:
            current.superseded_at = now
        outcome = found.outcome
        result = CodingResult(
            expense_id=expense.id, state=found.state, input_hash=found.input_hash, outcome_hash=found.outcome_hash,
            template_name=outcome.template if versions else None,
            template_version=outcome.template_version or None,
            template_version_id=_version_id(versions, outcome),
            coded_json=found.coded_json, rules_fired_json=canonical_json(found.rules),
            flags_json=canonical_json(list(outcome.review_flags)),
            required_levels_json=canonical_json(list(found.levels)),
            problems_json=canonical_json(found.problems), skip_reason=outcome.skip_reason,
            home_amount_minor=None if found.home_amount is None else Money(found.home_amount, home).minor_units(),
            home_currency=home, coded_at=now,
        )
        session.add(result)
        session.flush()
        previous = expense.status
        expense.status = _status_for(found.state, found.levels)
        reopened = previous in (ExpenseStatus.APPROVED, ExpenseStatus.REJECTED) or (
            previous is ExpenseStatus.AWAITING_APPROVAL and current is not None and _has_decisions(session, current)
        )
        self.recoded += 1
        self.reopened += int(reopened)
        audit.record(
            session, "expense.code", actor=actor, entity_type="expense", entity_id=expense.id,
            coding_round=result.id, state=found.state.value, template=result.template_name,
            template_version=result.template_version, rules_fired=list(outcome.rules_fired),
            required_levels=list(found.levels), previous_status=previous.value, status=expense.status.value,
            reopened_approval=reopened,
            auto_approved=expense.status is ExpenseStatus.APPROVED,  # no level required by the policy
            problems=[p["message"] for p in found.problems], skip_reason=outcome.skip_reason,
        )


def _outcome(versions: Sequence[TemplateVersionSpec], view: ExpenseView) -> CodingOutcome:
    if not versions:
        return CodingOutcome(view.id, view.key, "", 0, view.category, None)
    return code_with_versions(versions, view)


def _engine_problem(outcome: CodingOutcome, found: CodingProblem) -> dict[str, Any]:
    """An engine problem as stored data, with the sentence the engine's grouping words for it."""
    # group_problems words a one-expense group "1 expense: <what is missing>"; keep the part
    # after the count so a bigger group can be re-counted later (next run, GUI).
    sentence = group_problems([replace(outcome, problems=(found,))])[0].message.split(": ", 1)[1]
    return problem(found.kind.value, found.subject, sentence, message=found.message,
                   template=found.template, version=found.version)


def _version_id(versions: Sequence[TemplateVersionSpec], outcome: CodingOutcome) -> int | None:
    return next((v.id for v in versions if v.number == outcome.template_version and v.name == outcome.template), None)


def _status_for(state: CodingState, levels: tuple[str, ...]) -> ExpenseStatus:
    if state is CodingState.SKIPPED:
        return ExpenseStatus.SKIPPED
    if state is CodingState.BLOCKED:
        return ExpenseStatus.IMPORTED
    return ExpenseStatus.AWAITING_APPROVAL if levels else ExpenseStatus.APPROVED


def _has_decisions(session: Session, result: CodingResult) -> bool:
    count = session.scalar(
        sa.select(sa.func.count()).select_from(ApprovalRecord).where(ApprovalRecord.coding_result_id == result.id)
    )
    return bool(count)


# --- reading results ---------------------------------------------------------------------------


def blocked_problems(book: Book) -> list[ProblemSummary]:
    """Why expenses cannot be coded now, grouped (what `code` printed, kept for the GUI)."""
    with book.read() as session:
        rows = session.execute(
            sa.select(CodingResult.expense_id, Expense.txn_date, CodingResult.problems_json)
            .join(Expense, Expense.id == CodingResult.expense_id)
            .where(CodingResult.superseded_at.is_(None), CodingResult.state == CodingState.BLOCKED,
                   Expense.status.in_(CODABLE_STATUSES))
        ).all()
    items = [(expense_id, day, p) for expense_id, day, text in rows for p in json.loads(text)]
    return group_stored_problems(items)


def coded_expenses(
    book: Book,
    *,
    statuses: Sequence[ExpenseStatus] = (ExpenseStatus.APPROVED,),
    since: date | None = None,
    until: date | None = None,
) -> list[CodedExpense]:
    """The stored coded expenses of the current rounds, for expenses in ``statuses`` and dates."""
    query = (
        sa.select(CodingResult.coded_json)
        .join(Expense, Expense.id == CodingResult.expense_id)
        .where(CodingResult.superseded_at.is_(None), CodingResult.state == CodingState.CODED,
               Expense.status.in_(list(statuses)))
        .order_by(Expense.txn_date, Expense.id)
    )
    if since is not None:
        query = query.where(Expense.txn_date >= since)
    if until is not None:
        query = query.where(Expense.txn_date <= until)
    with book.read() as session:
        # state CODED always has coded_json (the service writes both together)
        return [coded_from_data(json.loads(text)) for text in session.scalars(query) if text]


def explain(book: Book, expense_id: int) -> list[dict[str, Any]]:
    """Every coding round of an expense, newest first: template version, rules fired, levels,
    flags, problems or skip reason, rate — what the GUI and the audit pack show to explain it."""
    with book.read() as session:
        rows = session.scalars(
            sa.select(CodingResult).where(CodingResult.expense_id == expense_id).order_by(CodingResult.id.desc())
        ).all()
        return [
            {
                "round": row.id, "state": row.state.value, "coded_at": row.coded_at.isoformat(),
                "current": row.superseded_at is None, "template": row.template_name,
                "template_version": row.template_version, "rules_fired": json.loads(row.rules_fired_json),
                "required_levels": json.loads(row.required_levels_json), "flags": json.loads(row.flags_json),
                "problems": json.loads(row.problems_json), "skip_reason": row.skip_reason,
                "rate": (json.loads(row.coded_json).get("rate") if row.coded_json else None),
                "home_amount": None if row.home_amount_minor is None else
                format(Money.from_minor(row.home_amount_minor, row.home_currency).amount, "f"),
            }
            for row in rows
        ]

