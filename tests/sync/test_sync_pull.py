"""Both directions: remote edits and deletions become conflicts; remote vendors and accounts appear locally."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bookbridge.exceptions.views import list_exceptions
from bookbridge.store.models import (
    ExceptionCategory,
    ExceptionSeverity,
    LedgerAccount,
    OutboxItem,
    RemoteReference,
    RemoteState,
    Vendor,
)
from bookbridge.sync.runner import SyncOptions, run_sync
from sync_book import api, approved_expenses, fuel


def _posted(book) -> OutboxItem:
    with book.read() as session:
        return session.scalars(sa.select(OutboxItem)).one()


def _sync(book, store):
    return run_sync(book, SyncOptions(token_store=store))


def test_remote_edit_becomes_a_conflict_showing_both_versions(book, sandbox, store) -> None:
    """An entry edited in QBO after posting raises a conflict with our payload and QBO's version."""
    approved_expenses(book, fuel(1))
    _sync(book, store)
    row = _posted(book)
    call = api(sandbox)
    entry = call("GET", f"journalentry/{row.remote_id}")["JournalEntry"]
    entry["PrivateNote"] = "changed by the accountant"
    call("POST", "journalentry", entry, operation="update")
    report = _sync(book, store)
    (conflict,) = list_exceptions(book, category=ExceptionCategory.CONFLICT)
    assert conflict.severity is ExceptionSeverity.WARNING and report.summary()["exceptions"] == 1
    assert conflict.detail["ours"]["DocNumber"] == row.doc_number
    assert conflict.detail["theirs"]["PrivateNote"] == "changed by the accountant"
    assert _posted(book).remote_state is RemoteState.CHANGED


def test_same_edit_is_reported_once_and_a_new_edit_repeats(book, sandbox, store) -> None:
    """Reading the same remote version again adds nothing; a further edit counts a repetition."""
    approved_expenses(book, fuel(1))
    _sync(book, store)
    row = _posted(book)
    call = api(sandbox)
    entry = call("GET", f"journalentry/{row.remote_id}")["JournalEntry"]
    call("POST", "journalentry", {**entry, "PrivateNote": "first edit"}, operation="update")
    _sync(book, store)
    _sync(book, store)
    assert list_exceptions(book, category=ExceptionCategory.CONFLICT)[0].repetitions == 1
    entry = call("GET", f"journalentry/{row.remote_id}")["JournalEntry"]
    call("POST", "journalentry", {**entry, "PrivateNote": "second edit"}, operation="update")
    _sync(book, store)
    assert list_exceptions(book, category=ExceptionCategory.CONFLICT)[0].repetitions == 2


def test_remote_deletion_is_a_blocking_conflict(book, sandbox, store) -> None:
    """An entry deleted in QBO raises a blocker conflict and is marked deleted in the book."""
    approved_expenses(book, fuel(1))
    _sync(book, store)
    row = _posted(book)
    call = api(sandbox)
    entry = call("GET", f"journalentry/{row.remote_id}")["JournalEntry"]
    call("POST", "journalentry", {"Id": entry["Id"], "SyncToken": entry["SyncToken"]}, operation="delete")
    _sync(book, store)
    (conflict,) = list_exceptions(book, category=ExceptionCategory.CONFLICT)
    assert conflict.severity is ExceptionSeverity.BLOCKER and "deleted" in conflict.title
    assert conflict.detail["theirs"] is None and conflict.detail["ours"]["DocNumber"] == row.doc_number
    assert _posted(book).remote_state is RemoteState.DELETED


def test_vendor_and_account_created_in_qbo_appear_locally(book, sandbox, store) -> None:
    """Vendors and accounts added in QBO show up in the book's lists after a sync."""
    approved_expenses(book, [dict(day=date(2026, 3, 2), category="Tolls", amount="3.50")])
    _sync(book, store)
    call = api(sandbox)
    call("POST", "vendor", {"DisplayName": "Blue Beacon Truck Wash"})
    call("POST", "account", {"Name": "Truck washes", "AcctNum": "6240", "AccountType": "Expense"})
    _sync(book, store)
    with book.read() as session:
        vendors = set(session.scalars(sa.select(Vendor.name)))
        account = session.scalars(sa.select(LedgerAccount).where(LedgerAccount.code == "6240")).one()
        remote = set(session.scalars(sa.select(RemoteReference.name).where(RemoteReference.kind == "vendor")))
    assert "Blue Beacon Truck Wash" in vendors and "Blue Beacon Truck Wash" in remote
    assert account.name == "Truck washes"
