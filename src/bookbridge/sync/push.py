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
from collections import deque
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
from bookbridge.connectors.limiter import Limiter, RateLimits, RateWindow
from bookbridge.connectors.protocol import Connector
from bookbridge.core.keys import short_key
from bookbridge.exceptions.queue import release_items
from bookbridge.store.book import Book
from bookbridge.store.models import CodingResult, Expense, ExpenseStatus, OutboxExpense, OutboxItem, OutboxStatus
from bookbridge.sync import outbox
from bookbridge.sync.documents import document_from_json
from bookbridge.sync.lock import BookLock
from bookbridge.sync.problems import report_connection, report_rejection
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


def _claim(ctx: PushContext, row_ids: Sequence[int], *, as_batch: bool = True) -> tuple[list[int], list, str | None]:
    """Step 1: fence, re-check, mark in flight. Returns (row ids, documents, batch key).

    Rows claimed together but sent one by one (``as_batch=False``) get no batch key: each is
    settled on its own after a crash.
    """
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
        batch_key = short_key("batch", *(r.key for r in rows)) if as_batch and len(rows) > 1 else None
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


def settle_duplicates(ctx: PushContext, docs: Sequence, answers: list[Answer]) -> list[Answer]:
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
            exception_id = report_rejection(session, answer, connection=ctx.connection, label=ctx.label,
                                            outbox_id=row.id, doc_number=row.doc_number, expenses=expenses)
            outbox.mark_rejected(session, row, answer, exception_id)
            ctx.exception_ids.add(exception_id)
    release_items(session, "outbox", posted_ids, actor="sync", note="posted")


def _push_one(connector: Connector, doc) -> Answer:
    try:
        return connector.push(doc)
    except ConnectorError as error:
        return error


def _send_chunk(ctx: PushContext, row_ids: Sequence[int], *, gate: Limiter | None = None) -> None:
    """Claim, send and record one chunk: one batch request, or (with a gate) single creates, each
    waiting for the gate so that batches keep their share of the rate limit."""
    if ctx.stopped:
        return
    ids, docs, _batch = _claim(ctx, row_ids, as_batch=gate is None)
    if not ids:
        return
    if gate is None:
        answers = send_documents(ctx.connector, docs)
    else:
        answers = []
        for doc in docs:
            with gate.slot():
                answers.append(_push_one(ctx.connector, doc))
    answers = settle_duplicates(ctx, docs, answers)
    with write_unit(ctx.book) as session:
        rows = {r.id: r for r in session.scalars(sa.select(OutboxItem).where(OutboxItem.id.in_(ids)))}
        record_answers(ctx, session, [rows[i] for i in ids], answers)
    if ctx.progress:
        ctx.progress(f"posted {ctx.counts.posted}, failed {ctx.counts.failed}")


SINGLES_PER_CLAIM = 5  # single creates claimed (marked in flight) together: fewer book transactions
BATCHES_IN_FLIGHT = 2  # batch workers; the single lane leaves them room in the vendor's short window


def _singles_gate(connector: Connector) -> Limiter | None:
    """A limiter that leaves every batch its request slot: single creates may use what the vendor's
    ordinary windows allow minus what its batch windows reserve (QBO: 500/min - 40/min).

    Windows whose name starts with ``batch`` are the vendor's batch windows (connector limiter
    naming); without any, there is no separate single lane.
    """
    quota = connector.quota()
    batch = [w for w in quota.windows if w.name.startswith("batch")]
    plain = [w for w in quota.windows if not w.name.startswith("batch")]
    if not batch or not plain:
        return None
    widest = max(plain, key=lambda w: w.seconds)
    narrowest = min(plain, key=lambda w: w.seconds)
    reserved = sum(w.limit * widest.seconds / w.seconds for w in batch)
    share = int(widest.limit - reserved)
    if share <= 0:
        return None
    windows = [RateWindow("singles", share, widest.seconds)]
    if narrowest is not widest and narrowest.limit > BATCHES_IN_FLIGHT:
        # Spaced evenly rather than in bursts: the server counts arrivals, and a burst of starts
        # that fits our window can arrive bunched up and exceed its short window (QBO 10/s).
        room = narrowest.limit - BATCHES_IN_FLIGHT
        windows.append(RateWindow("singles-spacing", room * 3 // 4, narrowest.seconds * 3 / 4))
    return Limiter(RateLimits(windows=tuple(windows)))


def push_rows(ctx: PushContext, row_ids: Sequence[int]) -> None:
    """Send the rows: in batches of ``batch_size`` one after another, or, with several workers, in two
    lanes at once (batches, and single creates within what the batches leave of the rate limit),
    which is how the vendor's limits allow the most documents per minute. A connection-wide
    problem that stopped the push (credentials, throttling) is reported once at the end."""
    if ctx.workers <= 1 or len(row_ids) <= ctx.batch_size:
        for start in range(0, len(row_ids), ctx.batch_size):
            _send_chunk(ctx, row_ids[start:start + ctx.batch_size])
    else:
        _push_in_lanes(ctx, row_ids)
    if ctx.stop_error is not None:
        with write_unit(ctx.book) as session:
            waiting = session.scalar(
                sa.select(sa.func.count()).select_from(OutboxItem).where(
                    OutboxItem.connection_id == ctx.connection_id,
                    OutboxItem.status.in_([OutboxStatus.PENDING, OutboxStatus.RETRYABLE]))
            ) or 0
            ctx.exception_ids.add(report_connection(session, ctx.stop_error, connection=ctx.connection,
                                                    provider=ctx.connector.provider, label=ctx.label,
                                                    waiting=waiting))




def _push_in_lanes(ctx: PushContext, row_ids: Sequence[int]) -> None:
    queue = deque(row_ids)
    guard = threading.Lock()
    gate = _singles_gate(ctx.connector)
    # Two batch workers keep the batch window full (a batch request takes longer than the window
    # allows between two); every other worker sends single creates.
    batch_workers = min(BATCHES_IN_FLIGHT, ctx.workers - 1) if gate is not None else ctx.workers
    single_workers = ctx.workers - batch_workers

    def take(count: int, *, from_end: bool) -> list[int]:
        with guard:
            return [queue.pop() if from_end else queue.popleft() for _ in range(min(count, len(queue)))]

    def batches() -> None:
        while not ctx.stopped and (chunk := take(ctx.batch_size, from_end=False)):
            _send_chunk(ctx, chunk)

    def singles() -> None:
        while not ctx.stopped and (chunk := take(SINGLES_PER_CLAIM, from_end=True)):
            _send_chunk(ctx, chunk, gate=gate)

    with ThreadPoolExecutor(max_workers=batch_workers + single_workers, thread_name_prefix="sync-push") as pool:
        futures = [pool.submit(batches) for _ in range(batch_workers)]
        futures += [pool.submit(singles) for _ in range(single_workers)]
        for future in futures:
            future.result()  # re-raise a worker's unexpected error here
