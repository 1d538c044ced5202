"""Step 3 of a run: approved expenses → journal entries → documents in the outbox, re-validated.

1. The approved expenses' current coding rounds are read (:func:`bookbridge.coding.service.coded_expenses`)
   and grouped into balanced entries by the journal builder, as the connection's grouping says.
2. Each entry is matched against the reference data just pulled (:mod:`bookbridge.sync.mapping`):
   an account missing or inactive, a closed period, an unknown vendor become *problems*, reported
   to the exception queue by cause; the entry waits there instead of failing at the vendor.
3. Each buildable entry is planned against its outbox row (:func:`bookbridge.sync.outbox.decide`)
   and its payload built by the connector: a new row, a refreshed payload, a new revision after a
   resolved rejection, or nothing (already posted, in progress, or held by an open exception).

:func:`plan_documents` does 1–3 without writing; :func:`apply_plan` writes the outbox and the
exceptions in one transaction (a dry run never calls it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.coded import CodedExpense
from bookbridge.coding.service import coded_expenses
from bookbridge.connectors.errors import ConnectorError, DocumentRejected
from bookbridge.connectors.protocol import Connector
from bookbridge.core.errors import UsageError
from bookbridge.exceptions.queue import release_items
from bookbridge.journal.builder import build_journal
from bookbridge.journal.model import Grouping, JournalEntry
from bookbridge.journal.validation import Severity as IssueSeverity
from bookbridge.store.book import Book
from bookbridge.store.models import (
    CodingResult,
    Connection,
    ExceptionCategory,
    ExceptionSeverity,
    ExpenseStatus,
    OutboxItem,
    RemoteReference,
)
from bookbridge.sync import outbox
from bookbridge.sync.mapping import TRACKING_PREFIX, Problem, VendorMaker, entry_document, tracking_aliases
from bookbridge.sync.problems import ProblemGroup, report_group
from bookbridge.sync.reference import ReferenceIndex
from bookbridge.sync.shaping import capabilities


@dataclass
class PlannedEntry:
    """One entry and what the run will do with it."""

    entry: JournalEntry
    expense_ids: tuple[int, ...]
    decision: outbox.Decision | None = None
    prepared: outbox.Prepared | None = None
    problems: tuple[Problem, ...] = ()


@dataclass
class Plan:
    """Everything step 3 decided, before anything is written."""

    entries: list[PlannedEntry] = field(default_factory=list)
    groups: dict[tuple[str, ...], ProblemGroup] = field(default_factory=dict)
    nothing_to_post: int = 0
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def to_write(self) -> list[PlannedEntry]:
        """Entries that get a new or refreshed outbox row."""
        return [p for p in self.entries if p.prepared is not None]

    @property
    def held(self) -> list[PlannedEntry]:
        return [p for p in self.entries if p.decision is not None and p.decision.plan is outbox.Plan.HELD]

    @property
    def blocked(self) -> list[PlannedEntry]:
        return [p for p in self.entries if p.problems]

    def add_problem(self, problem: Problem, expense_ids: Iterable[int], outbox_id: int | None = None) -> None:
        group = self.groups.setdefault(problem.cause, ProblemGroup(problem))
        for expense_id in expense_ids:
            group.expenses[expense_id] = self.labels.get(expense_id, "")
        if outbox_id is not None:
            group.outbox_ids.add(outbox_id)


def _label(expense: CodedExpense) -> str:
    return f"{expense.date.isoformat()} {expense.amount} {expense.currency} {expense.vendor or ''}".strip()


def _current_rounds(session: Session, expense_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        sa.select(CodingResult.expense_id, CodingResult.id)
        .where(CodingResult.superseded_at.is_(None), CodingResult.expense_id.in_(expense_ids))
    )
    return dict(rows.all())


def _journal_problem(code: str, message: str) -> Problem:
    return Problem(ExceptionCategory.VALIDATION, ExceptionSeverity.BLOCKER, ("journal", code),
                   f"Approved expenses cannot be turned into a balanced entry ({code})",
                   f"{message} Fix the expense or its coding, then sync again.")


def _home_problem(book_home: str, remote_home: str, label: str) -> Problem:
    return Problem(ExceptionCategory.VALIDATION, ExceptionSeverity.BLOCKER, ("home-currency", book_home, remote_home),
                   f"The book keeps {book_home} but {label} keeps {remote_home}",
                   f"Connect the book to a {label} company whose home currency is {book_home}.")


def _payees(coded: list[CodedExpense]) -> dict[str, str | None]:
    return {expense.expense_key: expense.vendor for expense in coded}


def _entry_payee(entry: JournalEntry, payees: dict[str, str | None]) -> str | None:
    """The merchant of every expense in ``entry`` when they share one (a purchase's contact), else ``None``."""
    names = {payees.get(key) for key in entry.source_expense_keys}
    return next(iter(names)) if len(names) == 1 else None


def _tracking(session: Session, connection_id: int, index: ReferenceIndex) -> tuple[str, ...]:
    """The connection's tracking categories; its ``tracking_categories`` setting joins the index's aliases."""
    row = session.get(Connection, connection_id)
    try:
        aliases = tracking_aliases(json.loads(row.settings_json) if row is not None and row.settings_json else {})
    except ValueError as exc:
        raise UsageError(f"The connection's tracking_categories setting is not valid ({exc}); set it again with "
                         "`bookbridge sync BOOK --set tracking_categories=KIND:CATEGORY,...`.") from None
    if aliases:
        index.dimension_aliases = {**index.dimension_aliases, **aliases}
    kinds = session.scalars(sa.select(RemoteReference.kind).distinct().where(
        RemoteReference.connection_id == connection_id, RemoteReference.kind.startswith(TRACKING_PREFIX)))
    return tuple(sorted(kind[len(TRACKING_PREFIX):] for kind in kinds))


def plan_documents(
    book: Book,
    session: Session,
    *,
    connection_id: int,
    connector: Connector,
    index: ReferenceIndex,
    grouping: Grouping,
    label: str,
    make_vendor: VendorMaker | None,
) -> Plan:
    """Build and check every entry the approved expenses make (nothing is written)."""
    plan = Plan()
    coded = coded_expenses(book, statuses=(ExpenseStatus.APPROVED,))
    if not coded:
        return plan
    by_key = {expense.expense_key: int(expense.expense_id) for expense in coded}
    plan.labels = {int(expense.expense_id): _label(expense) for expense in coded}
    home = book.company().home_currency
    result = build_journal(coded, home, grouping)
    for issue in result.issues:
        if issue.severity is IssueSeverity.ERROR and issue.subject.isdigit():
            plan.add_problem(_journal_problem(issue.code, issue.message), [int(issue.subject)])
    rounds = _current_rounds(session, list(by_key.values()))
    rows = outbox.latest_rows(session, connection_id)
    home_problem = _home_problem(home, index.home_currency, label) if (
        index.home_currency and index.home_currency != home) else None
    journal = capabilities(connector)
    payees = _payees(coded)
    tracking = _tracking(session, connection_id, index)
    for entry in result.entries:
        ids = tuple(sorted(by_key[k] for k in entry.source_expense_keys))
        planned = PlannedEntry(entry, ids)
        plan.entries.append(planned)
        if entry.total_debit == 0:
            plan.nothing_to_post += 1
            continue
        row = rows.get(entry.key)
        planned.decision = outbox.decide(session, row, entry.key)
        if planned.decision.plan not in (outbox.Plan.INSERT, outbox.Plan.REFRESH):
            continue  # posted, on its way, or waiting for a person: leave its row as it is
        document, problems = entry_document(entry, index, key=planned.decision.key, label=label,
                                            make_vendor=make_vendor, journal=journal,
                                            payee=_entry_payee(entry, payees), tracking=tracking)
        if home_problem is not None:
            document, problems = None, (home_problem,)
        if document is not None:
            try:
                payload = connector.build_payload(document)
            except DocumentRejected as refused:
                document, problems = None, (_check_problem(refused, label),)
        if document is None:
            planned.problems = problems
            held_row = row.id if row is not None and planned.decision.plan is outbox.Plan.REFRESH else None
            for problem in problems:
                plan.add_problem(problem, ids, held_row)
            continue
        planned.prepared = outbox.Prepared(
            entry_key=entry.key, revision=planned.decision.revision, document=document, payload=payload,
            expense_ids=ids, coding_rounds={i: rounds.get(i) for i in ids},
            total_minor=outbox.total_minor(entry.total_debit, entry.currency),
        )
    return plan


def _check_problem(refused: ConnectorError, label: str) -> Problem:
    summary = refused.user_message
    return Problem(ExceptionCategory.VALIDATION, ExceptionSeverity.BLOCKER, ("local-check", summary[:200]),
                   f"Documents do not meet {label}'s rules", f"{summary}. Change the expenses or the template.")


@dataclass(frozen=True, slots=True)
class Applied:
    """What writing the plan did."""

    inserted: int
    refreshed: int
    superseded: int
    exception_ids: tuple[int, ...]
    held_documents: int


def apply_plan(session: Session, plan: Plan, *, connection_id: int, connection: str, run_id: str) -> Applied:
    """Write the outbox rows and raise the exceptions of ``plan`` (the caller's transaction)."""
    exception_by_cause = {cause: report_group(session, group, connection=connection)
                          for cause, group in plan.groups.items()}
    refreshed = 0
    cleared_rows: list[str] = []
    new_rows: list[tuple[outbox.Prepared, OutboxItem | None]] = []
    rows = outbox.latest_rows(session, connection_id)
    for planned in plan.entries:
        if planned.problems:
            row = rows.get(planned.entry.key)
            if row is not None and planned.decision is not None and planned.decision.plan is outbox.Plan.REFRESH:
                first = planned.problems[0]
                outbox.hold(row, exception_by_cause[first.cause], first.title)
            continue
        if planned.prepared is None or planned.decision is None:
            continue
        row = rows.get(planned.entry.key)  # this session's copy of the row the plan was made against
        if planned.decision.plan is outbox.Plan.INSERT:
            new_rows.append((planned.prepared, row))
        else:
            assert row is not None, "a refresh plan always has a row"
            refreshed += int(outbox.refresh(session, row, planned.prepared, run_id=run_id))
            cleared_rows.append(str(row.id))
    inserted = len(outbox.insert_many(session, connection_id, new_rows, run_id=run_id)) if new_rows else 0
    superseded = outbox.supersede_unbuilt(session, connection_id, {p.entry.key for p in plan.entries})
    # Expenses (and rows) that now build cleanly no longer need the exceptions that held them back.
    clean = [str(i) for p in plan.entries if p.prepared is not None for i in p.expense_ids]
    note = "the expenses now pass every check and are queued"
    release_items(session, "expense", clean, actor="sync", note=note)
    release_items(session, "outbox", cleared_rows, actor="sync", note=note)
    return Applied(inserted, refreshed, superseded, tuple(sorted(set(exception_by_cause.values()))),
                   sum(len(p.expense_ids) for p in plan.held))
