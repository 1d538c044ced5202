"""The headless demo's month end: the card statement reconciled, the checklist, the PDF pack.

After the sync, :func:`close_demo_month` does for the demo's last month what a bookkeeper does:
import the Visa card statement (:mod:`bookbridge.sync.demo.statement`), let the matcher accept
what it is sure of, explain the bank charges that have no expense behind them (the annual fee;
the interest charge is left unmatched on purpose, so the newcomer sees what an open line looks
like on the checklist and in the pack), build the month-end checklist, and write the
reconciliation pack (PDF and CSV) beside the book through the same service as ``bookbridge pack``.

The month is not signed off: the demo's exceptions are blockers on purpose. Run again on the
same book, it imports nothing twice, keeps every decision made earlier, and writes a fresh pack.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bookbridge.core.money import Money, total
from bookbridge.reconcile.checklist import Checklist, build_checklist
from bookbridge.reconcile.ledger import LedgerSource, PostedDocument, RemoteFigure
from bookbridge.reconcile.matching.decisions import explain_line
from bookbridge.reconcile.matching.service import run_matching
from bookbridge.reconcile.periods import Period, period_state
from bookbridge.reports.pack.service import PackResult, write_pack
from bookbridge.store.book import Book
from bookbridge.store.models import BankAccount, LineMatchStatus, StatementLine
from bookbridge.sync.demo.statement import CARD_ACCOUNT, DEMO_FEES, DemoStatement, add_demo_statement

PREPARER = "Demo bookkeeper"  # printed on the pack's cover; the demo acts under this name throughout


@dataclass(frozen=True, slots=True)
class LineCounts:
    """The card statement's lines in the month, by state, with the matched lines' total."""

    total: int
    matched: int
    explained: int
    unmatched: int
    matched_amount: Money
    open_lines: tuple[dict[str, object], ...]  # the unmatched ones: id, date, payee, amount

    def as_dict(self) -> dict[str, object]:
        return {"lines": self.total, "matched": self.matched, "explained": self.explained,
                "unmatched": self.unmatched, "matched_total": self.matched_amount.format(),
                "open_lines": list(self.open_lines)}


@dataclass(frozen=True, slots=True)
class DemoMonthEnd:
    """What the month end did and where its files are."""

    period: Period
    locked: bool
    statement: DemoStatement
    auto_accepted: int
    suggested: int
    explained_now: int
    lines: LineCounts
    checklist: Checklist
    pack: PackResult
    csv_dir: Path

    def as_dict(self) -> dict[str, Any]:
        counts = self.checklist.as_dict()["counts"]
        return {
            "period": self.period.label,
            "signed_off": self.locked,
            "statement": {"account": CARD_ACCOUNT, "file": str(self.statement.path) if self.statement.path else None,
                          "new_lines": self.statement.new_lines},
            "matching": {"auto_accepted": self.auto_accepted, "suggested": self.suggested,
                         "explained_now": self.explained_now, **self.lines.as_dict()},
            "checklist": {"overall": self.checklist.overall.value, "counts": counts,
                          "items": [item.as_dict() for item in self.checklist.items]},
            "pack": {"file": str(self.pack.path), "sha256": self.pack.sha256, "pages": self.pack.pages,
                     "size_bytes": self.pack.size_bytes, "csv_dir": str(self.csv_dir),
                     "csv_files": [p.name for p in self.pack.csv_files]},
        }


class ReadOnceSource:
    """A ledger source that asks the accounting system about each document once.

    The checklist printed by the demo and the one inside the pack are built one after the other;
    with this they show the same figures, and the sandbox is not queried twice for each document.
    """

    def __init__(self, source: LedgerSource) -> None:
        self.source = source
        self.label = source.label
        self._figures: dict[int, RemoteFigure] = {}

    def document_total(self, doc: PostedDocument) -> RemoteFigure:
        if doc.outbox_id not in self._figures:
            self._figures[doc.outbox_id] = self.source.document_total(doc)
        return self._figures[doc.outbox_id]


def pack_paths(book_path: Path, period: Period) -> tuple[Path, Path]:
    """Where the demo's pack PDF and its CSV folder go: beside the book, named after it and the month."""
    stem = book_path.with_name(f"{book_path.stem}-pack-{period.label}")
    return stem.with_suffix(".pdf"), stem.with_name(stem.name + "-csv")


def _card_lines(book: Book, period: Period) -> list[StatementLine]:
    with book.read() as session:
        return list(session.scalars(
            sa.select(StatementLine).join(BankAccount, BankAccount.id == StatementLine.bank_account_id)
            .where(BankAccount.name == CARD_ACCOUNT, StatementLine.booked_date >= period.start,
                   StatementLine.booked_date <= period.end)
            .order_by(StatementLine.id)).all())


def explain_fees(book: Book, period: Period, *, actor: str) -> int:
    """Explain the demo's bank charges that the bookkeeper knows (returns how many were explained now)."""
    notes = {fee.bank_id: fee.explanation for fee in DEMO_FEES if fee.explanation}
    explained = 0
    for line in _card_lines(book, period):
        note = notes.get(line.bank_id)
        if note and line.match_status is LineMatchStatus.UNMATCHED:
            explain_line(book, line.id, actor=actor, note=note)
            explained += 1
    return explained


def _open_line(line: StatementLine) -> dict[str, object]:
    return {"id": line.id, "date": line.booked_date.isoformat(), "payee": line.payee,
            "amount": Money.from_minor(line.amount_minor, line.currency).format()}


def count_lines(book: Book, period: Period) -> LineCounts:
    """The card statement's month, counted by match state."""
    lines = _card_lines(book, period)
    states = Counter(line.match_status for line in lines)
    matched = total((Money.from_minor(line.amount_minor, line.currency) for line in lines
                     if line.match_status is LineMatchStatus.MATCHED), "USD")
    still_open = tuple(_open_line(line) for line in lines if line.match_status is LineMatchStatus.UNMATCHED)
    return LineCounts(len(lines), states[LineMatchStatus.MATCHED], states[LineMatchStatus.EXPLAINED],
                      states[LineMatchStatus.UNMATCHED], matched, still_open)


def close_demo_month(
    book: Book, book_path: Path, *, today: date | None = None, source: LedgerSource | None = None,
    actor: str = PREPARER,
) -> DemoMonthEnd:
    """Reconcile the demo card for its last month and write the pack beside ``book_path``.

    Args:
        source: where the tie-out reads the accounting system's figures (the live sandbox in
            the headless demo); None for what the last pull recorded.
    """
    book_path = Path(book_path)
    statement = add_demo_statement(book, book_path.parent, today=today, actor=actor, auto=True)
    period = statement.period
    with book.read() as session:
        locked = period_state(session, period).locked
    auto_accepted = suggested = explained = 0
    if not locked:  # a signed-off month refuses changes to its matches; the pack shows it as it was signed
        run = statement.matching or run_matching(book, period=period.label, account_name=CARD_ACCOUNT, auto=True,
                                                 actor=actor)
        auto_accepted, suggested = run.auto_accepted, run.suggested
        explained = explain_fees(book, period, actor=actor)
    source = ReadOnceSource(source) if source is not None else None
    checklist = build_checklist(book, period, source=source)
    pdf, csv_dir = pack_paths(book_path, period)
    csv_dir.mkdir(exist_ok=True)
    pack = write_pack(book, period, pdf, preparer=actor, csv_dir=csv_dir, source=source)
    return DemoMonthEnd(period, locked, statement, auto_accepted, suggested, explained, count_lines(book, period),
                        checklist, pack, csv_dir)
