"""A sync run (issue 5 §3): resolve, pull, re-validate, push, record.

1. documents of unknown fate (in flight when a run died, or without an answer) are settled;
2. reference data is pulled and stored, and remote changes are read (conflicts, new vendors);
3. approved expenses become documents in the outbox, re-validated against what was pulled;
4. the outbox is pushed in batches within the rate limit, then receipts are attached;
5. the run is recorded: counts, API calls used, quota left, errors, last successful sync.

One run holds the book's sync lock throughout, so two windows, or the CLI and the GUI, never post
the same item twice. A dry run takes no lock, sends nothing and writes nothing but its run row:
it reports the exact payloads the push would send.

Everything that cannot go through becomes an exception; the run itself fails only when it cannot
start (no connection, credentials refused, the accounting system unreachable).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, NoReturn

from bookbridge.connectors import jsonwire
from bookbridge.connectors.dto import VendorDraft
from bookbridge.connectors.errors import AuthError, ConnectorError
from bookbridge.connectors.httplog import HttpExchange
from bookbridge.connectors.protocol import Connector
from bookbridge.connectors.registry import provider
from bookbridge.connectors.tokens import TokenStore
from bookbridge.core import clock
from bookbridge.core.errors import BookbridgeError
from bookbridge.core.keys import short_key
from bookbridge.store.book import Book
from bookbridge.store.models import Connection, RunStatus, SyncState
from bookbridge.sync import outbox
from bookbridge.sync.attachments import upload_receipts
from bookbridge.sync.connection import ConnectionRef, SyncSettings, find_connection, open_connector
from bookbridge.sync.lock import BookLock, LockLost
from bookbridge.sync.prepare import Plan, apply_plan, plan_documents  # noqa: F401  (Plan re-exported)
from bookbridge.sync.problems import connection_works, report_connection, throttling_over
from bookbridge.sync.pull import pull_changes
from bookbridge.sync.push import PushContext, push_rows
from bookbridge.sync.recovery import resolve_unknown
from bookbridge.sync.reference import (
    ReferenceIndex,
    RemoteRecord,
    mirror_locally,
    pull_reference,
    record_of,
    store_records,
    store_snapshot,
)
from bookbridge.sync.runs import RunCounts, abandon_stale_runs, finish_run, start_run
from bookbridge.sync.txn import write_unit
from bookbridge.sync.upstream import read_upstream, report_upstream

log = logging.getLogger(__name__)


class SyncCouldNotStart(BookbridgeError):
    """The run stopped before posting anything: connection, credentials or the accounting system (exit 2)."""


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How to run.

    Attributes:
        connection: the connection's name (``None``: the book's only connection).
        dry_run: report the exact payloads, send and change nothing.
        actor: who runs it (audit and run rows).
        token_store: where the connection's tokens are (default: the OS keyring).
        on_payload: receives each payload a dry run would send (``kind``, ``doc_number``, ``key``, ``payload``).
        progress: receives short progress lines.
        sync_log: also receives every HTTP exchange (secrets already removed), e.g. for a log view.
    """

    connection: str | None = None
    dry_run: bool = False
    actor: str = "sync"
    token_store: TokenStore | None = None
    on_payload: Callable[[dict[str, Any]], None] | None = None
    progress: Callable[[str], None] | None = None
    sync_log: Callable[[HttpExchange], None] | None = None


@dataclass
class SyncReport:
    """What a run did; :meth:`summary` is the documented ``--json`` shape."""

    run_id: str
    status: RunStatus
    counts: RunCounts
    quota: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        c = self.counts
        return {"posted": c.posted, "skipped": c.skipped, "failed": c.failed, "exceptions": c.exceptions,
                "would_post": c.would_post, "run_id": self.run_id}

    @property
    def exit_code(self) -> int:
        """0 when nothing failed, 1 when some items failed and are queued."""
        return 1 if self.counts.failed or self.status is not RunStatus.COMPLETED else 0


def _exchange_counter(counts: RunCounts, forward: Callable[[HttpExchange], None] | None) -> Callable[[HttpExchange], None]:
    guard = threading.Lock()  # worker threads report exchanges concurrently

    def sink(exchange: HttpExchange) -> None:
        with guard:
            counts.api_calls += 1
            if exchange.status == 429:
                counts.throttled += 1
        if forward is not None:
            forward(exchange)

    return sink


def _quota(connector: Connector) -> dict[str, Any]:
    snapshot = connector.quota()
    return {w.name: {"limit": w.limit, "remaining": w.remaining} for w in snapshot.windows}


def run_sync(book: Book, options: SyncOptions = SyncOptions()) -> SyncReport:
    """Run one sync of one connection (see the module docstring).

    Raises:
        NotFound / UsageError: no such connection (nothing changed, exit 2).
        LockHeld: another process is syncing this book (exit 2).
        SyncCouldNotStart: credentials refused or the accounting system unreachable (exit 2).
    """
    with book.read() as session:
        ref = find_connection(session, options.connection)
    settings = SyncSettings.from_settings(ref.settings)
    counts = RunCounts()
    connector = open_connector(book, ref, store=options.token_store, sync_log=_exchange_counter(counts, options.sync_log))
    try:
        if options.dry_run:
            return _dry_run(book, ref, settings, connector, counts, options)
        lock = BookLock(book, purpose=f"sync of connection '{ref.name}' by {options.actor}")
        lock.acquire()
        try:
            return _live_run(book, ref, settings, connector, counts, options, lock)
        finally:
            lock.release()
    finally:
        connector.close()


def _label(ref: ConnectionRef) -> str:
    return provider(ref.provider).label


def _vendor_maker(book: Book, ref: ConnectionRef, connector: Connector, counts: RunCounts, *, dry_run: bool):
    def make(name: str) -> RemoteRecord | None:
        if dry_run:
            return RemoteRecord("vendor", f"(new vendor: {name})", name, True)
        try:
            created = connector.create_vendor(VendorDraft(key=short_key("vendor", ref.name, name.casefold()), name=name))
        except ConnectorError as error:
            counts.error(f"vendor '{name}' could not be created: {error.user_message}")
            return None
        record = record_of(created)
        assert record is not None  # a VendorRecord always maps
        with write_unit(book) as session:
            store_records(session, ref.id, [record])
            mirror_locally(session, [record])
        return record

    return make


def _pull(book: Book, ref: ConnectionRef, connector: Connector) -> ReferenceIndex:
    snapshot = pull_reference(connector)
    with write_unit(book) as session:
        store_snapshot(session, ref.id, snapshot)
        connection_works(session, connection=ref.name)
    return ReferenceIndex.from_snapshot(snapshot)


def _could_not_start(book: Book, ref: ConnectionRef, run_id: str, counts: RunCounts, error: ConnectorError) -> NoReturn:
    label = _label(ref)
    with write_unit(book) as session:
        exception_id = report_connection(session, error, connection=ref.name, provider=ref.provider, label=label,
                                         waiting=0)
    counts.exceptions += 1
    counts.error(error.user_message)
    finish_run(book, run_id, counts, status=RunStatus.FAILED, message=error.user_message)
    raise SyncCouldNotStart(
        f"The sync of '{ref.name}' could not start: {error.user_message}. (Exception {exception_id} in the queue.)"
    ) from None


def _live_run(book: Book, ref: ConnectionRef, settings: SyncSettings, connector: Connector, counts: RunCounts,
              options: SyncOptions, lock: BookLock) -> SyncReport:
    run_id = start_run(book, connection_id=ref.id, dry_run=False, actor=options.actor)
    abandon_stale_runs(book, current_run=run_id)
    label = _label(ref)
    ctx = PushContext(book=book, connector=connector, connection_id=ref.id, connection=ref.name, label=label,
                      run_id=run_id, lock=lock, counts=counts, batch_size=settings.batch_size,
                      workers=settings.workers, progress=options.progress)
    report = SyncReport(run_id, RunStatus.COMPLETED, counts)
    try:
        # 1. settle documents of unknown fate before anything new goes out
        try:
            recovery = resolve_unknown(ctx, replay_window=settings.replay_window(connector))
        except AuthError as error:
            _could_not_start(book, ref, run_id, counts, error)
        counts.resolved = recovery.settled
        # 2. reference data and remote changes
        try:
            index = _pull(book, ref, connector)
        except ConnectorError as error:
            _could_not_start(book, ref, run_id, counts, error)
        _changes(book, ref, connector, index, counts, report, ctx)
        # 3. approved expenses → outbox, re-validated
        make_vendor = _vendor_maker(book, ref, connector, counts, dry_run=False) if settings.create_vendors else None
        with book.read() as session:
            plan = plan_documents(book, session, connection_id=ref.id, connector=connector, index=index,
                                  grouping=settings.grouping, label=label, make_vendor=make_vendor)
        upstream = read_upstream(book)
        with write_unit(book) as session:
            lock.confirm(session)
            applied = apply_plan(session, plan, connection_id=ref.id, connection=ref.name, run_id=run_id)
            ctx.exception_ids.update(report_upstream(session, upstream))
            lock.confirm(session)  # a large first sync writes for a while: beat before committing
        ctx.exception_ids.update(applied.exception_ids)
        counts.failed += len(plan.blocked)
        # Held before the sync (coding problems, pending approvals): not sent on purpose, and queued.
        counts.skipped += plan.nothing_to_post + len(plan.held) + upstream.held
        # 4. push, then receipts
        with book.read() as session:
            row_ids = [r.id for r in outbox.sendable(session, ref.id)]
        push_rows(ctx, row_ids)
        if not ctx.stopped:
            upload_receipts(ctx)
        if ctx.stop_error is None and counts.failed == 0:
            with write_unit(book) as session:
                throttling_over(session, connection=ref.name)
    except LockLost as lost:
        report.status = RunStatus.FAILED
        report.notes.append(lost.user_message)
        counts.error(lost.user_message)
    counts.exceptions = len(ctx.exception_ids) + counts.exceptions
    report.quota = _quota(connector)
    _record(book, ref, report)
    return report


def _changes(book: Book, ref: ConnectionRef, connector: Connector, index: ReferenceIndex, counts: RunCounts,
             report: SyncReport, ctx: PushContext) -> None:
    try:
        with write_unit(book) as session:
            pulled = pull_changes(session, connector, index, connection_id=ref.id, connection=ref.name,
                                  label=ctx.label)
    except AuthError as error:
        _could_not_start(book, ref, ctx.run_id, counts, error)
    except ConnectorError as error:
        # Posting does not depend on the change feed: note it and go on; the cursor did not move.
        counts.error(f"remote changes could not be read: {error.user_message}")
        return
    ctx.exception_ids.update(pulled.conflicts)
    if pulled.note:
        report.notes.append(pulled.note)
        counts.error(pulled.note)


def _record(book: Book, ref: ConnectionRef, report: SyncReport) -> None:
    message = "; ".join(report.notes) or None
    finish_run(book, report.run_id, report.counts, status=report.status, quota=report.quota, message=message)
    if report.status is RunStatus.COMPLETED:
        now = clock.now()
        with write_unit(book) as session:
            state = session.get(SyncState, ref.id) or SyncState(connection_id=ref.id)
            state.last_run_id = report.run_id
            if report.counts.failed == 0:
                state.last_success_at = now
            session.add(state)
            connection = session.get(Connection, ref.id)
            if connection is not None:
                connection.last_sync_at = now


def _dry_run(book: Book, ref: ConnectionRef, settings: SyncSettings, connector: Connector, counts: RunCounts,
             options: SyncOptions) -> SyncReport:
    run_id = start_run(book, connection_id=ref.id, dry_run=True, actor=options.actor)
    report = SyncReport(run_id, RunStatus.COMPLETED, counts)
    try:
        snapshot = pull_reference(connector)
    except ConnectorError as error:
        finish_run(book, run_id, counts, status=RunStatus.FAILED, message=error.user_message)
        raise SyncCouldNotStart(f"The dry run of '{ref.name}' could not start: {error.user_message}.") from None
    index = ReferenceIndex.from_snapshot(snapshot)
    make_vendor = _vendor_maker(book, ref, connector, counts, dry_run=True) if settings.create_vendors else None
    with book.read() as session:
        plan = plan_documents(book, session, connection_id=ref.id, connector=connector, index=index,
                              grouping=settings.grouping, label=_label(ref), make_vendor=make_vendor)
        waiting = outbox.waiting(session, ref.id)
        planned_keys = {p.entry.key for p in plan.to_write}
        payloads = [_payload_of(p.prepared) for p in plan.to_write if p.prepared is not None]
        payloads += [{"kind": r.doc_kind, "doc_number": r.doc_number, "key": r.key, "status": r.status.value,
                      "payload": jsonwire.loads(r.payload_json)} for r in waiting if r.entry_key not in planned_keys]
    for payload in payloads:
        if options.on_payload:
            options.on_payload(payload)
    upstream = read_upstream(book)
    counts.would_post = len(payloads)
    counts.failed = len(plan.blocked)
    counts.exceptions = len(plan.groups) + len(upstream.groups)
    counts.skipped = plan.nothing_to_post + len(plan.held) + upstream.held
    report.quota = _quota(connector)
    report.notes.append("dry run: nothing was sent and the outbox was not changed")
    finish_run(book, run_id, counts, status=RunStatus.COMPLETED, quota=report.quota, message=report.notes[0])
    return report


def _payload_of(prepared: outbox.Prepared) -> dict[str, Any]:
    doc = prepared.document
    return {"kind": doc.kind.value, "doc_number": doc.doc_number, "key": doc.key, "status": "new",
            "expenses": list(prepared.expense_ids), "payload": prepared.payload}


__all__ = ["Plan", "SyncCouldNotStart", "SyncOptions", "SyncReport", "run_sync"]
