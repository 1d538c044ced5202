"""The append-only audit log.

Two triggers (created by the migration) make UPDATE and DELETE on ``audit_log`` fail, so even a
bug or a hand-edit through SQL cannot rewrite history.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.store.base import Base, UTCDateTime


class AuditEntry(Base):
    """Who did what to which record, when, with details as JSON."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    entity_type: Mapped[str | None] = mapped_column(sa.String(60))
    entity_id: Mapped[str | None] = mapped_column(sa.String(120))
    detail_json: Mapped[str | None] = mapped_column(sa.Text())


APPEND_ONLY_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    # The expense key is what dedupe and idempotency rely on: it may never change.
    "CREATE TRIGGER expenses_key_immutable BEFORE UPDATE OF key ON expenses "
    "WHEN NEW.key IS NOT OLD.key BEGIN SELECT RAISE(ABORT, 'expense key is immutable'); END",
]
