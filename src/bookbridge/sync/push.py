"""Step 4 of a run: send outbox rows in batches, record every answer, attach receipts.

Each batch goes through three steps, and a crash between any two leaves the book right:

1. one transaction fences the book lock, re-checks that the rows' expenses were not re-coded
   meanwhile, and marks the rows ``in_flight`` (committed *before* the request goes out);
2. the request: the connector's Batch API (or a single create), with the row's own key;
3. one transaction records each answer: posted with the remote id, retryable (same key next
   time), pending (the request certainly never arrived), or held by an exception (refused).

A process killed after 1 leaves ``in_flight`` rows; the next run resolves them first
(:mod:`bookbridge.sync.recovery`). Rows are sent by ``workers`` threads at once; the connector's
shared limiter keeps the total within the vendor's published limits.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.connectors.dto import PostResult
from bookbridge.connectors.errors import (
    AuthError,
    ConnectorError,
    DuplicateDocument,
    RateLimited,
    ServerError,
    TransportError,
)
from bookbridge.connectors.protocol import Connector
from bookbridge.core.keys import short_key
from bookbridge.exceptions.queue import release_items
from bookbridge.store.book import Book
from bookbridge.store.models import CodingResult, Expense, ExpenseStatus, OutboxExpense, OutboxItem, OutboxStatus
from bookbridge.sync import outbox
from bookbridge.sync.documents import document_from_json
from bookbridge.sync.lock import BookLock
from bookbridge.sync.problems import report_connection, report_duplicate, report_rejection
from bookbridge.sync.runs import RunCounts
from bookbridge.sync.txn import write_unit

log = logging.getLogger(__name__)

Answer = PostResult | ConnectorError


@dataclass
class PushContext:
    """What sending needs, shared by the worker threads."""

    book: Book
    connector: Connector
    connection_id: int
    connection: str
    label: str
    run_id: str
    lock: BookLock
    counts: RunCounts
    batch_size: int = 30
    workers: int = 1
    progress: Callable[[str], None] | None = None
    exception_ids: set[int] = field(default_factory=set)
    stop_error: ConnectorError | None = None  # set when sending more cannot succeed this run
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def stop(self, error: ConnectorError) -> None:
        with self._guard:
            if self.stop_error is None:
                self.stop_error = error

    @property
    def stopped(self) -> bool:
        return self.stop_error is not None


def _recoded(session: Session, rows: Sequence[OutboxItem]) -> set[int]:
    """Rows whose expenses were re-coded or un-approved after the row was built."""
    links = session.execute(
        sa.select(OutboxExpense.outbox_id, OutboxExpense.coding_result_id, Expense.status, CodingResult.id)
        .join(Expense, Expense.id == OutboxExpense.expense_id)
        .outerjoin(CodingResult, sa.and_(CodingResult.expense_id == Expense.id, CodingResult.superseded_at.is_(None)))
        .where(OutboxExpense.outbox_id.in_([r.id for r in rows]))
    ).all()
    stale = set()
    for outbox_id, built_from, status, current in links:
        if status not in (ExpenseStatus.APPROVED, ExpenseStatus.QUEUED) or (built_from and built_from != current):
            stale.add(outbox_id)
    return stale


def _claim(ctx: PushContext, row_ids: Sequence[int]) -> tuple[list[int], list, str | None]:
    """Step 1: fence, re-check, mark in flight. Returns (row ids, documents, batch key)."""
    with write_unit(ctx.book) as session:
        ctx.lock.confirm(session)
        rows = session.scalars(
            sa.select(OutboxItem).where(OutboxItem.id.in_(list(row_ids)), OutboxItem.status.in_(outbox.SENDABLE))
            .order_by(OutboxItem.txn_date, OutboxItem.id)
        ).all()
        stale = _recoded(session, [r for r in rows if r.attempts == 0])
        for row in rows:
            if row.id in stale:  # never sent, and its expenses changed: it will be rebuilt next run
                row.status = OutboxStatus.SUPERSEDED
        rows = [r for r in rows if r.id not in stale]
        if not rows:
            return [], [], None
        batch_key = short_key("batch", *(r.key for r in rows)) if len(rows) > 1 else None
        outbox.mark_in_flight(session, rows, batch_key=batch_key, run_id=ctx.run_id)
        return [r.id for r in rows], [document_from_json(r.document_json) for r in rows], batch_key


def send_documents(connector: Connector, docs: Sequence) -> list[Answer]:
    """Step 2: one request for the lot (Batch API) or one create; every answer in order."""
    if len(docs) == 1:
        try:
            return [connector.push(docs[0])]
        except ConnectorError as error:
            return [error]
    return list(connector.push_many(list(docs)))


def _settle_duplicates(ctx: PushContext, docs: Sequence, answers: list[Answer]) -> list[Answer]:
    """A duplicate number may be our own earlier post (a lost answer): look it up by key."""
    settled = list(answers)
    for n, (doc, answer) in enumerate(zip(docs, answers)):
        if isinstance(answer, DuplicateDocument):
            try:
                found = ctx.connector.find_by_key(doc.kind, doc.key, doc_number=doc.doc_number, txn_date=doc.date)
            except ConnectorError as error:
                settled[n] = error  # cannot tell now: retried with the same key next run
                continue
            if found is not None:
                settled[n] = found
    return settled


def record_answers(ctx: PushContext, session: Session, rows: Sequence[OutboxItem], answers: Sequence[Answer], *,
                   fate_was_unknown: bool = False) -> None:
    """Step 3: what each answer means for its row (the caller's transaction).

    ``fate_was_unknown`` is set for resends of documents an earlier attempt may have delivered:
    an answer showing *this* request was not processed says nothing about the earlier one, so
    such rows stay retryable instead of becoming pending.
    """
    not_processed = outbox.mark_retryable if fate_was_unknown else outbox.mark_pending
    links = outbox.expense_ids(session, [r.id for r in rows])
    posted_ids: list[str] = []
    for row, answer in zip(rows, answers):
        expenses = links.get(row.id, [])
        if isinstance(answer, PostResult):
            outbox.mark_posted(session, row, answer)
            ctx.counts.posted += 1
            posted_ids.append(str(row.id))
            continue
        ctx.counts.failed += 1
        ctx.counts.error(f"{row.doc_number}: {answer.user_message}")
        if isinstance(answer, AuthError):
            not_processed(row, answer)  # a refused credential means the document was not looked at
            ctx.stop(answer)
        elif isinstance(answer, RateLimited):
            outbox.mark_retryable(row, answer)
            ctx.stop(answer)
        elif isinstance(answer, TransportError) and not answer.request_sent:
            not_processed(row, answer)
        elif isinstance(answer, (TransportError, ServerError)):
            outbox.mark_retryable(row, answer)  # it may have arrived: the same key resolves it
        else:
            report = report_duplicate if isinstance(answer, DuplicateDocument) else report_rejection
            exception_id = report(session, answer, connection=ctx.connection, label=ctx.label, outbox_id=row.id,
                                  doc_number=row.doc_number, expenses=expenses)
            outbox.mark_rejected(session, row, answer, exception_id)
            ctx.exception_ids.add(exception_id)
    release_items(session, "outbox", posted_ids, actor="sync", note="posted")


def _send_chunk(ctx: PushContext, row_ids: Sequence[int]) -> None:
    if ctx.stopped:
        return
    ids, docs, _batch = _claim(ctx, row_ids)
    if not ids:
        return
    answers = _settle_duplicates(ctx, docs, send_documents(ctx.connector, docs))
    with write_unit(ctx.book) as session:
        rows = {r.id: r for r in session.scalars(sa.select(OutboxItem).where(OutboxItem.id.in_(ids)))}
        record_answers(ctx, session, [rows[i] for i in ids], answers)
    if ctx.progress:
        ctx.progress(f"posted {ctx.counts.posted}, failed {ctx.counts.failed}")


def push_rows(ctx: PushContext, row_ids: Sequence[int]) -> None:
    """Send the rows in batches of ``batch_size``, ``workers`` batches at a time."""
    chunks = [list(row_ids[i:i + ctx.batch_size]) for i in range(0, len(row_ids), ctx.batch_size)]
    if ctx.workers <= 1:
        for chunk in chunks:
            _send_chunk(ctx, chunk)
    else:
        with ThreadPoolExecutor(max_workers=ctx.workers, thread_name_prefix="sync-push") as pool:
            for future in [pool.submit(_send_chunk, ctx, chunk) for chunk in chunks]:
                future.result()  # re-raise a worker's unexpected error here
    if ctx.stop_error is not None:
        with write_unit(ctx.book) as session:
            waiting = session.scalar(
                sa.select(sa.func.count()).select_from(OutboxItem).where(
                    OutboxItem.connection_id == ctx.connection_id,
                OutboxItem.status.in_([OutboxStatus.PENDING, OutboxStatus.RETRYABLE]))
            ) or 0
            ctx.exception_ids.add(report_connection(session, ctx.stop_error, connection=ctx.connection,
                                                    label=ctx.label, waiting=waiting))
