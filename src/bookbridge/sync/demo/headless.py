"""`bookbridge demo --headless`: the main job end to end, in one process, on an embedded QBO sandbox.

Demo data → connect (real OAuth over loopback; tokens kept in memory only, nothing in the
keyring) → sync (reference pull, re-validation, batched posting within QBO's limits, receipts,
exceptions) → month end for the demo's last month (the Visa card statement imported and matched,
its bank charges explained or left open, the checklist, the PDF pack and CSV tables beside the
book; :mod:`bookbridge.sync.demo.month_end`) → a JSON summary that checks its own result: every
posted document is in the sandbox exactly once. The tie-out reads the accounting system's figures
back from the sandbox while it runs. The sandbox keeps its state in a folder beside the book, so
running the demo again on the same book continues where it left off (and posts nothing twice).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import connect
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.core import clock
from bookbridge.exceptions.views import counts as exception_counts
from bookbridge.exceptions.views import list_exceptions
from bookbridge.reconcile.ledger import ConnectorLedgerSource
from bookbridge.sandbox.qbo import QboSandbox
from bookbridge.store.book import Book, open_book
from bookbridge.store.models import Connection, Expense, OutboxItem, OutboxStatus
from bookbridge.sync.connection import find_connection, open_connector
from bookbridge.sync.demo.data import create_demo_book
from bookbridge.sync.demo.month_end import DemoMonthEnd, close_demo_month
from bookbridge.sync.runner import SyncOptions, run_sync

CONNECTION = "demo-qbo"
DEMO_PASSPHRASE = "bookbridge demo book"  # a throwaway demo book; documented in `bookbridge demo --help`
CLIENT = ClientCredentials("bookbridge-demo", "demo-client-secret-for-the-local-sandbox")
TIME_SCALE = 30.0  # QBO's limits, 30 times faster: the demo shows throttling-aware posting in seconds


def _record_connection(book: Book, *, base_url: str, company_id: str, expires, time_scale: float) -> None:
    settings = {"create_vendors": True, "time_scale": time_scale}
    with book.unit_of_work() as session:
        row = session.scalars(sa.select(Connection).where(Connection.name == CONNECTION)).one_or_none()
        if row is None:
            row = Connection(name=CONNECTION, provider="qbo", created_at=clock.now())
            session.add(row)
        row.base_url, row.company_ref, row.status = base_url, company_id, "connected"
        row.settings_json, row.token_expires_at = json.dumps(settings, sort_keys=True), expires


def _statuses(book: Book) -> dict[str, int]:
    with book.read() as session:
        rows = session.execute(sa.select(Expense.status, sa.func.count()).group_by(Expense.status)).all()
    return {status.value: count for status, count in sorted(rows, key=lambda r: r[0].value)}


def _check_once(book: Book, sandbox: QboSandbox) -> dict[str, Any]:
    """Compare the book's posted documents with what the sandbox holds."""
    entries = sandbox.store.all("JournalEntry")
    by_number = Counter(e.get("DocNumber") for e in entries)
    with book.read() as session:
        posted = dict(session.execute(
            sa.select(OutboxItem.doc_number, OutboxItem.remote_id).where(OutboxItem.status == OutboxStatus.POSTED)
        ).all())
    remote = {e.get("DocNumber"): e["Id"] for e in entries}
    return {
        "journal_entries": len(entries),
        "duplicates": sum(n - 1 for n in by_number.values() if n > 1),
        "missing": sum(1 for number in posted if number not in remote),
        "ids_match": all(remote.get(number) == remote_id for number, remote_id in posted.items()),
    }


def _month_end(book: Book, path: Path, *, today: date | None, store: MemoryTokenStore) -> DemoMonthEnd:
    """The last month reconciled, with the tie-out reading each posted document back from the sandbox."""
    with book.read() as session:
        ref = find_connection(session, CONNECTION)
    connector = open_connector(book, ref, store=store)
    try:
        source = ConnectorLedgerSource(connector, f"QuickBooks Online sandbox (connection '{CONNECTION}'), read back now")
        return close_demo_month(book, path, today=today, source=source)
    finally:
        connector.close()


def run_demo(
    book_path: Path | None = None,
    *,
    passphrase: str = DEMO_PASSPHRASE,
    today: date | None = None,
    time_scale: float = TIME_SCALE,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the whole demo; returns the JSON summary."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    path = Path(book_path) if book_path else Path(tempfile.mkdtemp(prefix="bookbridge-demo-")) / "demo.bbk"
    created = not path.exists()
    if created:
        say(f"Creating the demo book {path}...")
        create_demo_book(path, passphrase, today=today)
    with open_book(path, passphrase) as book:
        before = _statuses(book)
        data_dir = path.with_name(path.stem + "-qbo-sandbox")
        with QboSandbox(data_dir=data_dir, time_scale=time_scale) as sandbox:
            say(f"QBO sandbox at {sandbox.base_url}; connecting...")
            store = MemoryTokenStore()
            result = connect(provider("qbo"), base_url=sandbox.base_url, client=CLIENT, store=store,
                             open_url=open_without_browser())
            _record_connection(book, base_url=result.base_url, company_id=result.company_id,
                               expires=result.token_expires_at, time_scale=time_scale)
            say("Syncing...")
            report = run_sync(book, SyncOptions(connection=CONNECTION, token_store=store, actor="demo", progress=say))
            check = _check_once(book, sandbox)
            stats = sandbox.stats()
            say("Reconciling the demo card statement and writing the month-end pack...")
            month_end = _month_end(book, path, today=today, store=store)
        queue = list_exceptions(book, open_only=True)
        summary = {
            "book": str(path),
            "created": created,
            "company": book.company().name,
            "expenses": {"total": sum(before.values()), "before_sync": before, "after_sync": _statuses(book)},
            "sync": {**report.summary(), "status": report.status.value, "api_calls": report.counts.api_calls,
                     "throttled": report.counts.throttled, "quota_left": report.quota},
            "exceptions": {**exception_counts(book),
                           "items": [{"id": e.id, "severity": e.severity.value, "category": e.category.value,
                                      "title": e.title} for e in queue]},
            "sandbox": {"base_url": result.base_url, "realm_id": result.company_id,
                        "attachments": stats["entities"].get("Attachable", 0),
                        "vendors": stats["entities"].get("Vendor", 0),
                        "requests": stats["counters"].get("api_requests", 0),
                        "throttled": stats["counters"].get("throttled", 0), **check},
            "exactly_once": check["duplicates"] == 0 and check["missing"] == 0 and check["ids_match"],
            "month_end": month_end.as_dict(),
            "seconds": round(time.monotonic() - started, 2),
        }
    return summary
