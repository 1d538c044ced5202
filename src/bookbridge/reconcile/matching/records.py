"""Matches as plain dicts for the CLI, the GUI and (later) the month-end pack."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core.money import Money
from bookbridge.store.models import BankAccount, Expense, Match, StatementLine, Vendor

_CHUNK = 500


def match_as_dict(session: Session, match: Match) -> dict[str, object]:
    """One match with its line and targets described well enough to decide on it."""
    return matches_as_dicts(session, [match])[0]


def matches_as_dicts(session: Session, matches: Sequence[Any]) -> list[dict[str, object]]:
    """Many matches at once (lines, accounts and expenses are fetched in bulk, not one by one).

    ``matches`` are :class:`Match` rows or anything with the same attributes (the matcher's
    freshly stored records), so a run does not have to load back what it just wrote.
    """
    lines = _lines(session, {m.statement_line_id for m in matches})
    accounts: dict[int, str] = {
        account_id: name for account_id, name in session.execute(sa.select(BankAccount.id, BankAccount.name))
    }
    expenses = _expenses(session, {t.target_id for m in matches for t in m.targets if t.target_kind == "expense"})
    out: list[dict[str, object]] = []
    for match in matches:
        line = lines[match.statement_line_id]
        out.append({
            "match_id": match.id,
            "status": match.status.value,
            "band": match.band.value,
            "shape": match.shape,
            "score": match.score_permille / 1000,
            "explanation": match.explanation,
            "note": match.note,
            "decided_by": match.decided_by,
            "decided_at": match.decided_at,
            "undone_by": match.undone_by,
            "undone_at": match.undone_at,
            "line": {
                "id": line.id, "account": accounts.get(line.bank_account_id), "date": line.booked_date,
                "amount": str(Money.from_minor(line.amount_minor, line.currency).amount), "currency": line.currency,
                "payee": line.payee, "memo": line.memo,
            },
            "targets": [_target(t.target_kind, t.target_id, t.amount_minor, t.currency, expenses) for t in match.targets],
        })
    return out


class _Line(NamedTuple):
    id: int
    bank_account_id: int
    booked_date: date
    amount_minor: int
    currency: str
    payee: str | None
    memo: str | None


def _lines(session: Session, ids: set[int]) -> dict[int, _Line]:
    """The described lines, only the columns shown (Core rows: ORM objects cost four times as much)."""
    columns = (StatementLine.id, StatementLine.bank_account_id, StatementLine.booked_date, StatementLine.amount_minor,
               StatementLine.currency, StatementLine.payee, StatementLine.memo)
    found: dict[int, _Line] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        for row in session.execute(sa.select(*columns).where(StatementLine.id.in_(ordered[start:start + _CHUNK]))):
            found[row.id] = _Line(*row)
    return found


def _expenses(session: Session, ids: set[int]) -> dict[int, tuple[date, str | None]]:
    found: dict[int, tuple[date, str | None]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        rows = session.execute(sa.select(Expense.id, Expense.txn_date, Expense.vendor_raw, Vendor.name)
                               .outerjoin(Vendor, Vendor.id == Expense.vendor_id)
                               .where(Expense.id.in_(ordered[start:start + _CHUNK])))
        for expense_id, day, raw, vendor in rows:
            found[expense_id] = (day, vendor or raw)
    return found


def _target(kind: str, target_id: int, amount_minor: int, currency: str,
            expenses: dict[int, tuple[date, str | None]]) -> dict[str, object]:
    described: dict[str, object] = {
        "kind": kind, "id": target_id, "amount": str(Money.from_minor(amount_minor, currency).amount), "currency": currency,
    }
    if kind == "expense" and target_id in expenses:
        described["date"], described["payee"] = expenses[target_id]
    return described
