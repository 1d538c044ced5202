"""The outbox: one row per document to post, its key and exact payload committed before any attempt.

Row life (issue 5 §1): ``pending`` → ``in_flight`` → ``posted`` with the remote id; or
``failed_retryable`` (the outcome is unknown or transient: the same key goes out again) or
``needs_attention`` (held by an open exception). Keys:

* a document keeps its key for as long as the accounting system may have seen it with that key;
* a ``pending`` row was never seen with an unknown outcome, so its payload may still be refreshed
  (new reference ids, a re-coded expense) under the same key;
* once the vendor answered a key definitively (a rejection), it replays that answer forever, so
  the corrected document becomes a new *revision* with a new key (:func:`revision_key`), and the
  old row is ``superseded``. The document number stays the same, so the accounting system's own
  duplicate-number check is a second guard against posting an entry twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.connectors import jsonwire
from bookbridge.connectors.dto import Document, PostResult
from bookbridge.connectors.errors import ConnectorError
from bookbridge.core import clock
from bookbridge.core.keys import content_hash, short_key
from bookbridge.core.money import Money
from bookbridge.exceptions.queue import is_open
from bookbridge.store.models import (
    AttachmentStatus,
    Expense,
    ExpenseReceipt,
    ExpenseStatus,
    OutboxAttachment,
    OutboxExpense,
    OutboxItem,
    OutboxStatus,
    Receipt,
    RemoteState,
)
from bookbridge.sync.documents import document_to_json

# Only rows whose key was certainly never processed go out in a push; rows of unknown fate
# (in flight, failed retryably) are settled first by resending the identical request or looking
# them up (sync.recovery).
SENDABLE = (OutboxStatus.PENDING,)
MAX_ERROR_CHARS = 2000


def revision_key(entry_key: str, revision: int) -> str:
    """The idempotency key of revision ``revision`` of the entry (revision 0 uses the entry key itself)."""
    return entry_key if revision == 0 else short_key("revision", entry_key, str(revision))


class Plan(enum.Enum):
    """What to do with a freshly built entry, given the outbox row it may already have."""

    INSERT = "insert"  # no row yet (or a new revision after a resolved rejection)
    REFRESH = "refresh"  # a row never seen with an unknown outcome: keep its key, update its payload
    IN_PROGRESS = "in_progress"  # in flight or failed retryably: it goes out again as it is
    POSTED = "posted"  # already in the accounting system
    HELD = "held"  # an open exception holds it after the accounting system refused it


@dataclass(frozen=True, slots=True)
class Decision:
    plan: Plan
    key: str
    revision: int
    row: OutboxItem | None


def latest_rows(session: Session, connection_id: int) -> dict[str, OutboxItem]:
    """The newest row (highest revision) of every entry, by entry key, superseded ones included.

    A superseded row still owns its key: an entry that comes back (an expense approved again)
    must reuse a never-sent row, or go out under the next revision, never reuse a taken key.
    """
    rows = session.scalars(
        sa.select(OutboxItem).where(OutboxItem.connection_id == connection_id)
        .order_by(OutboxItem.revision, OutboxItem.id)
    )
    return {row.entry_key: row for row in rows}


def decide(session: Session, row: OutboxItem | None, entry_key: str) -> Decision:
    """How an entry built now relates to its newest row (see the module docstring)."""
    if row is None:
        return Decision(Plan.INSERT, revision_key(entry_key, 0), 0, None)
    if row.status is OutboxStatus.POSTED:
        return Decision(Plan.POSTED, row.key, row.revision, row)
    if row.status in (OutboxStatus.IN_FLIGHT, OutboxStatus.RETRYABLE):
        return Decision(Plan.IN_PROGRESS, row.key, row.revision, row)
    if not row.key_spent:
        # Pending, held before sending, or superseded before it was ever sent: its key is unspent.
        return Decision(Plan.REFRESH, row.key, row.revision, row)
    if row.status is OutboxStatus.ATTENTION and row.exception_id is not None and is_open(session, row.exception_id):
        return Decision(Plan.HELD, row.key, row.revision, row)
    return Decision(Plan.INSERT, revision_key(entry_key, row.revision + 1), row.revision + 1, row)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document ready for the outbox, with what it carries."""

    entry_key: str
    revision: int
    document: Document
    payload: dict[str, Any]
    expense_ids: tuple[int, ...]
    coding_rounds: dict[int, int | None]
    total_minor: int


def payload_text(payload: dict[str, Any]) -> str:
    return jsonwire.dumps(payload)


def _fill(row: OutboxItem, prepared: Prepared, text: str | None = None) -> None:
    doc = prepared.document
    text = text if text is not None else payload_text(prepared.payload)
    row.doc_kind = doc.kind.value
    row.doc_number = doc.doc_number
    row.txn_date = doc.date
    row.currency = doc.currency
    row.amount_minor = prepared.total_minor
    row.memo = doc.memo
    row.document_json = document_to_json(doc)
    row.payload_json = text
    row.payload_hash = content_hash(text)
    row.updated_at = clock.now()


def _links(row_id: int, prepared: Prepared) -> list[dict[str, Any]]:
    return [{"outbox_id": row_id, "expense_id": expense_id, "coding_result_id": prepared.coding_rounds.get(expense_id)}
            for expense_id in prepared.expense_ids]


def _link(session: Session, row: OutboxItem, prepared: Prepared) -> None:
    session.execute(sa.delete(OutboxExpense).where(OutboxExpense.outbox_id == row.id))
    session.execute(sa.insert(OutboxExpense), _links(row.id, prepared))


def insert_many(session: Session, connection_id: int, items: Sequence[tuple[Prepared, OutboxItem | None]], *,
                run_id: str) -> list[OutboxItem]:
    """New pending rows, each optionally superseding the row it replaces (committed by the caller
    before anything is sent). One flush for all rows and one insert for all their links: a first
    sync of a large backlog writes thousands at once."""
    now = clock.now()
    rows = []
    for prepared, replaces in items:
        if replaces is not None:
            replaces.status = OutboxStatus.SUPERSEDED
            replaces.updated_at = now
        row = OutboxItem(connection_id=connection_id, entry_key=prepared.entry_key, revision=prepared.revision,
                         key=prepared.document.key, status=OutboxStatus.PENDING, attempts=0, key_spent=False,
                         created_at=now, last_run_id=run_id)
        _fill(row, prepared)
        rows.append(row)
    session.add_all(rows)
    session.flush()
    links = [link for row, (prepared, _) in zip(rows, items) for link in _links(row.id, prepared)]
    if links:
        session.execute(sa.insert(OutboxExpense), links)
    return rows


def insert(session: Session, connection_id: int, prepared: Prepared, *, run_id: str,
           replaces: OutboxItem | None = None) -> OutboxItem:
    """A new pending row (committed by the caller before anything is sent)."""
    return insert_many(session, connection_id, [(prepared, replaces)], run_id=run_id)[0]


def refresh(session: Session, row: OutboxItem, prepared: Prepared, *, run_id: str) -> bool:
    """Bring a never-sent row up to date and make it pending; True when its payload changed."""
    text = payload_text(prepared.payload)
    changed = row.payload_hash != content_hash(text)
    if changed:
        _fill(row, prepared, text)
    _link(session, row, prepared)
    row.status = OutboxStatus.PENDING
    row.exception_id = None
    row.last_run_id = run_id
    return changed


def hold(row: OutboxItem, exception_id: int, message: str) -> None:
    """Keep a row back (it cannot be posted as it is) until its exception is resolved."""
    row.status = OutboxStatus.ATTENTION
    row.exception_id = exception_id
    row.last_error = message[:MAX_ERROR_CHARS]
    row.updated_at = clock.now()


def supersede_unbuilt(session: Session, connection_id: int, built_entry_keys: set[str]) -> int:
    """Rows whose entry no longer exists (expenses re-coded, unapproved or regrouped) are superseded,
    when nothing of them can be in the accounting system; returns how many."""
    rows = session.scalars(
        sa.select(OutboxItem).where(
            OutboxItem.connection_id == connection_id,
            OutboxItem.status.in_([OutboxStatus.PENDING, OutboxStatus.ATTENTION]),
        )
    ).all()
    # Only rows never sent, or refused outright, are rebuilt from the expenses; a row that went out
    # and was shown not to have arrived keeps its queued expenses and its key until it is posted.
    gone = [row for row in rows if row.entry_key not in built_entry_keys and (row.attempts == 0 or row.key_spent)]
    for row in gone:
        row.status = OutboxStatus.SUPERSEDED
        row.updated_at = clock.now()
    return len(gone)


def sendable(session: Session, connection_id: int) -> list[OutboxItem]:
    """Rows to send in a push, oldest entry date first."""
    return list(session.scalars(
        sa.select(OutboxItem)
        .where(OutboxItem.connection_id == connection_id, OutboxItem.status.in_(SENDABLE))
        .order_by(OutboxItem.txn_date, OutboxItem.id)
    ))


def waiting(session: Session, connection_id: int) -> list[OutboxItem]:
    """Rows a run would send or settle: pending, in flight or failed retryably."""
    return list(session.scalars(
        sa.select(OutboxItem)
        .where(OutboxItem.connection_id == connection_id,
               OutboxItem.status.in_([OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT, OutboxStatus.RETRYABLE]))
        .order_by(OutboxItem.txn_date, OutboxItem.id)
    ))


def expense_ids(session: Session, outbox_ids: Iterable[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    for outbox_id, expense_id in session.execute(
        sa.select(OutboxExpense.outbox_id, OutboxExpense.expense_id).where(OutboxExpense.outbox_id.in_(list(outbox_ids)))
    ):
        result.setdefault(outbox_id, []).append(expense_id)
    return result


def _set_expense_status(session: Session, rows: Sequence[OutboxItem], status: ExpenseStatus) -> None:
    ids = [e for ids in expense_ids(session, [r.id for r in rows]).values() for e in ids]
    if ids:
        session.execute(sa.update(Expense).where(Expense.id.in_(ids)).values(status=status))


def mark_in_flight(session: Session, rows: Sequence[OutboxItem], *, batch_key: str | None, run_id: str) -> None:
    """Record that a send is about to start (committed before the request goes out)."""
    now = clock.now()
    for position, row in enumerate(rows):
        row.status = OutboxStatus.IN_FLIGHT
        row.attempts += 1
        row.last_attempt_at = now
        row.batch_key = batch_key
        row.batch_position = position if batch_key else None
        row.last_run_id = run_id
        row.updated_at = now
    _set_expense_status(session, rows, ExpenseStatus.QUEUED)


def mark_resending(rows: Sequence[OutboxItem], *, run_id: str) -> None:
    """An identical resend of an earlier request is about to go out (recovery).

    ``last_attempt_at`` keeps the first attempt's time: the vendor's replay window counts from it.
    """
    now = clock.now()
    for row in rows:
        row.status = OutboxStatus.IN_FLIGHT
        row.attempts += 1
        row.last_run_id = run_id
        row.updated_at = now


def mark_absent(row: OutboxItem, message: str) -> None:
    """A lookup showed the document never arrived: its key is unspent and it may go out again."""
    row.status = OutboxStatus.PENDING
    row.last_error = message[:MAX_ERROR_CHARS]
    row.updated_at = clock.now()


def mark_posted(session: Session, row: OutboxItem, result: PostResult) -> None:
    """The accounting system has the document: keep its id and queue the receipts to attach."""
    now = clock.now()
    row.status = OutboxStatus.POSTED
    row.key_spent = True
    row.remote_id = result.remote_id
    row.remote_doc_number = result.doc_number
    row.remote_version = result.version
    row.remote_updated_at = result.updated_at
    row.remote_state = RemoteState.LIVE
    row.posted_at = now
    row.exception_id = None
    row.last_error = row.last_error_code = None
    row.updated_at = now
    _set_expense_status(session, [row], ExpenseStatus.POSTED)
    _queue_receipts(session, row)


def _queue_receipts(session: Session, row: OutboxItem) -> None:
    receipts = session.scalars(
        sa.select(ExpenseReceipt.receipt_id)
        .join(OutboxExpense, OutboxExpense.expense_id == ExpenseReceipt.expense_id)
        .join(Receipt, Receipt.id == ExpenseReceipt.receipt_id)
        .where(OutboxExpense.outbox_id == row.id, Receipt.sha256.is_not(None))  # links have nothing to upload
        .distinct()
    ).all()
    known = set(session.scalars(sa.select(OutboxAttachment.receipt_id).where(OutboxAttachment.outbox_id == row.id)))
    for receipt_id in receipts:
        if receipt_id not in known:
            session.add(OutboxAttachment(outbox_id=row.id, receipt_id=receipt_id, status=AttachmentStatus.PENDING,
                                         attempts=0))


def _error_text(error: ConnectorError) -> str:
    return error.user_message[:MAX_ERROR_CHARS]


def mark_retryable(row: OutboxItem, error: ConnectorError | None, message: str | None = None) -> None:
    """The outcome is unknown or the failure transient: the same key goes out again next time."""
    row.status = OutboxStatus.RETRYABLE
    row.last_error = _error_text(error) if error is not None else (message or "")[:MAX_ERROR_CHARS]
    row.last_error_code = (error.code or type(error).__name__)[:60] if error is not None else None
    row.updated_at = clock.now()


def mark_pending(row: OutboxItem, error: ConnectorError) -> None:
    """The request certainly did not reach the vendor (e.g. refused credentials): nothing was spent."""
    row.status = OutboxStatus.PENDING
    row.last_error = _error_text(error)
    row.last_error_code = (error.code or type(error).__name__)[:60]
    row.updated_at = clock.now()


def mark_rejected(session: Session, row: OutboxItem, error: ConnectorError, exception_id: int) -> None:
    """The accounting system refused the document: hold it; the expenses may be re-coded meanwhile."""
    row.key_spent = True
    hold(row, exception_id, _error_text(error))
    row.last_error_code = (error.code or type(error).__name__)[:60]
    _set_expense_status(session, [row], ExpenseStatus.APPROVED)


def total_minor(amount: Any, currency: str) -> int:
    return Money(amount, currency).quantize().minor_units()


def rows_by_status(session: Session, connection_id: int) -> dict[str, int]:
    """How many rows of the connection are in each status."""
    return {
        status.value: count
        for status, count in session.execute(
            sa.select(OutboxItem.status, sa.func.count()).where(OutboxItem.connection_id == connection_id)
            .group_by(OutboxItem.status)
        )
    }


def posted_remote_ids(session: Session, connection_id: int) -> dict[str, str | None]:
    """Remote id of every posted document by entry key (tests and reconciliation use it)."""
    return dict(session.execute(
        sa.select(OutboxItem.entry_key, OutboxItem.remote_id)
        .where(OutboxItem.connection_id == connection_id, OutboxItem.status == OutboxStatus.POSTED)
    ).all())
