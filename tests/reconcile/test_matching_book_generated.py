"""The benchmark's path on the fixed seed: 10,000 lines and 10,000 expenses matched through a real book.

``run_matching(auto=True)`` is what ``bookbridge reconcile --auto`` runs; these tests check that
what it stores keeps the matcher's quality and everything a decision needs (who, when, undo).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest
import sqlalchemy as sa

from bookbridge.reconcile.matching import decisions
from bookbridge.reconcile.matching.adapters import all_targets, statement_lines
from bookbridge.reconcile.matching.engine import match_lines
from bookbridge.reconcile.matching.index import date_span
from bookbridge.reconcile.matching.model import Band
from bookbridge.reconcile.matching.service import MatchRun, load_settings, run_matching
from bookbridge.reconcile.matching.synthetic import Scenario, evaluate, generate
from bookbridge.reconcile.matching.synthetic_book import BookScenario, proposals_of_run, write_scenario
from bookbridge.store.book import Book, create_book
from bookbridge.store.models import AuditEntry, BankAccount, LineMatchStatus, Match, MatchStatus, MatchTarget, StatementLine

SEED = 20260131
PASSPHRASE = "generated book passphrase"


class Generated(NamedTuple):
    book: Book
    stored: BookScenario
    run: MatchRun


def _matched_book(folder: Path, size: int, *, auto: bool) -> tuple[Book, BookScenario, MatchRun]:
    book = create_book(folder / "generated.bbk", PASSPHRASE, company="Generated Haulage")
    stored = write_scenario(book, generate(size, size, SEED), folder)
    return book, stored, run_matching(book, auto=auto, actor="rita")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """The full-size scenario, matched once with --auto (read-only for the tests of this module)."""
    book, stored, run = _matched_book(tmp_path_factory.mktemp("generated"), 10_000, auto=True)
    try:
        yield Generated(book, stored, run)
    finally:
        book.close()


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Generated]:
    """A small scenario of the same generator, matched with --auto, for tests that change the book."""
    book, stored, run = _matched_book(tmp_path, 300, auto=True)
    try:
        yield Generated(book, stored, run)
    finally:
        book.close()


def _scenario(generated: Generated) -> Scenario:
    return generated.stored.scenario


def test_book_run_auto_band_precision_is_at_least_99_percent(generated: Generated) -> None:
    """What the book run accepts without a person is right at least 99 % of the time, twins counted or not."""
    proposals = proposals_of_run(generated.stored, generated.run)
    assert evaluate(proposals, _scenario(generated)).auto_precision >= 0.99
    assert evaluate(proposals, _scenario(generated), strict=True).auto_precision >= 0.99


def test_book_run_overall_precision_and_recall(generated: Generated) -> None:
    """Through the book, precision stays above 0.94 and recall above 0.92; the auto band covers over 78 % of lines."""
    quality = evaluate(proposals_of_run(generated.stored, generated.run), _scenario(generated))
    assert quality.precision >= 0.94 and quality.recall >= 0.92
    assert quality.auto_recall >= 0.78


def test_stored_matches_are_exactly_the_engines_proposals(generated: Generated) -> None:
    """Every stored match has the line, targets, band, score and explanation the engine proposed, none more."""
    with generated.book.read() as session:
        account = session.scalars(sa.select(BankAccount)).one()
        lines = statement_lines(session, account, None, None, only_unmatched=False)  # as before the run
        settings = load_settings(session)
        span = date_span(lines, settings)
        assert span is not None
        targets = all_targets(session, account, span[0], span[1], set())
        targets_of: dict[int, set[tuple[str, int]]] = {}
        for match_id, kind, target_id in session.execute(
                sa.select(MatchTarget.match_id, MatchTarget.target_kind, MatchTarget.target_id)):
            targets_of.setdefault(match_id, set()).add((kind, target_id))
        stored = {(row.statement_line_id, frozenset(targets_of[row.id]), row.band.value, row.score_permille, row.explanation)
                  for row in session.execute(sa.select(Match.id, Match.statement_line_id, Match.band,
                                                       Match.score_permille, Match.explanation))}
    proposed = {(p.line_id, p.target_keys, p.band.value, round(p.score * 1000), p.explanation)
                for p in match_lines(lines, targets, settings)}
    assert stored == proposed


def test_accepted_matches_say_who_and_when_and_their_lines_are_matched(generated: Generated) -> None:
    """Each auto-accepted row carries the actor and time; suggestions carry neither; exactly their lines are matched."""
    with generated.book.read() as session:
        rows = session.execute(sa.select(Match.status, Match.decided_by, Match.decided_at, Match.statement_line_id)).all()
        matched = set(session.scalars(sa.select(StatementLine.id)
                                      .where(StatementLine.match_status == LineMatchStatus.MATCHED)))
    accepted = [r for r in rows if r.status is MatchStatus.ACCEPTED]
    assert len(accepted) == generated.run.auto_accepted > 0
    assert all(r.decided_by == "rita" and r.decided_at is not None for r in accepted)
    assert all(r.decided_by is None and r.decided_at is None for r in rows if r.status is MatchStatus.SUGGESTED)
    assert matched == {r.statement_line_id for r in accepted}


def test_audit_entry_lists_every_auto_accepted_match(generated: Generated) -> None:
    """The run's audit entry names each accepted match with its line and targets, by the run's actor."""
    with generated.book.read() as session:
        (entry,) = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "match.auto_accepted")).all()
        accepted = {match_id: line_id for match_id, line_id in session.execute(
            sa.select(Match.id, Match.statement_line_id).where(Match.status == MatchStatus.ACCEPTED))}
    logged = json.loads(entry.detail_json)["matches"]
    assert entry.actor == "rita"
    assert {m["match"]: m["line"] for m in logged} == accepted and all(m["targets"] for m in logged)


def test_bulk_accepted_match_can_be_undone_and_is_proposed_again(small: Generated) -> None:
    """An auto-accepted match from the bulk write undoes like any other, and the next run proposes its line again."""
    chosen = next(m for m in small.run.matches if m["status"] == "accepted" and m["shape"] == "one_to_one")
    line_id = chosen["line"]["id"]
    undone = decisions.undo_match(small.book, int(chosen["match_id"]), actor="kim", reason="wrong receipt")
    assert (undone["status"], undone["decided_by"], undone["undone_by"]) == ("undone", "rita", "kim")
    again = run_matching(small.book, actor="kim")
    proposed = [m for m in again.matches if m["line"]["id"] == line_id]
    assert [t["id"] for t in proposed[0]["targets"]] == [t["id"] for t in chosen["targets"]]
    assert proposed[0]["status"] == "suggested" and proposed[0]["match_id"] != chosen["match_id"]


def test_second_run_stores_beside_decided_matches(small: Generated) -> None:
    """A rerun keeps decided matches and their targets untouched and gives its new matches fresh ids."""
    with small.book.read() as session:
        decided_before = {row.id: row for row in session.execute(sa.select(Match.id, Match.status, Match.decided_at)
                                                                 .where(Match.status == MatchStatus.ACCEPTED))}
        targets_before = session.execute(sa.select(sa.func.count()).select_from(MatchTarget)
                                         .join(Match, Match.id == MatchTarget.match_id)
                                         .where(Match.status == MatchStatus.ACCEPTED)).scalar_one()
    again = run_matching(small.book, auto=True, actor="kim")
    with small.book.read() as session:
        decided_after = {row.id: row for row in session.execute(sa.select(Match.id, Match.status, Match.decided_at)
                                                                .where(Match.status == MatchStatus.ACCEPTED))}
        targets_after = session.execute(sa.select(sa.func.count()).select_from(MatchTarget)
                                        .join(Match, Match.id == MatchTarget.match_id)
                                        .where(Match.status == MatchStatus.ACCEPTED)).scalar_one()
    assert {k: v for k, v in decided_after.items() if k in decided_before} == decided_before
    assert targets_after >= targets_before and len(decided_after) == len(decided_before) + again.auto_accepted
    assert not {int(m["match_id"]) for m in again.matches} & set(decided_before)
    assert all(m["band"] != Band.AUTO.value or m["status"] == "accepted" for m in again.matches)
