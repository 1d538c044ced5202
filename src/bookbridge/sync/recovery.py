"""Step 1 of a run: settle documents whose fate is unknown, before anything new is sent.

A document's fate is unknown when a previous run died while sending it (``in_flight``) or a send
ended without a usable answer (``failed_retryable``: a cut connection, a timeout, a 5xx, a 429).
It may or may not be in the accounting system.

* Within the vendor's replay window (the connector's ``replay_window``, unless the connection
  overrides it) the very same request goes out again: same key, and for a batch the same
  documents in the same order (so the same batch request id). The vendor answers with what it
  did the first time, or does it now. A window of ``None`` means a resend cannot duplicate at any
  age (NetSuite upserts by externalId), so the request always goes out again.
* When the first attempt is older than the window, the document is looked up by our key
  (``Connector.find_by_key``: QBO by DocNumber then the ``[bb:key]`` tag, Intacct by the key
  marker in the description, Xero by the key in Url, NetSuite by externalId). Found: it is posted. Not found: it
  never arrived, so it is pending again and goes out in this run's push, still with its key.
  When the search itself fails the document is left as it is (resending it blind could
  duplicate it) and settled by a later run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bookbridge.connectors.dto import PostResult
from bookbridge.connectors.errors import AuthError, ConnectorError
from bookbridge.core import clock
from bookbridge.store.models import OutboxItem, OutboxStatus
from bookbridge.sync import outbox
from bookbridge.sync.documents import document_from_json
from bookbridge.sync.push import PushContext, settle_duplicates, record_answers, send_documents
from bookbridge.sync.txn import write_unit

UNKNOWN = (OutboxStatus.IN_FLIGHT, OutboxStatus.RETRYABLE)
NOT_FOUND = "not found in the accounting system after an interrupted send; it goes out again with the same key"


@dataclass
class Recovery:
    """What step 1 did."""

    settled: int = 0
    posted: int = 0
    left: int = 0  # still unknown (the lookup failed); a later run settles them


@dataclass(frozen=True, slots=True)
class _Group:
    """One original request: every row it carried, in order, and which of them are unsettled."""

    row_ids: tuple[int, ...]
    unknown: frozenset[int]
    docs: tuple
    first_attempt: datetime


def _groups(session, connection_id: int) -> list[_Group]:
    unknown_rows = session.scalars(
        sa.select(OutboxItem).where(OutboxItem.connection_id == connection_id, OutboxItem.status.in_(UNKNOWN))
        .order_by(OutboxItem.id)
    ).all()
    groups: list[_Group] = []
    seen_batches: set[str] = set()
    now = clock.now()
    for row in unknown_rows:
        if row.batch_key is None:
            groups.append(_Group((row.id,), frozenset({row.id}), (document_from_json(row.document_json),),
                                 row.last_attempt_at or now))
            continue
        if row.batch_key in seen_batches:
            continue
        seen_batches.add(row.batch_key)
        # The whole original batch, settled rows included: only the same documents in the same
        # order make the same batch request id, so the vendor can replay its answer.
        members = session.scalars(
            sa.select(OutboxItem).where(OutboxItem.connection_id == connection_id,
                                        OutboxItem.batch_key == row.batch_key)
            .order_by(OutboxItem.batch_position)
        ).all()
        groups.append(_Group(
            tuple(m.id for m in members), frozenset(m.id for m in members if m.status in UNKNOWN),
            tuple(document_from_json(m.document_json) for m in members),
            min(m.last_attempt_at or now for m in members),
        ))
    return groups


def resolve_unknown(ctx: PushContext, *, replay_window: timedelta | None) -> Recovery:
    """Settle every document of unknown fate (see the module docstring).

    Raises:
        AuthError: the connection refuses our credentials (the run cannot go on).
    """
    with write_unit(ctx.book) as session:
        ctx.lock.confirm(session)
        groups = _groups(session, ctx.connection_id)
    result = Recovery()
    for group in groups:
        if replay_window is None or clock.now() - group.first_attempt <= replay_window:
            with write_unit(ctx.book) as session:
                ctx.lock.confirm(session)  # fence: the resend is a send like any other
                rows = session.scalars(sa.select(OutboxItem).where(OutboxItem.id.in_(list(group.unknown)))).all()
                outbox.mark_resending(rows, run_id=ctx.run_id)
            # A duplicate number here means the vendor forgot the key sooner than we assumed and the
            # first attempt did post: the lookup by key finds it.
            answers: list = settle_duplicates(ctx, group.docs, send_documents(ctx.connector, group.docs))
        else:
            answers = [_look_up(ctx, doc) if row_id in group.unknown else None
                       for row_id, doc in zip(group.row_ids, group.docs)]
        _record(ctx, group, answers, result)
        auth = next((a for a in answers if isinstance(a, AuthError)), None)
        if auth is not None:
            raise auth
    return result


def _record(ctx: PushContext, group: _Group, answers: list, result: Recovery) -> None:
    with write_unit(ctx.book) as session:
        ctx.lock.confirm(session)
        rows = {r.id: r for r in session.scalars(sa.select(OutboxItem).where(OutboxItem.id.in_(list(group.unknown))))}
        answered = []
        for row_id, answer in zip(group.row_ids, answers):
            row = rows.get(row_id)
            if row is None or row.status not in UNKNOWN:
                continue  # settled before: its answer in a replayed batch is not news
            result.settled += 1
            if answer is None:
                outbox.mark_absent(row, NOT_FOUND)
            elif isinstance(answer, _LookupFailed):
                result.left += 1
                ctx.counts.failed += 1
                ctx.counts.error(f"{row.doc_number}: could not be looked up ({answer.error.user_message})")
            else:
                answered.append((row, answer))
        before = ctx.counts.posted
        record_answers(ctx, session, [r for r, _ in answered], [a for _, a in answered], fate_was_unknown=True)
        result.posted += ctx.counts.posted - before


class _LookupFailed:
    """The search itself failed (not the document): the row's fate stays unknown."""

    def __init__(self, error: ConnectorError) -> None:
        self.error = error


def _look_up(ctx: PushContext, doc) -> PostResult | ConnectorError | _LookupFailed | None:
    """The posted document with our key, ``None`` if there is none, or why the search failed."""
    try:
        found = ctx.connector.find_by_key(doc.kind, doc.key, doc_number=doc.doc_number, txn_date=doc.date)
    except AuthError as error:
        return error  # recorded like a refused send: the row waits, the run stops
    except ConnectorError as error:
        return _LookupFailed(error)
    return found if isinstance(found, PostResult) else None
