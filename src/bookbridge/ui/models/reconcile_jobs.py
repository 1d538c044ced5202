"""Task-runner jobs of the Reconcile page: each one engine call (or two), returning a sentence.

Every job is ``fn(progress, cancel)`` over ``reconcile.matching``, ``reconcile.statements`` and
``reconcile.periods``, the same functions ``bookbridge match``, ``statements`` and ``period`` call.
"""

from __future__ import annotations

from pathlib import Path

from bookbridge.reconcile.matching import decisions
from bookbridge.reconcile.matching.service import run_matching
from bookbridge.reconcile.periods import Period, reopen, signoff
from bookbridge.reconcile.statements.service import import_statement_file
from bookbridge.store.book import Book
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.reconcile_facts import ledger_source

_DONE = {"accept": "accepted", "reject": "rejected", "undo": "undone"}


def decide_job(book: Book, action: str, match_id: int, actor: str):
    """Accept, reject or undo one match."""
    if action not in _DONE:
        raise ValueError(f"unknown match decision {action!r}")

    def job(progress, cancel) -> str:
        if action == "accept":
            decisions.accept_match(book, match_id, actor=actor)
        elif action == "reject":
            decisions.reject_match(book, match_id, actor=actor)
        else:
            decisions.undo_match(book, match_id, actor=actor)
        return f"Match {match_id} {_DONE[action]}."
    return job


def explain_job(book: Book, line_id: int, note: str, actor: str):
    def job(progress, cancel) -> str:
        decisions.explain_line(book, line_id, actor=actor, note=note)
        return "Line explained."
    return job


def match_job(book: Book, period: Period, account: str | None, actor: str):
    def job(progress, cancel) -> str:
        progress(f"Matching {period}")
        run = run_matching(book, period=period.label, account_name=account, actor=actor)
        return (f"{format_count(run.lines_considered)} open line(s): {format_count(run.suggested)} suggested, "
                f"{format_count(run.unmatched)} without a proposal.")
    return job


def import_job(book: Book, path: Path, account: str | None, profile: str | None, actor: str):
    """Import a statement file, then match the months it covers; returns (sentence, newest month)."""
    def job(progress, cancel) -> tuple[str, str | None]:
        progress(f"Importing {path.name}")
        result = import_statement_file(book, path, account_name=account, profile_name=profile, actor=actor)
        months = sorted({f"{s.period_end:%Y-%m}" for s in result.statements if s.period_end})
        progress(f"Matching the lines of {path.name}")
        for month in months:
            run_matching(book, period=month, actor=actor)
        return (f"{path.name}: {format_count(result.new)} new lines, {format_count(result.duplicates)} already in the "
                "book; matched.", months[-1] if months else None)
    return job


def signoff_job(book: Book, period: Period, note: str, force: bool, actor: str, host, read_back: bool):
    def job(progress, cancel) -> str:
        with ledger_source(book, host, read_back=read_back) as source:
            signoff(book, period, actor=actor, reason=note or None, force=force, source=source)
        return f"{period} signed off; it is locked until reopened."
    return job


def reopen_job(book: Book, period: Period, reason: str, actor: str):
    def job(progress, cancel) -> str:
        reopen(book, period, actor=actor, reason=reason)
        return f"{period} reopened."
    return job
