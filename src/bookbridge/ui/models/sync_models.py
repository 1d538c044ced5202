"""The Sync page's grids: recent runs, and the payloads a dry run would send."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from bookbridge.sync.runs import RunView
from bookbridge.ui.formatting import format_count, format_datetime
from bookbridge.ui.models.record_table import ColumnSpec, RecordTableModel

_STATUS_WORDS = {"completed": "Completed", "failed": "Stopped", "running": "Running", "abandoned": "Interrupted"}


def run_status(run: RunView) -> str:
    word = _STATUS_WORDS.get(run.status, run.status)
    if run.message and run.message.startswith("cancelled"):
        word = "Cancelled"
    return f"{word} (dry run)" if run.dry_run else word


def _run_tone(run: RunView) -> str | None:
    if run.status in ("failed", "abandoned"):
        return "bad"
    return "warn" if run.failed else "good" if run.status == "completed" and not run.dry_run else None


def _run_tooltip(run: RunView) -> str | None:
    lines = [run.message] if run.message else []
    lines += run.errors[:8]
    return "\n".join(lines) or None


class RunHistoryModel(RecordTableModel):
    """Recent sync runs, newest first (``sync.runs.recent_runs``)."""

    columns = (
        ColumnSpec("Started", lambda r: format_datetime(r.started_at), sort=lambda r: r.started_at),
        ColumnSpec("Connection", lambda r: r.connection or ""),
        ColumnSpec("Result", run_status, tone=_run_tone, tooltip=_run_tooltip),
        ColumnSpec("Posted", lambda r: format_count(r.posted), sort=lambda r: r.posted, right=True),
        ColumnSpec("Failed", lambda r: format_count(r.failed), sort=lambda r: r.failed, right=True,
                   tone=lambda r: "bad" if r.failed else None),
        ColumnSpec("Would post", lambda r: format_count(r.would_post) if r.dry_run else "",
                   sort=lambda r: r.would_post, right=True),
        ColumnSpec("API calls", lambda r: format_count(r.api_calls), sort=lambda r: r.api_calls, right=True),
        ColumnSpec("Note", lambda r: (r.message or "").split(";")[0], tooltip=_run_tooltip),
    )


def _payload_amount(payload: dict[str, Any]) -> str:
    body = payload.get("payload") or {}
    for key in ("TotalAmt", "Total", "Amount"):
        if isinstance(body, dict) and key in body:
            return str(body[key])
    lines = body.get("Line") if isinstance(body, dict) else None
    if isinstance(lines, list):
        debits = [line.get("Amount") for line in lines if isinstance(line, dict)
                  and (line.get("JournalEntryLineDetail") or {}).get("PostingType") == "Debit"]
        if debits and all(isinstance(d, Decimal) for d in debits):
            return str(sum(debits, Decimal(0)))
    return ""


def _payload_date(payload: dict[str, Any]) -> str:
    body = payload.get("payload") or {}
    return str(body.get("TxnDate") or body.get("Date") or "") if isinstance(body, dict) else ""


class PayloadsModel(RecordTableModel):
    """What a dry run would send: one row per document (the payload itself shows on selection)."""

    columns = (
        ColumnSpec("Document", lambda p: str(p.get("doc_number") or "")),
        ColumnSpec("Kind", lambda p: str(p.get("kind") or "").replace("_", " ")),
        ColumnSpec("Date", _payload_date),
        ColumnSpec("Amount", _payload_amount, sort=lambda p: Decimal(_payload_amount(p) or 0), right=True),
        ColumnSpec("State", lambda p: "new" if p.get("status") == "new" else f"waiting ({p.get('status')})"),
        ColumnSpec("Expenses", lambda p: ", ".join(f"#{e}" for e in p.get("expenses") or [])),
    )


def pretty_json(value: Any, indent: int = 0) -> str:
    """JSON for people, with Decimals as the exact numbers the accounting system receives.

    (``json.dumps`` would need floats for numbers; :mod:`bookbridge.connectors.jsonwire` writes
    exact numbers but on one line.)
    """
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {pretty_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{pretty_json(v, indent + 1)}" for v in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False, default=str)
