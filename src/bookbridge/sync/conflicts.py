"""Documents we posted that someone changed or deleted in the accounting system (issue 5 §4).

The book keeps what it posted (the payload) and the version mark the accounting system gave back
(:attr:`~bookbridge.connectors.dto.PostResult.version`: QBO's ``SyncToken``, the others' modification
time). A change feed entry for a posted document with another version, or a
deletion, becomes a *conflict* exception showing both versions; the newest remote version is
remembered so the same edit is not reported twice, while a second edit counts as a repetition.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from bookbridge.connectors.dto import ChangeOperation, ChangeRecord
from bookbridge.exceptions.queue import AffectedItem, report
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity, OutboxItem, RemoteState
from bookbridge.sync import outbox

SOURCE = "sync"


def _theirs(raw: Any) -> Any:
    """The remote object as JSON-ready data (numbers stay exact, as text)."""
    return json.loads(json.dumps(raw, default=str)) if raw else None


def check_change(session: Session, row: OutboxItem, change: ChangeRecord, *, connection: str, label: str) -> int | None:
    """Raise a conflict for ``row`` when ``change`` is not the version we posted; returns the exception id."""
    if change.operation is ChangeOperation.DELETED:
        if row.remote_state is RemoteState.DELETED:
            return None
        row.remote_state = RemoteState.DELETED
        severity = ExceptionSeverity.BLOCKER
        title = f"{row.doc_number} was deleted in {label}"
        fix = (f"The expenses it carried are no longer in the books of {label}. If that was a mistake, restore it "
               "there; otherwise record why it was removed when you resolve this exception.")
        cause = ("document-deleted", row.entry_key)
    else:
        version = change.version
        if version is None or version == row.remote_version:
            return None  # our own version (the create we made), or nothing to compare
        if row.remote_version is None and change.operation is ChangeOperation.CREATED:
            # The post left no mark (its read-back failed), and the feed says this version is the
            # creation itself: never edited, so it is ours. Remember it for the next comparison.
            row.remote_version = version
            return None
        row.remote_state = RemoteState.CHANGED
        row.remote_version = version
        severity = ExceptionSeverity.WARNING
        title = f"{row.doc_number} was changed in {label} after Bookbridge posted it"
        fix = ("Compare both versions below. If the change is right, resolve this exception with a note; if not, "
               f"undo it in {label}. Bookbridge does not overwrite edits made there.")
        cause = ("document-changed", row.entry_key)
    row.remote_updated_at = change.changed_at or row.remote_updated_at
    expenses = outbox.expense_ids(session, [row.id]).get(row.id, [])
    items = [AffectedItem("outbox", str(row.id), row.doc_number)] + [AffectedItem("expense", str(e)) for e in expenses]
    detail = {
        "remote_id": row.remote_id,
        "doc_number": row.doc_number,
        "operation": change.operation.value,
        "ours": json.loads(row.payload_json),
        "theirs": None if change.operation is ChangeOperation.DELETED else _theirs(change.raw),
        "changed_at": change.changed_at.isoformat() if change.changed_at else None,
    }
    return report(
        session, category=ExceptionCategory.CONFLICT, severity=severity, title=title,
        message=f"{title}. {fix}", cause=cause, items=items, detail=detail, source=SOURCE, connection=connection,
    ).exception_id
