"""Step 2 of a run, and the way back (issue 5 §3–4): reference data and remote changes.

* :func:`pull_reference` reads every reference list in full (they are small) and stores it.
* :func:`pull_changes` reads the connector's change feed (QBO CDC, Xero If-Modified-Since, Intacct
  WHENMODIFIED, NetSuite lastmodifieddate) since the last run: list entries created
  or changed there are stored (and vendors/accounts appear in the book's own lists); posted
  documents edited or deleted there become conflict exceptions (:mod:`bookbridge.sync.conflicts`).

The change cursor moves to the time the feed was read, minus a small overlap, so an edit made
while we read is seen next time rather than lost (a repeat is harmless: versions are compared).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.connectors.dto import DocumentKind
from bookbridge.connectors.errors import ChangeWindowExpired
from bookbridge.connectors.protocol import Connector
from bookbridge.core import clock
from bookbridge.store.models import OutboxItem, OutboxStatus, SyncState
from bookbridge.sync.conflicts import check_change
from bookbridge.sync.reference import ReferenceIndex, ReferenceSnapshot, mirror_locally, pull_reference, record_of
from bookbridge.sync.reference import store_records, store_snapshot

CURSOR_OVERLAP = timedelta(minutes=2)
DOCUMENT_KINDS = {k.value for k in (DocumentKind.JOURNAL_ENTRY, DocumentKind.PURCHASE, DocumentKind.BILL)}


@dataclass(frozen=True, slots=True)
class ChangesPulled:
    """What the change feed brought."""

    read: int
    references: int
    conflicts: tuple[int, ...]
    note: str | None = None


def store_reference(session: Session, connection_id: int, snapshot: ReferenceSnapshot) -> int:
    return store_snapshot(session, connection_id, snapshot)


def pull_changes(
    session: Session, connector: Connector, index: ReferenceIndex, *, connection_id: int, connection: str, label: str
) -> ChangesPulled:
    """Read remote changes since the last cursor and act on them (the caller's transaction)."""
    state = session.get(SyncState, connection_id) or SyncState(connection_id=connection_id)
    session.add(state)
    started = clock.now()
    since = state.changes_since
    if since is None:
        # First run: everything remote is new to us and the full pull just stored it.
        state.changes_since = started - CURSOR_OVERLAP
        return ChangesPulled(0, 0, ())
    try:
        changes = list(connector.changes_since(since))
    except ChangeWindowExpired as expired:
        state.changes_since = started - CURSOR_OVERLAP
        return ChangesPulled(0, 0, (), note=f"{expired.user_message}; edits made there before then were not checked")
    references = []
    conflicts = []
    posted = _posted_by_remote_id(session, connection_id)
    for change in changes:
        if change.kind in DOCUMENT_KINDS:
            row = posted.get((change.kind, change.remote_id))
            if row is not None:
                exception_id = check_change(session, row, change, connection=connection, label=label)
                if exception_id is not None:
                    conflicts.append(exception_id)
        elif change.record is not None:
            record = record_of(change.record)
            if record is not None:
                references.append(record)
                index.add(record)
    store_records(session, connection_id, references)
    mirror_locally(session, references)
    state.changes_since = started - CURSOR_OVERLAP
    return ChangesPulled(len(changes), len(references), tuple(conflicts))


def _posted_by_remote_id(session: Session, connection_id: int) -> dict[tuple[str, str], OutboxItem]:
    rows = session.scalars(
        sa.select(OutboxItem).where(OutboxItem.connection_id == connection_id, OutboxItem.status == OutboxStatus.POSTED,
                                    OutboxItem.remote_id.is_not(None))
    )
    return {(row.doc_kind, row.remote_id or ""): row for row in rows}


__all__ = ["ChangesPulled", "pull_changes", "pull_reference", "store_reference"]
