"""A sync run against the real QBO sandbox over loopback: post once, dry run, re-validation, records."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from bookbridge.connectors.tokens import TokenSet
from bookbridge.core import clock

from bookbridge.exceptions.views import list_exceptions
from bookbridge.store.models import (
    ExceptionCategory,
    Expense,
    ExpenseStatus,
    OutboxItem,
    OutboxStatus,
    RunStatus,
    SyncRun,
)
from bookbridge.sync.mapping import doc_number
from bookbridge.sync.runner import SyncCouldNotStart, SyncOptions, run_sync
from sync_book import api, approved_expenses, fuel, query


def _posted(book) -> dict[str, str]:
    with book.read() as session:
        return dict(session.execute(sa.select(OutboxItem.doc_number, OutboxItem.remote_id)
                                    .where(OutboxItem.status == OutboxStatus.POSTED)).all())


def _remote_entries(sandbox) -> dict[str, str]:
    rows = query(api(sandbox), "select * from JournalEntry maxresults 1000")
    return {row["DocNumber"]: row["Id"] for row in rows}


def test_sync_posts_each_approved_expense_exactly_once(book, sandbox, store) -> None:
    """Every approved expense is posted once, the book records QBO's ids, and a second run posts nothing."""
    ids = approved_expenses(book, fuel(4))
    first = run_sync(book, SyncOptions(token_store=store))
    second = run_sync(book, SyncOptions(token_store=store))
    assert first.summary()["posted"] == 4 and first.exit_code == 0
    assert second.summary()["posted"] == 0 and second.summary()["failed"] == 0
    remote = _remote_entries(sandbox)
    assert remote == _posted(book) and len(remote) == 4
    with book.read() as session:
        statuses = set(session.scalars(sa.select(Expense.status).where(Expense.id.in_(ids))))
    assert statuses == {ExpenseStatus.POSTED}


def test_posted_entry_carries_accounts_class_and_our_key(book, sandbox, store) -> None:
    """The journal entry in QBO debits the mapped account with the class and credits the card."""
    approved_expenses(book, fuel(1, truck="Truck 12"))
    run_sync(book, SyncOptions(token_store=store))
    with book.read() as session:
        row = session.scalars(sa.select(OutboxItem)).one()
    entry = api(sandbox)("GET", f"journalentry/{row.remote_id}")["JournalEntry"]
    debit, credit = entry["Line"]
    assert debit["JournalEntryLineDetail"]["AccountRef"]["value"] == "10"  # 6200 Fuel
    assert debit["JournalEntryLineDetail"]["ClassRef"]["value"] == "5000000000000142241"  # Truck 12
    assert credit["JournalEntryLineDetail"]["AccountRef"]["value"] == "42"  # 2110 Company Visa
    assert f"[bb:{row.key}]" in entry["PrivateNote"] and entry["DocNumber"] == doc_number(row.entry_key)


def test_dry_run_prints_payloads_and_changes_nothing(book, sandbox, store) -> None:
    """A dry run reports the exact payloads, sends nothing and leaves the outbox empty."""
    approved_expenses(book, fuel(3))
    seen: list[dict] = []
    report = run_sync(book, SyncOptions(token_store=store, dry_run=True, on_payload=seen.append))
    assert report.summary()["would_post"] == 3 and report.summary()["posted"] == 0
    assert [p["payload"]["DocNumber"] for p in seen] == [p["doc_number"] for p in seen]
    assert all(p["payload"]["Line"][0]["JournalEntryLineDetail"]["AccountRef"] == {"value": "10"} for p in seen)
    assert _remote_entries(sandbox) == {}
    with book.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxItem)) == 0
        assert session.scalars(sa.select(SyncRun.dry_run)).one() is True


def test_dry_run_payload_is_what_the_real_run_sends(book, sandbox, store) -> None:
    """The payload a dry run prints is byte for byte the payload the real run stores and sends."""
    approved_expenses(book, fuel(2))
    seen: list[dict] = []
    run_sync(book, SyncOptions(token_store=store, dry_run=True, on_payload=seen.append))
    run_sync(book, SyncOptions(token_store=store))
    from bookbridge.connectors import jsonwire

    with book.read() as session:
        stored = {r.key: r.payload_json for r in session.scalars(sa.select(OutboxItem))}
    assert {p["key"]: jsonwire.dumps(p["payload"]) for p in seen} == stored


def test_missing_inactive_and_closed_become_exceptions_not_failed_posts(book, sandbox, store) -> None:
    """Unknown account, inactive account and closed period are queued as exceptions; the rest posts."""
    approved_expenses(book, fuel(2) + [
        dict(day=date(2026, 3, 3), category="Ghost", amount="10.00"),
        dict(day=date(2026, 3, 3), category="Old lease", amount="20.00"),
        dict(day=date(2024, 12, 20), category="Tolls", amount="5.00"),
    ])
    report = run_sync(book, SyncOptions(token_store=store))
    summary = report.summary()
    assert (summary["posted"], summary["failed"], summary["exceptions"]) == (2, 3, 3) and report.exit_code == 1
    open_ones = {e.category: e for e in list_exceptions(book, open_only=True)}
    assert set(open_ones) == {ExceptionCategory.MAPPING, ExceptionCategory.VALIDATION, ExceptionCategory.CLOSED_PERIOD}
    assert "6999" in open_ones[ExceptionCategory.MAPPING].title
    assert "2024-12-31" in open_ones[ExceptionCategory.CLOSED_PERIOD].title
    assert len(_remote_entries(sandbox)) == 2


def test_same_problem_next_run_is_a_repetition(book, sandbox, store) -> None:
    """A problem still there on the next run bumps the repetition count instead of adding an exception."""
    approved_expenses(book, [dict(day=date(2026, 3, 3), category="Ghost", amount="10.00")])
    run_sync(book, SyncOptions(token_store=store))
    run_sync(book, SyncOptions(token_store=store))
    (only,) = list_exceptions(book)
    assert only.repetitions == 2 and len(only.held_items) == 1


def test_fixing_the_cause_releases_and_posts(book, sandbox, store) -> None:
    """Reactivating the account in QBO releases the held expense: it posts and the exception resolves."""
    approved_expenses(book, [dict(day=date(2026, 3, 3), category="Old lease", amount="20.00")])
    run_sync(book, SyncOptions(token_store=store))
    call = api(sandbox)
    account = call("GET", "account/21")["Account"]
    call("POST", "account", {**account, "Active": True})
    report = run_sync(book, SyncOptions(token_store=store))
    assert report.summary()["posted"] == 1 and report.exit_code == 0
    (exception,) = list_exceptions(book)
    assert exception.status.value == "resolved" and exception.resolved_by == "sync"


def test_run_is_recorded_with_counts_calls_and_quota(book, sandbox, store) -> None:
    """The run row keeps its counts, the API calls used and the quota left; the connection its last sync."""
    approved_expenses(book, fuel(2))
    report = run_sync(book, SyncOptions(token_store=store))
    with book.read() as session:
        run = session.get(SyncRun, report.run_id)
        from bookbridge.store.models import Connection

        connection = session.scalars(sa.select(Connection)).one()
    assert run.status is RunStatus.COMPLETED and run.posted == 2 and run.finished_at >= run.started_at
    assert run.api_calls == report.counts.api_calls > 0
    quota = json.loads(run.quota_json)
    assert quota["per-minute"]["limit"] == 500 and quota["per-minute"]["remaining"] <= 500
    assert connection.last_sync_at is not None


def test_refused_credentials_are_an_auth_exception_resolved_by_reconnecting(book, sandbox, store) -> None:
    """Revoked tokens stop the run before anything is sent (exit 2) and queue an auth exception;
    once the connection works again the exception resolves itself."""
    approved_expenses(book, fuel(1))
    good = store.load_tokens()
    store.save_tokens(TokenSet("not-a-token", "not-a-refresh-token", clock.now() + timedelta(hours=1)))
    with pytest.raises(SyncCouldNotStart, match="could not start") as refused:
        run_sync(book, SyncOptions(token_store=store))
    assert refused.value.exit_code == 2 and _remote_entries(sandbox) == {}
    (auth,) = list_exceptions(book, open_only=True)
    assert auth.category is ExceptionCategory.AUTH and "connect" in auth.message
    store.save_tokens(good)  # what `bookbridge connect` does: fresh tokens in the store
    report = run_sync(book, SyncOptions(token_store=store))
    assert report.summary()["posted"] == 1
    assert list_exceptions(book, open_only=True) == [] and list_exceptions(book)[0].resolved_by == "sync"
