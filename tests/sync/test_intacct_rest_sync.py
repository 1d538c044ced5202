"""The sync engine, unchanged, posting approved expenses to Sage Intacct over the REST transport, exactly once.

The book connects through the real PKCE flow over loopback (tokens in memory here; the keyring is
tested in tests/connectors/test_intacct_rest_auth.py). One answer is lost after its journal entry
was committed, so exactly-once rests on the lookup by key marker, REST having no idempotency
header we rely on.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import sqlalchemy as sa

from bookbridge.connectors.authorize import open_without_browser
from bookbridge.connectors.connect import connect
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.core import clock
from bookbridge.sandbox.intacct import IntacctSandbox
from bookbridge.store.models import Connection, OutboxItem, OutboxStatus
from bookbridge.sync.runner import SyncOptions, run_sync
from sync_book import approved_expenses, fuel

MARKER = re.compile(r"\[bb:[0-9a-f]+\]")


def _connect(book, sandbox: IntacctSandbox) -> MemoryTokenStore:
    store = MemoryTokenStore()
    result = connect(provider("intacct-rest"), base_url=sandbox.base_url, client=ClientCredentials("sync-rest"),
                     store=store, open_url=open_without_browser())
    with book.unit_of_work() as session:
        session.add(Connection(name="main", provider="intacct-rest", base_url=result.base_url,
                               company_ref=result.company_id, status="connected",
                               settings_json=json.dumps({"time_scale": 100}),
                               token_expires_at=result.token_expires_at, created_at=clock.now()))
    return store


def test_run_sync_posts_each_approved_expense_once_over_rest(book) -> None:
    """Five fuel expenses, one answer lost after commit: five journal entries, and a second run posts none."""
    with IntacctSandbox(limits=False) as sandbox:
        store = _connect(book, sandbox)
        approved_expenses(book, fuel(5))
        sandbox.faults.update({"queue": ["lost_after_commit"]})
        first = run_sync(book, SyncOptions(token_store=store))
        second = run_sync(book, SyncOptions(token_store=store))
        entries = sandbox.store.records("GLBATCH", owned=True)
        lost = sandbox.stats()["counters"].get("fault_lost_after_commit", 0)
    with book.read() as session:
        rows = dict(session.execute(sa.select(OutboxItem.doc_number, OutboxItem.remote_id)
                                    .where(OutboxItem.status == OutboxStatus.POSTED)).all())
    markers = Counter(MARKER.search(entry["BATCH_TITLE"]).group(0) for entry in entries)
    assert first.summary()["posted"] == 5 and second.summary().get("posted", 0) == 0 and lost == 1
    assert len(entries) == 5 and max(markers.values()) == 1
    assert rows == {entry["REFERENCENO"]: entry["RECORDNO"] for entry in entries}
    assert all(e["ENTRIES"]["GLENTRY"][0]["CLASSID"] == "T7" for e in entries)
