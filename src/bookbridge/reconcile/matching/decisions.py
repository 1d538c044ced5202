"""People's decisions on matches: accept, reject, match by hand, explain, undo.

Every decision writes who and when on the match row and an entry in the append-only audit log,
in the same transaction. Nothing is deleted once decided: undo marks the decision undone (with
who and when) and puts the line back to unmatched, so the month-end pack can show the trail.

Refusals (raised, nothing changed): deciding on a match that is not in the state the action
needs, accepting targets another accepted match on the same account already settles, matching
by hand with amounts that do not add up.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import NotFound, UsageError
from bookbridge.core.money import Money, total
from bookbridge.reconcile.matching.adapters import all_targets, line_view
from bookbridge.reconcile.matching.model import MatchSettings, Target
from bookbridge.reconcile.matching.records import match_as_dict
from bookbridge.reconcile.matching.scoring import score_pair
from bookbridge.reconcile.matching.service import accepted_targets, load_settings
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import (
    BankAccount,
    Expense,
    LineMatchStatus,
    Match,
    MatchBand,
    MatchStatus,
    MatchTarget,
    StatementLine,
)


def accept_match(book: Book, match_id: int, *, actor: str, note: str | None = None) -> dict[str, object]:
    """Accept a suggested match."""
    with book.unit_of_work() as session:
        match = _match(session, match_id)
        if match.status is not MatchStatus.SUGGESTED:
            raise UsageError(f"Match {match_id} is {match.status.value}; only a suggested match can be accepted.")
        line = _line(session, match.statement_line_id)
        _refuse_if_settled(session, line, {(t.target_kind, t.target_id) for t in match.targets})
        _decide(match, MatchStatus.ACCEPTED, actor, note)
        line.match_status = LineMatchStatus.MATCHED
        _drop_rival_suggestions(session, match, line)
        audit.record(session, "match.accepted", actor=actor, entity_type="match", entity_id=match.id,
                     line=line.id, targets=_target_labels(match), band=match.band.value, note=note)
        return match_as_dict(session, match)


def reject_match(book: Book, match_id: int, *, actor: str, note: str | None = None) -> dict[str, object]:
    """Reject a suggested match; the same combination will not be proposed again."""
    with book.unit_of_work() as session:
        match = _match(session, match_id)
        if match.status is not MatchStatus.SUGGESTED:
            raise UsageError(f"Match {match_id} is {match.status.value}; only a suggested match can be rejected.")
        _decide(match, MatchStatus.REJECTED, actor, note)
        audit.record(session, "match.rejected", actor=actor, entity_type="match", entity_id=match.id,
                     line=match.statement_line_id, targets=_target_labels(match), note=note)
        return match_as_dict(session, match)


def undo_match(book: Book, match_id: int, *, actor: str, reason: str | None = None) -> dict[str, object]:
    """Undo an accepted, explained or rejected match (the line becomes unmatched again)."""
    with book.unit_of_work() as session:
        match = _match(session, match_id)
        if match.status not in (MatchStatus.ACCEPTED, MatchStatus.REJECTED):
            raise UsageError(f"Match {match_id} is {match.status.value}; only an accepted or rejected decision "
                             "can be undone.")
        previous = match.status.value
        match.status = MatchStatus.UNDONE
        match.undone_by, match.undone_at = actor, clock.now()
        if previous == MatchStatus.ACCEPTED.value:
            _line(session, match.statement_line_id).match_status = LineMatchStatus.UNMATCHED
        audit.record(session, "match.undone", actor=actor, entity_type="match", entity_id=match.id,
                     line=match.statement_line_id, previous=previous, reason=reason)
        return match_as_dict(session, match)


def match_by_hand(
    book: Book, line_id: int, targets: list[tuple[str, int]], *, actor: str, note: str | None = None,
    settings: MatchSettings | None = None,
) -> dict[str, object]:
    """Tie a line to targets a person chose; their amounts must add up to the line's."""
    if not targets:
        raise UsageError("Name at least one target (for example --expense 42), or use `match explain`.")
    with book.unit_of_work() as session:
        settings = settings or load_settings(session)
        line = _line(session, line_id)
        if line.match_status is not LineMatchStatus.UNMATCHED:
            raise UsageError(f"Statement line {line_id} is already {line.match_status.value}; undo that first.")
        chosen = _load_targets(session, line, set(targets))
        _refuse_if_settled(session, line, set(targets))
        explanation = _explain_manual(line, chosen, settings)
        now = clock.now()
        match = Match(
            statement_line_id=line.id, status=MatchStatus.ACCEPTED, band=MatchBand.MANUAL,
            shape="one_to_one" if len(chosen) == 1 else "one_to_many", score_permille=1000,
            explanation=explanation, note=note, created_at=now, decided_by=actor, decided_at=now,
            targets=[MatchTarget(target_kind=t.kind.value, target_id=t.id, amount_minor=t.amount.minor_units(),
                                 currency=t.amount.currency) for t in chosen],
        )
        session.add(match)
        line.match_status = LineMatchStatus.MATCHED
        session.flush()
        _drop_rival_suggestions(session, match, line)
        audit.record(session, "match.accepted", actor=actor, entity_type="match", entity_id=match.id,
                     line=line.id, targets=_target_labels(match), band="manual", note=note)
        return match_as_dict(session, match)


def explain_line(book: Book, line_id: int, *, actor: str, note: str) -> dict[str, object]:
    """Record why a line has no target (a bank fee, interest, a transfer between own accounts)."""
    if not note or not note.strip():
        raise UsageError("An explanation needs a note saying why the line has no match.")
    with book.unit_of_work() as session:
        line = _line(session, line_id)
        if line.match_status is not LineMatchStatus.UNMATCHED:
            raise UsageError(f"Statement line {line_id} is already {line.match_status.value}; undo that first.")
        now = clock.now()
        match = Match(statement_line_id=line.id, status=MatchStatus.ACCEPTED, band=MatchBand.MANUAL,
                      shape="explained", score_permille=1000, explanation=f"explained: {note.strip()}",
                      note=note.strip(), created_at=now, decided_by=actor, decided_at=now, targets=[])
        session.add(match)
        line.match_status = LineMatchStatus.EXPLAINED
        session.flush()
        _drop_rival_suggestions(session, match, line)
        audit.record(session, "match.explained", actor=actor, entity_type="match", entity_id=match.id,
                     line=line.id, note=note.strip())
        return match_as_dict(session, match)


# --- helpers ------------------------------------------------------------------------------------


def _match(session: Session, match_id: int) -> Match:
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"There is no match {match_id} in this book; run `bookbridge match BOOK --json` to see them.")
    return match


def _line(session: Session, line_id: int) -> StatementLine:
    line = session.get(StatementLine, line_id)
    if line is None:
        raise NotFound(f"There is no statement line {line_id} in this book.")
    return line


def _decide(match: Match, status: MatchStatus, actor: str, note: str | None) -> None:
    match.status = status
    match.decided_by, match.decided_at = actor, clock.now()
    if note:
        match.note = note


def _target_labels(match: Match) -> list[str]:
    return sorted(f"{t.target_kind}:{t.target_id}" for t in match.targets)


def _refuse_if_settled(session: Session, line: StatementLine, keys: set[tuple[str, int]]) -> None:
    settled = keys & accepted_targets(session, line.bank_account_id)
    if settled:
        labels = ", ".join(f"{k} {i}" for k, i in sorted(settled))
        raise UsageError(f"{labels} already settle(s) another statement line of this account; undo that match first.")


def _drop_rival_suggestions(session: Session, decided: Match, line: StatementLine) -> None:
    """Suggestions for the same line, or for the same targets on the same account, are now moot."""
    keys = {(t.target_kind, t.target_id) for t in decided.targets}
    rivals = session.scalars(
        sa.select(Match).join(StatementLine, StatementLine.id == Match.statement_line_id)
        .where(Match.status == MatchStatus.SUGGESTED, Match.id != decided.id,
               StatementLine.bank_account_id == line.bank_account_id)
    ).all()
    for rival in rivals:
        if rival.statement_line_id == line.id or keys & {(t.target_kind, t.target_id) for t in rival.targets}:
            session.delete(rival)


def _load_targets(session: Session, line: StatementLine, keys: set[tuple[str, int]]) -> list[Target]:
    account = session.get(BankAccount, line.bank_account_id)
    assert account is not None
    unknown_kinds = {k for k, _ in keys} - {"expense"}
    if unknown_kinds:
        raise UsageError(f"Only expenses can be matched for now (journal lines join with the outbox), not {sorted(unknown_kinds)}.")
    dates = session.execute(sa.select(Expense.id, Expense.txn_date).where(Expense.id.in_([i for _, i in keys]))).all()
    found = {i: d for i, d in dates}
    missing = sorted(i for _, i in keys if i not in found)
    if missing:
        raise NotFound(f"There is no expense {', '.join(map(str, missing))} in this book.")
    start, end = min(found.values()), max(found.values())
    candidates = {t.key: t for t in all_targets(session, account, start, end, set())}
    unusable = sorted(i for k, i in keys if (k, i) not in candidates)
    if unusable:
        raise UsageError(f"Expense(s) {', '.join(map(str, unusable))} cannot settle a line of {account.name!r} "
                         "(wrong payment method, card, currency or status).")
    return sorted((candidates[k] for k in keys), key=lambda t: (t.date, t.id))


def _explain_manual(line: StatementLine, chosen: list[Target], settings: MatchSettings) -> str:
    amount: Money = line.amount
    summed = total((t.amount for t in chosen), amount.currency)
    approximate = any(t.approximate for t in chosen)
    difference = amount - summed
    tolerance_ok = approximate and not summed.is_zero() and abs(difference.amount) / abs(summed.amount) <= settings.fx_tolerance
    if not difference.is_zero() and not tolerance_ok:
        raise UsageError(f"The chosen targets add up to {summed}, the line is {amount} (difference {difference}); "
                         "nothing was matched.")
    if len(chosen) == 1:
        evidence = score_pair(line_view(line), chosen[0], MatchSettings(window_days=3650))
        reasons = evidence.explain() if evidence else "amounts agree"
        return f"matched by hand: {reasons}"
    return f"matched by hand: {len(chosen)} items adding up to {summed}" + ("" if difference.is_zero() else f" (difference {difference})")
