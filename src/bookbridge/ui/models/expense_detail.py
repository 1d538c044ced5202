"""Everything the Expenses page's detail panel shows about one expense, read in one go.

:func:`load_detail` runs on a worker thread (a receipt can be megabytes) and returns a frozen
:class:`ExpenseDetail` of plain values: no ORM object crosses to the GUI thread. Coding is
explained by the coding service (``coding.service.explain``) and approvals by
``coding.approvals.history``: the panel shows what the engine recorded, it does not re-derive it.

Lineage follows an expense from where it came from to where it went: source file and line →
import batch → the expense (its immutable key) → the journal entry built for it → the document
in the accounting system. Each step says whether it exists yet; the outbox steps are read only
when the book has the sync engine's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from bookbridge.coding.approvals import history as approval_history
from bookbridge.coding.service import explain
from bookbridge.core.errors import NotFound
from bookbridge.core.money import Money
from bookbridge.store.book import Book
from bookbridge.store.models import (
    Category,
    DedupeDecision,
    Employee,
    Expense,
    ExpenseReceipt,
    ImportBatch,
    Receipt,
    Vendor,
)

MAX_PREVIEW_BYTES = 20 * 1024 * 1024  # a bigger receipt is listed, not previewed


@dataclass(frozen=True, slots=True)
class ReceiptInfo:
    """A receipt attached to the expense; ``content`` only for the first, previewable one."""

    receipt_id: int
    file_name: str | None
    mime_type: str | None
    size: int | None
    url: str | None
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class DedupeInfo:
    batch_id: int
    line: int | None
    outcome: str
    rule: str
    matched_expense_id: int | None
    detail: str | None
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class CodingInfo:
    """One coding round as the coding service explains it."""

    state: str
    current: bool
    template: str | None
    template_version: int | None
    rules_fired: tuple[str, ...]
    required_levels: tuple[str, ...]
    problems: tuple[str, ...]
    skip_reason: str | None
    coded_at: str


@dataclass(frozen=True, slots=True)
class ApprovalInfo:
    level: str
    decision: str
    actor: str
    at: datetime
    comment: str | None
    current: bool


@dataclass(frozen=True, slots=True)
class LineageStep:
    """One hop of the expense's journey; ``exists`` False means "not yet"."""

    label: str
    value: str
    exists: bool


@dataclass(frozen=True)
class ExpenseDetail:
    expense_id: int
    key: str
    txn_date: date
    vendor: str
    category: str
    employee: str
    amount: Money
    tax: Money | None
    original: Money | None
    payment_method: str
    status: str
    memo: str | None
    reference: str | None
    fields: tuple[tuple[str, str], ...]
    receipts: tuple[ReceiptInfo, ...]
    dedupe: tuple[DedupeInfo, ...]
    coding: tuple[CodingInfo, ...]
    approvals: tuple[ApprovalInfo, ...]
    lineage: tuple[LineageStep, ...]


def _problem_text(problem: object) -> str:
    if isinstance(problem, dict):
        return str(problem.get("message") or problem.get("code") or problem)
    return str(problem)


def _coding(book: Book, expense_id: int) -> tuple[CodingInfo, ...]:
    return tuple(
        CodingInfo(
            state=r["state"], current=bool(r["current"]), template=r["template"],
            template_version=r["template_version"],
            rules_fired=tuple(str(x.get("rule") if isinstance(x, dict) else x) for x in r["rules_fired"]),
            required_levels=tuple(r["required_levels"]), problems=tuple(_problem_text(p) for p in r["problems"]),
            skip_reason=r["skip_reason"], coded_at=r["coded_at"],
        )
        for r in explain(book, expense_id)
    )


def _receipts(session: sa.orm.Session, expense_id: int) -> tuple[ReceiptInfo, ...]:
    rows = session.execute(
        sa.select(Receipt.id, Receipt.file_name, Receipt.mime_type, Receipt.size, Receipt.url)
        .join(ExpenseReceipt, ExpenseReceipt.receipt_id == Receipt.id)
        .where(ExpenseReceipt.expense_id == expense_id).order_by(Receipt.id)
    ).all()
    infos = []
    for index, (rid, name, mime, size, url) in enumerate(rows):
        content = None
        if index == 0 and url is None and (size or 0) <= MAX_PREVIEW_BYTES:
            content = session.execute(sa.select(Receipt.content).where(Receipt.id == rid)).scalar()
        infos.append(ReceiptInfo(rid, name, mime, size, url, content))
    return tuple(infos)


def _lineage(session: sa.orm.Session, expense: Expense) -> tuple[LineageStep, ...]:
    steps = []
    if expense.source_file:
        where = expense.source_file.replace("\\", "/").rsplit("/", 1)[-1]
        line = f", line {expense.source_line}" if expense.source_line else ""
        steps.append(LineageStep("Source", f"{where}{line} ({expense.source_system})", True))
    else:
        steps.append(LineageStep("Source", f"{expense.source_system} (no file recorded)", True))
    if expense.batch_id is not None:
        batch = session.get(ImportBatch, expense.batch_id)
        label = f"#{batch.id}, {batch.profile or 'auto'} profile, by {batch.actor or 'unknown'}" if batch else "?"
        steps.append(LineageStep("Import", label, batch is not None))
    steps.append(LineageStep("Expense", f"#{expense.id}, key {expense.key}", True))
    steps.extend(_outbox_steps(session, expense.id))
    return tuple(steps)


def _outbox_steps(session: sa.orm.Session, expense_id: int) -> list[LineageStep]:
    """Journal entry and remote document, read from the sync engine's outbox when it exists."""
    conn = session.connection()
    if not sa.inspect(conn).has_table("outbox_expenses"):
        return [LineageStep("Journal entry", "not built yet: built when the expense is synced", False),
                LineageStep("Accounting system", "not posted yet", False)]
    from bookbridge.store.models import Connection, OutboxExpense, OutboxItem

    rows = conn.execute(
        sa.select(OutboxItem.entry_key, OutboxItem.doc_kind, OutboxItem.status, OutboxItem.remote_id,
                  OutboxItem.remote_doc_number, Connection.name, Connection.provider)
        .join(OutboxExpense, OutboxExpense.outbox_id == OutboxItem.id)
        .outerjoin(Connection, Connection.id == OutboxItem.connection_id)
        .where(OutboxExpense.expense_id == expense_id).order_by(OutboxItem.id)
    ).all()
    if not rows:
        return [LineageStep("Journal entry", "not built yet: built when the expense is synced", False),
                LineageStep("Accounting system", "not posted yet", False)]
    steps = []
    for entry_key, kind, status, remote_id, doc_number, connection, provider in rows:
        steps.append(LineageStep("Journal entry", f"{kind.replace('_', ' ')} {entry_key[:12]}…", True))
        status_text = getattr(status, "value", status)
        if remote_id:
            number = f" (no. {doc_number})" if doc_number else ""
            steps.append(LineageStep("Accounting system", f"{connection} [{provider}] id {remote_id}{number}", True))
        else:
            steps.append(LineageStep("Accounting system", f"{connection}: {status_text.replace('_', ' ')}", False))
    return steps


def load_detail(book: Book, expense_id: int) -> ExpenseDetail:
    """Read one expense's detail (runs on a worker thread; opens and closes its own session).

    Raises:
        NotFound: the expense does not exist (deleted since it was listed).
    """
    with book.read() as session:
        expense = session.get(Expense, expense_id)
        if expense is None:
            raise NotFound(f"Expense {expense_id} is no longer in the book; press F5 to refresh the list.")
        vendor = session.get(Vendor, expense.vendor_id).name if expense.vendor_id else (expense.vendor_raw or "")
        category = (session.get(Category, expense.category_id).name if expense.category_id
                    else (expense.category_raw or ""))
        employee = session.get(Employee, expense.employee_id).name if expense.employee_id else ""
        fields = tuple(sorted(expense.fields.items()))
        dedupe = tuple(
            DedupeInfo(d.batch_id, d.line, d.outcome.value, d.rule, d.matched_expense_id, d.detail, d.decided_at)
            for d in session.scalars(
                sa.select(DedupeDecision).where(sa.or_(DedupeDecision.expense_id == expense_id,
                                                       DedupeDecision.matched_expense_id == expense_id))
                .order_by(DedupeDecision.id)
            )
        )
        approvals = tuple(ApprovalInfo(d.level, d.decision, d.actor, d.at, d.comment, d.current)
                          for d in approval_history(session, expense_id))
        original = (Money.from_minor(expense.original_amount_minor, expense.original_currency)
                    if expense.original_amount_minor is not None and expense.original_currency else None)
        detail = dict(
            expense_id=expense.id, key=expense.key, txn_date=expense.txn_date, vendor=vendor, category=category,
            employee=employee, amount=expense.amount, tax=expense.tax, original=original,
            payment_method=expense.payment_method.value, status=expense.status.value, memo=expense.memo,
            reference=expense.reference, fields=fields, receipts=_receipts(session, expense_id), dedupe=dedupe,
            approvals=approvals, lineage=_lineage(session, expense),
        )
    return ExpenseDetail(coding=_coding(book, expense_id), **detail)
