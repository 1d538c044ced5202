"""What the Reconcile page shows for one month, read in one go on a worker.

The month's statement lines (every account, or one) with the match that settles each, or the
matcher's suggestions for it (best score first, as ``reconcile.matching.records`` describes them
to the CLI), the month-end checklist (``reconcile.checklist.build_checklist``), and whether the
month is signed off. Plain frozen values only: the page never holds a session.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.core.money import Money
from bookbridge.reconcile.checklist import Checklist, build_checklist
from bookbridge.reconcile.ledger import ConnectorLedgerSource, LedgerSource, StoredLedgerSource
from bookbridge.reconcile.matching.records import matches_as_dicts
from bookbridge.reconcile.periods import Period, PeriodState, period_state
from bookbridge.store.book import Book
from bookbridge.store.models import BankAccount, Connection, Expense, Match, MatchStatus, StatementLine
from bookbridge.sync.connection import find_connection, open_connector
from bookbridge.ui.sandboxes import SandboxHost

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class LineRow:
    """One statement line and what settles it (or could).

    Attributes:
        status: ``unmatched``, ``matched`` or ``explained``.
        decided: the accepted match (matched or explained lines), as the records module describes it.
        suggestions: the matcher's undecided proposals, best score first.
    """

    id: int
    account: str
    booked: date
    amount: Money
    payee: str
    memo: str
    status: str
    decided: dict[str, Any] | None
    suggestions: tuple[dict[str, Any], ...]

    @property
    def best(self) -> dict[str, Any] | None:
        return self.decided or (self.suggestions[0] if self.suggestions else None)

    @property
    def score(self) -> float | None:
        best = self.best
        return float(best["score"]) if best is not None else None


@dataclass(frozen=True)
class ReconcileView:
    """The month as the page shows it."""

    period: str
    accounts: tuple[str, ...]
    lines: tuple[LineRow, ...]
    checklist: Checklist
    state: PeriodState
    source_label: str

    def counts(self) -> dict[str, int]:
        found = {"unmatched": 0, "matched": 0, "explained": 0, "suggested": 0}
        for line in self.lines:
            found[line.status] += 1
            found["suggested"] += int(line.status == "unmatched" and bool(line.suggestions))
        return found


def recent_periods(book: Book, *, count: int = 18) -> list[str]:
    """Months worth offering, newest first: up to last month, back to the oldest line or expense."""
    with book.read() as session:
        oldest = [session.scalar(sa.select(sa.func.min(StatementLine.booked_date))),
                  session.scalar(sa.select(sa.func.min(Expense.txn_date)))]
        newest = session.scalar(sa.select(sa.func.max(StatementLine.booked_date)))
    today = clock.today()
    last = today.replace(day=1) - timedelta(days=1)
    if newest is not None and newest > last:
        last = newest
    first = min((d for d in oldest if d is not None), default=last)
    months: list[str] = []
    cursor = last.replace(day=1)
    while cursor >= first.replace(day=1) and len(months) < count:
        months.append(f"{cursor.year:04d}-{cursor.month:02d}")
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    return months or [f"{last.year:04d}-{last.month:02d}"]


def busiest_recent_period(book: Book) -> str | None:
    """The newest month that has statement lines (where reconciling starts), or None."""
    with book.read() as session:
        newest = session.scalar(sa.select(sa.func.max(StatementLine.booked_date)))
    return None if newest is None else f"{newest.year:04d}-{newest.month:02d}"


@contextmanager
def ledger_source(book: Book, host: SandboxHost | None, *, read_back: bool) -> Iterator[LedgerSource]:
    """Where the tie-out reads the accounting system's figures.

    ``read_back`` with exactly one usable connection reads each posted document back through its
    connector (the keyring's tokens, or the in-app sandbox's); otherwise, or when that cannot be
    opened, the state the last pull recorded (the label says which).
    """
    stored = StoredLedgerSource()
    with book.read() as session:
        names = list(session.scalars(sa.select(Connection.name)))
        ref = find_connection(session, names[0]) if read_back and len(names) == 1 else None
    if ref is None:
        yield stored
        return
    store = host.token_store(book.book_id, ref.name) if host is not None else None
    connector = open_connector(book, ref, store=store)
    try:
        yield ConnectorLedgerSource(connector, f"{ref.name} ({ref.provider}), read back now")
    finally:
        connector.close()


def _matches(session, line_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(line_ids), _CHUNK):
        rows = session.scalars(sa.select(Match).where(
            Match.statement_line_id.in_(line_ids[start:start + _CHUNK]),
            Match.status.in_([MatchStatus.SUGGESTED, MatchStatus.ACCEPTED]))).all()
        for described in matches_as_dicts(session, rows):
            found.setdefault(int(described["line"]["id"]), []).append(described)  # type: ignore[index]
    return found


def read_reconcile(book: Book, period: Period, *, account: str | None = None, host: SandboxHost | None = None,
                   read_back: bool = False) -> ReconcileView:
    """Lines with their matches, the checklist and the lock state of ``period``."""
    with book.read() as session:
        accounts = tuple(session.scalars(sa.select(BankAccount.name).order_by(BankAccount.name)))
        query = (sa.select(StatementLine, BankAccount.name).join(BankAccount, BankAccount.id == StatementLine.bank_account_id)
                 .where(StatementLine.booked_date >= period.start, StatementLine.booked_date <= period.end)
                 .order_by(StatementLine.booked_date, StatementLine.id))
        if account:
            query = query.where(BankAccount.name == account)
        rows = session.execute(query).all()
        matches = _matches(session, [line.id for line, _name in rows])
        state = period_state(session, period)
    lines = []
    for line, name in rows:
        found = matches.get(line.id, [])
        decided = next((m for m in found if m["status"] == MatchStatus.ACCEPTED.value), None)
        suggestions = tuple(sorted((m for m in found if m["status"] == MatchStatus.SUGGESTED.value),
                                   key=lambda m: -float(m["score"])))
        lines.append(LineRow(line.id, name, line.booked_date, line.amount, line.payee or "", line.memo or "",
                             line.match_status.value, decided, suggestions))
    with ledger_source(book, host, read_back=read_back) as source:
        checklist = build_checklist(book, period, source=source)
        label = source.label
    return ReconcileView(period.label, accounts, tuple(lines), checklist, state, label)
