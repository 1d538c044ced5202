"""Step 1 of a run: settle documents whose fate is unknown, before anything else is sent.

A document is of unknown fate when a previous run died while sending it (``in_flight``) or a send
ended without a usable answer (``failed_retryable``: a cut connection, a timeout, a 5xx). It may
or may not be in the accounting system.

* Within the vendor's replay window the very same request goes out again: same key, and for a
  batch the same documents in the same order (so the same batch key). The vendor answers with
  what it did the first time, or does it now.
* When the last attempt is older than the window, the document is first looked up by our key
  (QBO: by DocNumber, then the ``[bb:key]`` tag in PrivateNote). Found: it is posted. Not found:
  it never arrived, and it goes out again in this run's push, still with its key. When the search
  itself fails, the document is left alone this run (resending it blind could duplicate it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby

import sqlalchemy as sa

from bookbridge.connectors.dto import PostResult
from bookbridge.connectors.errors import AuthError, ConnectorError
from bookbridge.core import clock
from bookbridge.store.models import OutboxItem, OutboxStatus
from bookbridge.sync import outbox
from bookbridge.sync.documents import document_from_json
from bookbridge.sync.push import PushContext, record_answers, send_documents
from bookbridge.sync.txn import write_unit

NOT_FOUND = "not found in the accounting system after an interrupted send; it goes out again with the same key"


@dataclass
class Recovery:
    """What step 1 did."""

    settled: int = 0
    posted: int = 0
    unresolved: set[int] = field(default_factory=set)  # rows to leave alone in this run's push


def _groups(rows: list[OutboxItem]) -> list[list[OutboxItem]]:
    """In-flight rows by the request they were sent in (a batch, or a single document)."""
    groups: list[list[OutboxItem]] = []
    for batch_key, members in groupby(rows, key=lambda r: r.batch_key):
        members_list = list(members)
        groups.extend([members_list] if batch_key else [[m] for m in members_list])
    return groups


def resolve_unknown(ctx: PushContext, *, replay_window: timedelta) -> Recovery:
    """Settle every document of unknown fate (see the module docstring).

    Raises:
        AuthError: the connection refuses our credentials (the run cannot go on).
    """
    now = clock.now()
    with write_unit(ctx.book) as session:
        ctx.lock.confirm(session)
        flying = outbox.in_flight(session, ctx.connection_id)
        stale = session.scalars(
            sa.select(OutboxItem).where(
                OutboxItem.connection_id == ctx.connection_id, OutboxItem.status == OutboxStatus.RETRYABLE,
                OutboxItem.last_attempt_at < now - replay_window,
            )
        ).all()
        work = []
        for group in _groups(flying):
            attempted = min(r.last_attempt_at or now for r in group)
            work.append(([r.id for r in group], [document_from_json(r.document_json) for r in group],
                         now - attempted <= replay_window))
        work += [([r.id], [document_from_json(r.document_json)], False) for r in stale]
    result = Recovery()
    for ids, docs, replay in work:
        answers = send_documents(ctx.connector, docs) if replay else [_look_up(ctx, doc) for doc in docs]
        _record(ctx, ids, answers, result)
        result.settled += len(ids)
        auth = next((a for a in answers if isinstance(a, AuthError)), None)
        if auth is not None:
            raise auth
    return result


def _record(ctx: PushContext, ids: list[int], answers: list, result: Recovery) -> None:
    with write_unit(ctx.book) as session:
        ctx.lock.confirm(session)
        rows = {r.id: r for r in session.scalars(sa.select(OutboxItem).where(OutboxItem.id.in_(ids)))}
        answered = []
        for row_id, answer in zip(ids, answers):
            row = rows[row_id]
            if answer is None:
                outbox.mark_retryable(row, None, NOT_FOUND)
            elif isinstance(answer, _LookupFailed):
                result.unresolved.add(row_id)
                ctx.counts.failed += 1
                ctx.counts.error(f"{row.doc_number}: could not be looked up ({answer.error.user_message})")
            else:
                answered.append((row, answer))
        before = ctx.counts.posted
        record_answers(ctx, session, [r for r, _ in answered], [a for _, a in answered])
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
