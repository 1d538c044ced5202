"""The demo card statement: its OFX, what it lists, how it is matched, and the demo bookkeeper's month end."""

from __future__ import annotations

import shutil
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.core.money import Money, total
from bookbridge.reconcile.ledger import PostedDocument, RemoteFigure, StoredLedgerSource
from bookbridge.reconcile.periods import Period, signoff
from bookbridge.reconcile.statements.reader import read_statement_bytes
from bookbridge.reconcile.tieout import JOURNAL_STATUSES
from bookbridge.store.book import open_book
from bookbridge.store.models import (
    BankAccount, Expense, LineMatchStatus, Match, MatchStatus, MonthEndPack, PaymentMethod, StatementLine,
)
from bookbridge.sync.demo.data import create_demo_book
from bookbridge.sync.demo.desktop import prepare_demo_book
from bookbridge.sync.demo.headless import DEMO_PASSPHRASE
from bookbridge.sync.demo.month_end import ReadOnceSource, close_demo_month, explain_fees, pack_paths
from bookbridge.sync.demo.statement import (
    CARD, CARD_ACCOUNT, DEMO_FEES, StatementRow, add_demo_statement, card_ofx, signed_amount, statement_period,
)

TODAY = date(2026, 11, 21)
PASSPHRASE = DEMO_PASSPHRASE  # the desktop demo's job opens its book with it
PERIOD = Period(2026, 2)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo book for the module (about 3 s to make); each test works on its own copy."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.bbk"
    create_demo_book(path, PASSPHRASE, today=TODAY)
    return path


@pytest.fixture
def demo_book(demo_template: Path, tmp_path: Path):
    path = tmp_path / "demo.bbk"
    shutil.copyfile(demo_template, path)
    with open_book(path, PASSPHRASE) as book:
        yield book


def _card_charges(book) -> dict[str, int]:
    """FITID the statement gives each charge of the month our journal carries -> the charge in minor units."""
    period = statement_period(TODAY)
    with book.read() as session:
        rows = session.execute(sa.select(Expense.id, Expense.amount_minor).where(
            Expense.payment_method == PaymentMethod.COMPANY_CARD, Expense.card == CARD, Expense.currency == "USD",
            Expense.status.in_(JOURNAL_STATUSES), Expense.txn_date >= period.start,
            Expense.txn_date <= period.end)).all()
    return {f"DEMO-{expense_id}": minor for expense_id, minor in rows}


def _card_charges_of(path: Path) -> dict[str, int]:
    with open_book(path, PASSPHRASE) as book:
        return _card_charges(book)


def _lines(book) -> dict[str, StatementLine]:
    with book.read() as session:
        return {line.bank_id: line for line in session.scalars(sa.select(StatementLine))}


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_statement_amount_is_the_charge_negated_exactly(minor: int) -> None:
    """A charge shows as money out (and a refund as money in) to the cent, written with two decimals."""
    text = signed_amount(minor)
    assert Money.parse(text, "USD") == -Money.from_minor(minor, "USD")
    assert len(text.rpartition(".")[2]) == 2


_PAYEE = st.from_regex(r"[A-Z][A-Z0-9#']{0,12}( [A-Z0-9#]{1,8}){0,2}", fullmatch=True)
_ROW = st.tuples(st.integers(0, 27), st.integers(-500_000, 500_000), _PAYEE)


@settings(deadline=None, max_examples=60)  # the first example pays for importing the OFX parser
@given(st.lists(_ROW, min_size=1, max_size=30))
def test_card_ofx_reads_back_line_for_line_with_a_closing_balance_that_adds_up(drawn) -> None:
    """Our own OFX reader gets every line back (date, amount, FITID, payee) and a closing balance equal to their sum."""
    rows = [StatementRow(PERIOD.start + timedelta(days=day), signed_amount(minor), f"T-{n}", payee)
            for n, (day, minor, payee) in enumerate(drawn)]
    parsed = read_statement_bytes(card_ofx(rows, PERIOD).encode("ascii"), "card.ofx")
    assert parsed.ok and len(parsed.statements) == 1
    statement = parsed.statements[0]
    assert [(line.booked_date, line.amount.amount, line.bank_id, line.payee) for line in statement.lines] == [
        (row.day, Decimal(row.amount), row.bank_id, row.payee) for row in rows]
    assert statement.closing == total((line.amount for line in statement.lines), "USD")
    assert (statement.period_start, statement.period_end) == (PERIOD.start, PERIOD.end)


def test_statement_lists_each_journal_charge_of_the_card_and_the_fees(demo_book, tmp_path) -> None:
    """The statement carries every Visa charge of the last month our journal has, at its amount, plus the two fees."""
    charges = _card_charges(demo_book)
    added = add_demo_statement(demo_book, tmp_path, today=TODAY)
    lines = _lines(demo_book)
    assert added.new_lines == len(lines) == len(charges) + len(DEMO_FEES) and len(charges) > 20
    assert {fitid: -line.amount_minor for fitid, line in lines.items() if fitid in charges} == charges
    assert {fee.bank_id: fee.amount for fee in DEMO_FEES} == {
        fitid: signed_amount(-line.amount_minor) for fitid, line in lines.items() if fitid not in charges}
    assert added.path is not None and added.path.parent == tmp_path and added.period == statement_period(TODAY)


def test_desktop_demo_leaves_the_proposals_for_a_person(demo_book, tmp_path) -> None:
    """Without auto, the matcher's proposals wait as suggestions and every line stays unmatched."""
    added = add_demo_statement(demo_book, tmp_path, today=TODAY)
    with demo_book.read() as session:
        statuses = set(session.scalars(sa.select(Match.status)))
        states = set(session.scalars(sa.select(StatementLine.match_status)))
    assert added.matching is not None and added.matching.suggested > 0 and added.matching.auto_accepted == 0
    assert statuses == {MatchStatus.SUGGESTED} and states == {LineMatchStatus.UNMATCHED}


def test_adding_the_statement_again_imports_nothing(demo_book, tmp_path) -> None:
    """A book that already has the card's statement gets no second file and no new line."""
    first = add_demo_statement(demo_book, tmp_path, today=TODAY)
    again = add_demo_statement(demo_book, tmp_path / "elsewhere", today=TODAY)
    assert again.path is None and again.new_lines == 0 and again.matching is None
    assert len(_lines(demo_book)) == first.new_lines


def test_auto_matching_ties_each_charge_to_its_own_expense(demo_book, tmp_path) -> None:
    """With auto, every charge line is matched to exactly the expense it came from; the fees stay open."""
    charges = _card_charges(demo_book)
    add_demo_statement(demo_book, tmp_path, today=TODAY, auto=True)
    with demo_book.read() as session:
        accepted = {match.statement_line_id: [(t.target_kind, t.target_id) for t in match.targets]
                    for match in session.scalars(sa.select(Match).where(Match.status == MatchStatus.ACCEPTED))}
    lines = _lines(demo_book)
    assert {fitid: accepted.get(line.id) for fitid, line in lines.items() if fitid in charges} == {
        fitid: [("expense", int(fitid.removeprefix("DEMO-")))] for fitid in charges}
    assert {fitid: line.match_status for fitid, line in lines.items() if fitid not in charges} == {
        fee.bank_id: LineMatchStatus.UNMATCHED for fee in DEMO_FEES}


def test_bookkeeper_explains_the_annual_fee_and_leaves_the_interest_open(demo_book, tmp_path) -> None:
    """The fee with an explanation is explained with that note, once; the interest charge stays unmatched."""
    add_demo_statement(demo_book, tmp_path, today=TODAY, auto=True)
    period = statement_period(TODAY)
    assert explain_fees(demo_book, period, actor="tester") == 1
    assert explain_fees(demo_book, period, actor="tester") == 0
    lines = _lines(demo_book)
    with demo_book.read() as session:
        notes = {m.statement_line_id: (m.note, m.decided_by) for m in session.scalars(
            sa.select(Match).where(Match.status == MatchStatus.ACCEPTED, Match.shape == "explained"))}
    for fee in DEMO_FEES:
        line = lines[fee.bank_id]
        if fee.explanation:
            assert line.match_status is LineMatchStatus.EXPLAINED and notes[line.id] == (fee.explanation, "tester")
        else:
            assert line.match_status is LineMatchStatus.UNMATCHED and line.id not in notes


class CountingSource(StoredLedgerSource):
    """The stored figures, counting how often each document is asked for."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def document_total(self, doc: PostedDocument) -> RemoteFigure:
        self.asked.append(doc.outbox_id)
        return super().document_total(doc)


def test_read_once_source_asks_about_each_document_once() -> None:
    """Asking twice for one document reads it once and gives the same figure; another document is read too."""
    inner = CountingSource()
    source = ReadOnceSource(inner)
    docs = [PostedDocument(n, "journal_entry", f"k{n}", None, date(2026, 2, 1), "USD", Decimal(n), "9", None)
            for n in (1, 2)]
    figures = [source.document_total(d) for d in docs + docs]
    assert inner.asked == [1, 2] and figures[:2] == figures[2:] and source.label == inner.label


def test_signed_off_month_keeps_its_matches_and_still_gets_a_pack(demo_book, tmp_path) -> None:
    """After sign-off, the month end changes no match or explanation, says so, and writes the pack beside the book."""
    period = statement_period(TODAY)
    add_demo_statement(demo_book, tmp_path, today=TODAY)
    signoff(demo_book, period, actor="tester", reason="demo test", force=True)
    done = close_demo_month(demo_book, demo_book.path, today=TODAY)
    with demo_book.read() as session:
        decided = session.scalar(sa.select(sa.func.count()).select_from(Match).where(Match.status != MatchStatus.SUGGESTED))
        account = session.scalars(sa.select(BankAccount.name)).one()
    assert done.locked and done.explained_now == 0 and done.auto_accepted == 0 and decided == 0
    assert account == CARD_ACCOUNT and done.lines.unmatched == done.lines.total
    assert (done.pack.path, done.csv_dir) == pack_paths(demo_book.path, period) and done.pack.path.is_file()
    assert done.pack.signed_off and done.as_dict()["signed_off"] is True


def test_month_end_run_again_keeps_every_decision_and_records_a_second_pack(demo_book) -> None:
    """A second month end imports and explains nothing more, finds the same lines, and records one more pack."""
    first = close_demo_month(demo_book, demo_book.path, today=TODAY)
    again = close_demo_month(demo_book, demo_book.path, today=TODAY)
    with demo_book.read() as session:
        packs = session.scalars(sa.select(MonthEndPack.sha256).order_by(MonthEndPack.id)).all()
    assert first.statement.new_lines == first.lines.total and first.explained_now == 1
    assert (again.statement.path, again.statement.new_lines, again.explained_now, again.auto_accepted) == (None, 0, 0, 0)
    assert again.lines == first.lines and again.pack.path == first.pack.path
    assert packs == [first.pack.sha256, again.pack.sha256]


def test_desktop_demo_job_reuses_its_book_and_imports_the_statement_once(demo_template, tmp_path) -> None:
    """The "Try with demo data" job opens an existing demo book, adds the card statement beside it, and not twice."""
    target = tmp_path / "data" / "demo.bbk"
    target.parent.mkdir()
    shutil.copyfile(demo_template, target)
    job = prepare_demo_book(target, today=TODAY)
    counts = []
    for _ in range(2):
        demo = job(lambda *step, **detail: None, threading.Event())
        with demo.book:
            counts.append((demo.created, len(_lines(demo.book))))
    assert counts[0] == counts[1] == (False, len(_card_charges_of(target)) + len(DEMO_FEES))
    assert (target.parent / f"demo-card-{statement_period(TODAY).label}.ofx").is_file()
