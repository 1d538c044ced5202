"""The Reconcile page's grids: statement lines with their best match, and the month-end checklist."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bookbridge.core.money import Money

from bookbridge.ui.formatting import format_date, format_money
from bookbridge.ui.models.reconcile_facts import LineRow
from bookbridge.ui.models.record_table import ColumnSpec, RecordTableModel

STATUS_WORDS = {"unmatched": "to review", "matched": "matched", "explained": "explained"}
_STATUS_RANK = {"unmatched": 0, "matched": 1, "explained": 2}
CHECK_WORDS = {"ok": "OK", "attention": "Attention", "blocker": "Blocker"}
_CHECK_RANK = {"blocker": 0, "attention": 1, "ok": 2}


def target_text(target: dict[str, Any]) -> str:
    """One target of a match as a person reads it: ``#42 Shell, 1/5/2026, 84.20 USD``."""
    parts = [f"#{target['id']}"]
    if target.get("payee"):
        parts.append(str(target["payee"]))
    if target.get("date"):
        parts.append(format_date(target["date"]))
    parts.append(format_money(Money(Decimal(str(target["amount"])), str(target["currency"]))))
    kind = "" if target.get("kind") == "expense" else f"{str(target.get('kind', '')).replace('_', ' ')} "
    return kind + ", ".join(parts)


def _line_status(line: LineRow) -> str:
    if line.status == "unmatched":
        return "suggested" if line.suggestions else "no match found"
    return STATUS_WORDS[line.status]


def _line_tone(line: LineRow) -> str | None:
    if line.status != "unmatched":
        return "good"
    return "warn" if line.suggestions else "bad"


def _match_text(line: LineRow) -> str:
    best = line.best
    if best is None:
        return ""
    if best.get("shape") == "explained":
        return str(best.get("note") or best.get("explanation") or "")
    return "; ".join(target_text(t) for t in best.get("targets") or [])


class StatementLinesModel(RecordTableModel):
    """The month's statement lines (``LineRow`` records)."""

    columns = (
        ColumnSpec("Date", lambda r: format_date(r.booked), sort=lambda r: (r.booked, r.id)),
        ColumnSpec("Account", lambda r: r.account),
        ColumnSpec("Payee", lambda r: r.payee, tooltip=lambda r: r.memo or None),
        ColumnSpec("Amount", lambda r: format_money(r.amount), sort=lambda r: r.amount.amount, right=True),
        ColumnSpec("Status", _line_status, sort=lambda r: (_STATUS_RANK[r.status], -(r.score or 0)), tone=_line_tone),
        ColumnSpec("Score", lambda r: f"{r.score:.2f}" if r.score is not None else "",
                   sort=lambda r: r.score if r.score is not None else -1.0, right=True),
        ColumnSpec("Expense", _match_text, tooltip=lambda r: str(r.best.get("explanation")) if r.best else None),
    )


class ChecklistModel(RecordTableModel):
    """The month-end checklist items, blockers first by default sort."""

    columns = (
        ColumnSpec("Status", lambda i: CHECK_WORDS[i.status.value], sort=lambda i: _CHECK_RANK[i.status.value],
                   tone=lambda i: {"blocker": "bad", "attention": "warn", "ok": "good"}[i.status.value]),
        ColumnSpec("Check", lambda i: i.title + (f" [{i.account}]" if i.account else "")),
        ColumnSpec("What it found", lambda i: i.sentence, tooltip=lambda i: i.sentence),
    )
