"""`bookbridge exceptions` as a real child process on a real book."""

from __future__ import annotations

import json

from bookbridge.exceptions import queue
from bookbridge.exceptions.queue import AffectedItem
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity


def _seed(book) -> tuple[int, int]:
    with book.unit_of_work() as session:
        blocker = queue.report(
            session, category=ExceptionCategory.CLOSED_PERIOD, severity=ExceptionSeverity.BLOCKER,
            title="Books closed through 2024-12-31", message="Re-date or reopen the period.",
            cause=["closed", "2024-12-31"], items=[AffectedItem("outbox", "4", "EXP-4")], connection="main",
        )
        info = queue.report(
            session, category=ExceptionCategory.CONFLICT, severity=ExceptionSeverity.INFO,
            title="Entry edited in QuickBooks", message="Compare both versions.", cause=["je", "101"],
        )
    queue.resolve(book, info.exception_id, actor="Dana", note="expected edit")
    return blocker.exception_id, info.exception_id


def test_list_open_as_json(book, book_path, run_cli) -> None:
    """`exceptions BOOK --open --json` lists only open exceptions with items, SLA and trail."""
    blocker, _resolved = _seed(book)
    result = run_cli("exceptions", book_path, "--open", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [e["id"] for e in document["exceptions"]] == [blocker]
    shown = document["exceptions"][0]
    assert shown["category"] == "closed_period" and shown["severity"] == "blocker" and shown["status"] == "open"
    assert shown["items"][0]["ref"] == "4" and shown["due_at"] > shown["created_at"]


def test_resolve_then_list_shows_it_resolved(book, book_path, run_cli) -> None:
    """`exceptions resolve BOOK ID --as --note` resolves it; the full list then shows the trail."""
    blocker, _ = _seed(book)
    done = run_cli("exceptions", "resolve", book_path, blocker, "--as", "Dana", "--note", "moved to 2025-01-02")
    assert done.returncode == 0, done.stderr
    assert "released 1 item" in done.stdout
    listing = json.loads(run_cli("exceptions", book_path, "--json").stdout)
    resolved = {e["id"]: e for e in listing["exceptions"]}[blocker]
    assert resolved["status"] == "resolved" and resolved["resolved_by"] == "Dana"
    assert resolved["trail"][-1]["note"] == "moved to 2025-01-02"


def test_refusals_exit_2(book, book_path, run_cli) -> None:
    """Resolving twice, an unknown id or without a note changes nothing and exits 2."""
    blocker, resolved = _seed(book)
    twice = run_cli("exceptions", "resolve", book_path, resolved, "--as", "Lee", "--note", "x")
    unknown = run_cli("exceptions", "resolve", book_path, 999, "--as", "Lee", "--note", "x")
    no_note = run_cli("exceptions", "resolve", book_path, blocker, "--as", "Lee")
    assert (twice.returncode, unknown.returncode, no_note.returncode) == (2, 2, 2)
    assert "already resolved" in twice.stderr and "no exception 999" in unknown.stderr and "--note" in no_note.stderr
