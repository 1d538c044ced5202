"""The checklist's vocabulary (status, item) and its per-account items: statements, lines, tie-out.

Split from :mod:`bookbridge.reconcile.checklist`, which holds the book-wide items and builds the
whole list, to keep both modules small.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core.money import Money
from bookbridge.reconcile.statements.checks import StatementSpan, find_gaps
from bookbridge.reconcile.tieout import AccountTieOut
from bookbridge.store.models import (
    BalanceStatus, BankAccount, BankStatement, LineMatchStatus, Match, MatchStatus, StatementLine,
)

if TYPE_CHECKING:
    from bookbridge.reconcile.periods import Period


class ItemStatus(str, enum.Enum):
    OK = "ok"
    ATTENTION = "attention"
    BLOCKER = "blocker"


_RANK = {ItemStatus.OK: 0, ItemStatus.ATTENTION: 1, ItemStatus.BLOCKER: 2}


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One line of the checklist (``account`` is None for book-wide items)."""

    code: str
    title: str
    account: str | None
    status: ItemStatus
    count: int
    sentence: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "title": self.title, "account": self.account, "status": self.status.value,
                "count": self.count, "sentence": self.sentence}


def sentence(parts: list[str]) -> str:
    """Join clauses into one sentence (first letter up, the rest as written: codes keep their case)."""
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def statements_item(session: Session, period: "Period", account: BankAccount) -> ChecklistItem:
    """Do the account's statements cover every day of the month, and do they add up?"""
    title = "Statements cover the month"
    rows = session.scalars(sa.select(BankStatement).where(BankStatement.bank_account_id == account.id)
                           .order_by(BankStatement.period_start, BankStatement.id)).all()
    inside = [r for r in rows if r.period_start and r.period_end
              and r.period_start <= period.end and r.period_end >= period.start]
    mismatched = [r for r in inside if r.balance_status is BalanceStatus.MISMATCH]
    if mismatched:
        return ChecklistItem("statements", title, account.name, ItemStatus.BLOCKER, len(inside),
                             f"{plural(len(mismatched), 'statement')} of the month do not add up (opening + lines ≠ "
                             "closing): lines are missing or the file is damaged; import the bank's full statement.")
    uncovered = _uncovered_days(period, [(r.period_start, r.period_end) for r in inside])
    spans = [StatementSpan(f"statement {r.id}", r.period_start, r.period_end,
                           None if r.opening_minor is None else Money.from_minor(r.opening_minor, r.currency),
                           None if r.closing_minor is None else Money.from_minor(r.closing_minor, r.currency))
             for r in rows if r.period_start and r.period_end]
    # Missing days inside the month are counted above; a balance jump is the other kind of gap.
    gaps = [g for g in find_gaps(spans) if g.kind == "balance" and _gap_touches(g.missing_from, g.missing_to, period)]
    notes = []
    if not inside:
        notes.append(f"no statement covers {period}")
    elif uncovered:
        notes.append(f"{plural(uncovered, 'day')} of {period} {'is' if uncovered == 1 else 'are'} on no statement")
    notes += [g.message for g in gaps]
    if notes:
        return ChecklistItem("statements", title, account.name, ItemStatus.ATTENTION, len(inside), sentence(notes))
    verb = ("covers", "adds") if len(inside) == 1 else ("cover", "add")
    return ChecklistItem("statements", title, account.name, ItemStatus.OK, len(inside),
                         f"{plural(len(inside), 'statement')} {verb[0]} every day of {period} and {verb[1]} up.")


def _uncovered_days(period: "Period", spans: list[tuple[Any, Any]]) -> int:
    covered = set()
    for start, end in spans:
        day = max(start, period.start)
        while day <= min(end, period.end):
            covered.add(day)
            day += timedelta(days=1)
    return (period.end - period.start).days + 1 - len(covered)


def _gap_touches(start: date | None, end: date | None, period: "Period") -> bool:
    """Whether a reported gap lies (partly) in the month (a gap without dates counts)."""
    if start is None or end is None:
        return True
    return start <= period.end and end >= period.start


def lines_item(session: Session, period: "Period", account: BankAccount) -> ChecklistItem:
    """Is every statement line of the month matched or explained?"""
    title = "Every statement line matched or explained"
    counts = Counter(session.scalars(sa.select(StatementLine.match_status).where(
        StatementLine.bank_account_id == account.id, StatementLine.booked_date >= period.start,
        StatementLine.booked_date <= period.end)))
    unmatched = counts.get(LineMatchStatus.UNMATCHED, 0)
    total_lines = sum(counts.values())
    if not total_lines:
        return ChecklistItem("lines_matched", title, account.name, ItemStatus.OK, 0, f"No statement line in {period}.")
    if unmatched:
        suggested = session.scalar(sa.select(sa.func.count(sa.distinct(Match.statement_line_id))).join(
            StatementLine, StatementLine.id == Match.statement_line_id).where(
            Match.status == MatchStatus.SUGGESTED, StatementLine.bank_account_id == account.id,
            StatementLine.booked_date >= period.start, StatementLine.booked_date <= period.end)) or 0
        hint = f" ({suggested} with a suggestion waiting for a decision)" if suggested else ""
        return ChecklistItem("lines_matched", title, account.name, ItemStatus.BLOCKER, unmatched,
                             f"{unmatched} of {total_lines} lines {'is' if unmatched == 1 else 'are'} neither matched nor "
                             f"explained{hint}.")
    return ChecklistItem("lines_matched", title, account.name, ItemStatus.OK, 0,
                         f"All {total_lines} lines are matched ({counts.get(LineMatchStatus.MATCHED, 0)}) "
                         f"or explained ({counts.get(LineMatchStatus.EXPLAINED, 0)}).")


def _money_text(amount: Decimal, currency: str) -> str:
    return Money(amount, currency).format()


def tieout_item(t: AccountTieOut) -> ChecklistItem:
    """Bank, our journal and the accounting system: do they agree after the reconciling items?

    Blocker: a difference nothing explains, or the accounting system disagreeing with what we
    posted. Attention: figures that could not be compared or read, entries not posted yet, lines
    not matched, amounts matched within the foreign-currency tolerance, journal amounts not on
    the statement yet.
    """
    title = "Tie-out: bank, our journal, accounting system"
    bank = _money_text(t.bank, t.currency)
    if t.journal is None:
        return ChecklistItem("tie_out", title, t.account, ItemStatus.ATTENTION, 0,
                             f"Bank {bank}; our journal cannot be compared: ledger account {t.ledger_basis}.")
    journal = _money_text(t.journal, t.currency)
    problems, notes = [], []
    if t.unexplained:
        problems.append(f"{_money_text(t.unexplained, t.currency)} between bank and journal is not explained by any "
                        "reconciling item (an expense changed after it was matched?)")
    if t.accounting_difference:
        problems.append(f"the accounting system shows {_money_text(t.accounting or Decimal(0), t.currency)} for what we "
                        f"posted as {_money_text(t.posted_journal or Decimal(0), t.currency)}")
    if t.accounting is None:
        reasons = f" ({'; '.join(t.accounting_notes)})" if t.accounting_notes else ""
        notes.append(f"the accounting system's figure is unknown{reasons}")
    if t.not_posted:
        notes.append(f"{_money_text(t.not_posted, t.currency)} of our journal is not posted yet")
    notes += [f"{r.label}: {_money_text(r.amount, t.currency)} ({r.count})" for r in t.reconciling
              if r.code in ("unmatched", "matched_difference", "journal_not_on_statement")]
    head = f"Bank {bank}, our journal {journal} on {t.ledger_account}"
    if t.accounting is not None:
        head += f", accounting system {_money_text(t.accounting, t.currency)}"
    if problems:
        return ChecklistItem("tie_out", title, t.account, ItemStatus.BLOCKER, len(problems),
                             f"{head}: " + "; ".join(problems + notes) + ".")
    status = ItemStatus.ATTENTION if notes else ItemStatus.OK
    tail = "; ".join(notes) if notes else "they agree after the reconciling items"
    return ChecklistItem("tie_out", title, t.account, status, len(notes), f"{head}: {tail}.")
