"""Writing a run's proposals to the book: matches, their targets, line statuses, the audit entry.

A run over a year of a busy account stores thousands of matches, so rows go in as plain tuples in
the book's storage form (enums as their values, timestamps as the text :class:`UTCDateTime`
writes) with one ``executemany`` per table, inside the caller's transaction. Two slower ways were
measured on the 10,000-line benchmark and dropped:

* ORM objects flushed per row;
* ``insert().returning(id)`` for many rows: SQLAlchemy's "insertmanyvalues" splits it into
  batches and joins each batch's returned rows onto all earlier ones, which is quadratic
  (7.9 of a 12 s run for 8,400 matches).

Match ids are allocated here instead (``max(id) + 1``): the run's transaction holds the book's
write lock from its start (``BEGIN IMMEDIATE``), so no one else can take them in between; they
are the ids SQLite would pick itself (the table has no AUTOINCREMENT).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.reconcile.matching.model import Band, Proposal
from bookbridge.store import audit
from bookbridge.store.base import Base, UTCDateTime
from bookbridge.store.models import LineMatchStatus, Match, MatchBand, MatchStatus, MatchTarget, StatementLine

_CHUNK = 500  # ids per IN list, well under SQLite's limit on bound parameters

MATCH_COLUMNS = ("id", "statement_line_id", "status", "band", "shape", "score_permille", "explanation",
                 "created_at", "decided_by", "decided_at")
TARGET_COLUMNS = ("match_id", "target_kind", "target_id", "amount_minor", "currency")


@dataclass(frozen=True, slots=True)
class StoredTarget:
    """A stored match target, shaped like :class:`MatchTarget` for :mod:`records`."""

    target_kind: str
    target_id: int
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A match as just written, shaped like :class:`Match` for :mod:`records` (no ORM round trip)."""

    id: int
    statement_line_id: int
    status: MatchStatus
    band: MatchBand
    shape: str
    score_permille: int
    explanation: str
    targets: tuple[StoredTarget, ...]
    decided_by: str | None
    decided_at: datetime | None
    note: str | None = None
    undone_by: str | None = None
    undone_at: datetime | None = None


def _insert_sql(model: type[Base], columns: Sequence[str]) -> str:
    """INSERT with positional parameters, checked against the model so a schema change fails loudly
    (raw rows get no Python-side defaults: every NOT NULL column must be listed)."""
    table = cast(sa.Table, model.__table__)
    unknown = set(columns) - set(table.c.keys())
    unfilled = {c.name for c in table.columns if not c.nullable and c.server_default is None and c.name not in columns}
    if unknown or unfilled:  # pragma: no cover - a schema change this module has not followed
        raise RuntimeError(f"{table.name}: unknown column(s) {sorted(unknown)}, unfilled {sorted(unfilled)}")
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_INSERT_MATCH = _insert_sql(Match, MATCH_COLUMNS)
_INSERT_TARGET = _insert_sql(MatchTarget, TARGET_COLUMNS)
_MARK_LINE = f"UPDATE {StatementLine.__tablename__} SET match_status = ? WHERE id = ?"


def drop_suggestions(session: Session, line_ids: list[int]) -> None:
    """Delete the undecided suggestions of these lines (their targets go by ON DELETE CASCADE)."""
    for start in range(0, len(line_ids), _CHUNK):
        session.execute(sa.delete(Match).where(Match.status == MatchStatus.SUGGESTED,
                                               Match.statement_line_id.in_(line_ids[start:start + _CHUNK])),
                        execution_options={"synchronize_session": False})


def store_proposals(session: Session, proposals: list[Proposal], *, auto: bool, actor: str) -> list[StoredMatch]:
    """Store proposals as suggestions, or as accepted matches for the auto band with ``auto``.

    The auto-accepted ones are audit-logged as one entry (per account and run) listing every match
    with its line, targets and score (one decision by one person, recorded whole); each match row
    carries who and when too, and their lines become matched.
    """
    if not proposals:
        return []
    now = clock.now()
    conn = session.connection()
    next_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(Match.id), 0))).scalar_one()) + 1
    stored = [_stored(match_id, proposal, auto, actor, now) for match_id, proposal in enumerate(proposals, next_id)]
    stamp = UTCDateTime().process_bind_param(now, None)
    conn.exec_driver_sql(_INSERT_MATCH, [
        (m.id, m.statement_line_id, m.status.value, m.band.value, m.shape, m.score_permille, m.explanation, stamp,
         m.decided_by, stamp if m.decided_at else None)
        for m in stored
    ])
    target_rows = [(m.id, t.target_kind, t.target_id, t.amount_minor, t.currency) for m in stored for t in m.targets]
    if target_rows:
        conn.exec_driver_sql(_INSERT_TARGET, target_rows)
    accepted = [m for m in stored if m.status is MatchStatus.ACCEPTED]
    if accepted:
        matched = LineMatchStatus.MATCHED.value
        conn.exec_driver_sql(_MARK_LINE, [(matched, m.statement_line_id) for m in accepted])
        audit.record(session, "match.auto_accepted", actor=actor, entity_type="match_run", entity_id=accepted[0].id,
                     matches=[{"match": m.id, "line": m.statement_line_id, "score": m.score_permille,
                               "targets": [f"{t.target_kind}:{t.target_id}" for t in m.targets],
                               "explanation": m.explanation} for m in accepted])
    return stored


def _stored(match_id: int, proposal: Proposal, auto: bool, actor: str, now: datetime) -> StoredMatch:
    accept = auto and proposal.band is Band.AUTO
    return StoredMatch(
        match_id, proposal.line_id, MatchStatus.ACCEPTED if accept else MatchStatus.SUGGESTED,
        MatchBand(proposal.band.value), proposal.shape, round(proposal.score * 1000), proposal.explanation,
        tuple(StoredTarget(t.kind.value, t.id, t.amount.minor_units(), t.amount.currency) for t in proposal.targets),
        actor if accept else None, now if accept else None,
    )
