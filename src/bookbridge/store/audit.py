"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.keys import canonical_json
from bookbridge.store.models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    actor: str = "system",
    entity_type: str | None = None,
    entity_id: str | int | None = None,
    **detail: Any,
) -> AuditEntry:
    """Append one audit entry in the caller's transaction (never commits by itself)."""
    entry = AuditEntry(
        at=clock.now(),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        detail_json=canonical_json(detail) if detail else None,
    )
    session.add(entry)
    return entry
