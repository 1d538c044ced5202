"""The bulk writer of a run's proposals: what goes in comes back out of the book, row for row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbridge.core.money import Money
from bookbridge.reconcile.matching.model import Band, Proposal, Target, TargetKind
from bookbridge.reconcile.matching.persist import store_proposals
from bookbridge.reconcile.matching.synthetic import generate
from bookbridge.reconcile.matching.synthetic_book import write_scenario
from bookbridge.store.book import Book, create_book
from bookbridge.store.models import LineMatchStatus, Match, MatchStatus, MatchTarget, StatementLine

LINES = 40


@pytest.fixture(scope="module")
def lined_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Book, list[int]]]:
    """A book holding a small generated statement (its line ids) and no matches yet."""
    folder = tmp_path_factory.mktemp("persist")
    book = create_book(folder / "persist.bbk", "persist test passphrase", company="Persist Haulage")
    write_scenario(book, generate(LINES, LINES, 7), folder)
    with book.read() as session:
        line_ids = list(session.scalars(sa.select(StatementLine.id).order_by(StatementLine.id)))
    try:
        yield book, line_ids
    finally:
        book.close()


_targets = st.lists(
    st.builds(lambda target_id, cents: Target(TargetKind.EXPENSE, target_id, Money(Decimal(cents).scaleb(-2), "USD"),
                                              date(2026, 1, 1)),
              st.integers(1, 10**9), st.integers(-10**12, 10**12)),
    min_size=0, max_size=4, unique_by=lambda t: t.id,
)


@st.composite
def _proposals(draw: st.DrawFn, line_ids: list[int]) -> list[Proposal]:
    chosen = draw(st.lists(st.sampled_from(line_ids), unique=True, max_size=len(line_ids)))
    return [
        Proposal(line_id, tuple(draw(_targets)), draw(st.floats(0, 1)), draw(st.sampled_from([Band.AUTO, Band.SUGGEST])),
                 draw(st.sampled_from(["one_to_one", "one_to_many"])), draw(st.text(max_size=60)))
        for line_id in chosen
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), auto=st.booleans())
def test_stored_rows_read_back_as_the_proposals(lined_book: tuple[Book, list[int]], data: st.DataObject,
                                                auto: bool) -> None:
    """Any set of proposals is stored with fresh ids, its targets, band, score and text; accepted exactly when auto."""
    book, line_ids = lined_book
    proposals = data.draw(_proposals(line_ids))
    with book.read() as session:  # never committed: each example starts from the same book
        before = session.scalar(sa.select(sa.func.coalesce(sa.func.max(Match.id), 0)))
        stored = store_proposals(session, proposals, auto=auto, actor="hypo")
        rows = {row.id: row for row in session.execute(
            sa.select(Match.id, Match.statement_line_id, Match.status, Match.band, Match.shape, Match.score_permille,
                      Match.explanation, Match.decided_by, Match.decided_at).where(Match.id > before))}
        targets: dict[int, set[tuple[str, int, int, str]]] = {}
        for t in session.scalars(sa.select(MatchTarget)):
            targets.setdefault(t.match_id, set()).add((t.target_kind, t.target_id, t.amount_minor, t.currency))
        matched = set(session.scalars(sa.select(StatementLine.id)
                                      .where(StatementLine.match_status == LineMatchStatus.MATCHED)))
        session.rollback()
    assert [m.id for m in stored] == list(range(before + 1, before + 1 + len(proposals)))
    for proposal, match in zip(proposals, stored):
        row = rows[match.id]
        accepted = auto and proposal.band is Band.AUTO
        assert (row.statement_line_id, row.band.value, row.shape, row.score_permille, row.explanation) == (
            proposal.line_id, proposal.band.value, proposal.shape, round(proposal.score * 1000), proposal.explanation)
        assert row.status is (MatchStatus.ACCEPTED if accepted else MatchStatus.SUGGESTED)
        assert (row.decided_by, row.decided_at is not None) == (("hypo", True) if accepted else (None, False))
        assert targets.get(match.id, set()) == {("expense", t.id, t.amount.minor_units(), "USD") for t in proposal.targets}
    assert matched == {p.line_id for p in proposals if auto and p.band is Band.AUTO}


def test_nothing_to_store_writes_nothing(lined_book: tuple[Book, list[int]]) -> None:
    """No proposals: no rows, no audit entry pending, nothing returned."""
    book, _ = lined_book
    with book.read() as session:
        assert store_proposals(session, [], auto=True, actor="hypo") == []
        assert not session.new and session.scalar(sa.select(sa.func.count()).select_from(Match)) == 0
        session.rollback()
