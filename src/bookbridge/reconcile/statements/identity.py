"""Stable identities: which account a statement is for, which line is which, which statement.

Re-importing an overlapping statement must add nothing, so every line needs an id that is the
same in both files. The bank's own id (FITID, AcctSvcrRef, an id column) is used when present.
Without one, a *content key* is derived from what the bank printed (date, amount, payee, memo,
reference) plus an occurrence number, so two identical coffees on the same day stay two lines
while the same two coffees in the next, overlapping download are recognised.
"""

from __future__ import annotations

from collections import Counter

from bookbridge.core.keys import content_hash, sha256_hex
from bookbridge.reconcile.statements.model import AccountRef, StatementData, StatementLineData

CONTENT_PREFIX = "content:"


def account_ref_hash(account: AccountRef) -> str | None:
    """SHA-256 of the normalised account or card number (the number itself is never stored)."""
    if not account.identifier:
        return None
    normalised = "".join(account.identifier.split()).upper()
    return sha256_hex(f"bookbridge-account\x1f{normalised}")


def line_keys(statement: StatementData) -> list[tuple[str, str]]:
    """``(bank_id, kind)`` for every line, in order: the bank's id or a content key."""
    seen: Counter[str] = Counter()
    keys: list[tuple[str, str]] = []
    for line in statement.lines:
        if line.bank_id:
            keys.append((line.bank_id, line.bank_id_kind or "file_column"))
            continue
        digest = content_hash(_content(line))[:40]
        occurrence = seen[digest]
        seen[digest] += 1
        keys.append((f"{CONTENT_PREFIX}{digest}:{occurrence}", "content"))
    return keys


def _content(line: StatementLineData) -> dict[str, object]:
    return {
        "date": line.booked_date.isoformat(),
        "amount": format(line.amount.amount, "f"),
        "currency": line.amount.currency,
        "payee": (line.payee or "").upper(),
        "memo": (line.memo or "").upper(),
        "reference": line.reference or "",
    }


def statement_key(account_key: str, statement: StatementData, keys: list[tuple[str, str]]) -> str:
    """Identifies one statement: the same statement in another download gets the same key."""
    return content_hash({
        "account": account_key,
        "statement_id": statement.statement_id,
        "period": [statement.period_start, statement.period_end],
        "opening": None if statement.opening is None else format(statement.opening.amount, "f"),
        "closing": None if statement.closing is None else format(statement.closing.amount, "f"),
        "lines": sorted(k for k, _ in keys),
    })
