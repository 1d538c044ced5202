"""Month-end: period sign-off and reopen, the locks they leave, and the packs printed for auditors.

* :class:`PeriodEvent`: the append-only history of a period (signed off, reopened), with who,
  when, why and the checklist as it stood at sign-off. Triggers refuse UPDATE and DELETE.
* :class:`PeriodLock`: one row per signed-off month while it stays signed off. The lock
  triggers below read this small table, so the database itself refuses edits to a locked
  month's expenses, their coding and approvals, its statement lines and matches, and mapping
  versions that would take effect inside it. No service can forget the check.
* :class:`MonthEndPack`: every PDF pack written, with its SHA-256 (also in the audit log).

Why triggers and not a check in each service: the sync engine, the importer, the matcher and the
GUI all write these tables; a lock that depends on each of them remembering to look would not
be a lock. The abort message starts with :data:`LOCK_ABORT_PREFIX`; :func:`_translate_lock_abort`
turns it into :class:`~bookbridge.core.errors.PeriodLocked` for every engine, naming the locked
months, so callers meet one clear error instead of a raw ``IntegrityError``.
"""

from __future__ import annotations

import enum
import logging
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.core.errors import PeriodLocked
from bookbridge.store.base import Base, UTCDateTime, enum_column

log = logging.getLogger(__name__)

class PeriodAction(str, enum.Enum):
    SIGNED_OFF = "signed_off"
    REOPENED = "reopened"


class PeriodEvent(Base):
    """One step in a period's history (append-only: triggers refuse UPDATE and DELETE).

    Attributes:
        period: the month, ``YYYY-MM``.
        forced: signed off although the checklist had blockers (``reason`` then says why).
        checklist_json: the checklist as it stood when the period was signed off.
        checklist_sha256: SHA-256 of ``checklist_json``, quoted on the pack's cover.
    """

    __tablename__ = "period_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), index=True)
    action: Mapped[PeriodAction] = mapped_column(enum_column(PeriodAction, name="period_action"))
    actor: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(sa.Text())
    forced: Mapped[bool] = mapped_column(default=False)
    checklist_json: Mapped[str | None] = mapped_column(sa.Text())
    checklist_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class PeriodLock(Base):
    """A signed-off month; its presence is what the lock triggers test."""

    __tablename__ = "period_locks"

    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    start_date: Mapped[date] = mapped_column(sa.Date())
    end_date: Mapped[date] = mapped_column(sa.Date())
    signoff_event_id: Mapped[int] = mapped_column(sa.ForeignKey("period_events.id"))
    locked_by: Mapped[str] = mapped_column(sa.String(200))
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MonthEndPack(Base):
    """A reconciliation pack written for a period."""

    __tablename__ = "month_end_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int]
    page_count: Mapped[int]
    preparer: Mapped[str] = mapped_column(sa.String(200))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    book_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    signed_off: Mapped[bool] = mapped_column(default=False)
    csv_files_json: Mapped[str | None] = mapped_column(sa.Text())


# --- the lock, enforced by the database ------------------------------------------------------------

LOCK_ABORT_PREFIX = "bookbridge period locked: "

HISTORY_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS period_events_no_update BEFORE UPDATE ON period_events "
    "BEGIN SELECT RAISE(ABORT, 'the period history is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS period_events_no_delete BEFORE DELETE ON period_events "
    "BEGIN SELECT RAISE(ABORT, 'the period history is append-only'); END",
]


def _locked(day_sql: str) -> str:
    """SQL that is true when the date ``day_sql`` falls in a signed-off month.

    Dates are ISO text in the book (SQLAlchemy's SQLite Date), so BETWEEN compares them correctly.
    """
    return f"EXISTS (SELECT 1 FROM period_locks WHERE ({day_sql}) BETWEEN start_date AND end_date)"


def _expense_day(row: str) -> str:
    return f"(SELECT txn_date FROM expenses WHERE id = {row}.expense_id)"


def _line_day(line_id_sql: str) -> str:
    return f"(SELECT booked_date FROM statement_lines WHERE id = {line_id_sql})"


def _trigger(name: str, timing: str, table: str, condition: str, what: str) -> str:
    # IF NOT EXISTS: the triggers on the older tables (expenses...) outlive a rebuild of the newer
    # ones, so re-running this revision over a partly rebuilt book must not fail on them.
    # RAISE takes a literal here on purpose: expressions in RAISE need SQLite 3.47+, and a book
    # must open with any sqlcipher3 build we support. The months are named by the translator.
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {timing} ON {table} WHEN {condition} "
        f"BEGIN SELECT RAISE(ABORT, '{LOCK_ABORT_PREFIX}{what}'); END"
    )


def _row_triggers(table: str, day_of: Any, what: str, *, update: bool = True) -> list[str]:
    """INSERT/UPDATE/DELETE guards for a table whose rows belong to a dated record."""
    triggers = [
        _trigger(f"{table}_lock_insert", "INSERT", table, _locked(day_of("NEW")), what),
        _trigger(f"{table}_lock_delete", "DELETE", table, _locked(day_of("OLD")), what),
    ]
    if update:
        # Moving a row *into* a locked month is refused as much as changing one already there.
        condition = f"{_locked(day_of('OLD'))} OR {_locked(day_of('NEW'))}"
        triggers.append(_trigger(f"{table}_lock_update", "UPDATE", table, condition, what))
    return triggers


LOCK_TRIGGERS: list[str] = [
    # expenses_lock_update fires on an UPDATE of any column (no "UPDATE OF" list), so it also guards
    # the custom fields, which live in expenses.fields_json since migration 0010.
    *_row_triggers("expenses", lambda r: f"{r}.txn_date", "an expense dated in it cannot be added, changed or deleted"),
    *_row_triggers("expense_receipts", _expense_day, "receipts cannot be attached to or removed from its expenses"),
    *_row_triggers("coding_results", _expense_day, "its expenses cannot be coded again"),
    *_row_triggers("approval_records", _expense_day, "approvals of its expenses cannot change"),
    *_row_triggers("statement_lines", lambda r: f"{r}.booked_date", "its statement lines cannot change"),
    *_row_triggers("matches", lambda r: _line_day(f"{r}.statement_line_id"), "matches of its statement lines cannot change"),
    *_row_triggers(
        "match_targets",
        lambda r: _line_day(f"(SELECT statement_line_id FROM matches WHERE id = {r}.match_id)"),
        "matches of its statement lines cannot change",
    ),
    # The version in effect on a date is the highest-numbered one effective on or before it, so
    # any new version effective on or before a locked month's last day would re-code that month.
    _trigger(
        "coding_template_versions_lock_insert", "INSERT", "coding_template_versions",
        "EXISTS (SELECT 1 FROM period_locks WHERE NEW.effective_from <= end_date)",
        "a mapping version effective on or before its last day would change its coding; "
        "publish it effective after the locked month",
    ),
]

LOCK_TRIGGER_NAMES = [text.split()[5] for text in LOCK_TRIGGERS]  # CREATE TRIGGER IF NOT EXISTS <name>


def _locked_months(context: Any) -> str:
    """The signed-off months, read on the failing statement's own DB-API connection."""
    connection = getattr(context, "connection", None)
    if connection is None:
        return "a signed-off month"
    raw = connection.connection.driver_connection
    try:
        rows = raw.execute("SELECT period, locked_by FROM period_locks ORDER BY period").fetchall()
    except sqlcipher.DatabaseError as exc:
        # The refusal itself stands; only the names of the months are missing from its message.
        log.warning("Could not list the signed-off months for a lock message: %s", exc)
        return "a signed-off month"
    if not rows:
        return "a signed-off month"
    return ", ".join(f"{period} (signed off by {who})" for period, who in rows)


def _translate_lock_abort(context: Any) -> BaseException | None:
    """Turn a lock trigger's abort into :class:`PeriodLocked` with a message a bookkeeper can act on."""
    original = context.original_exception
    text = str(original)
    if LOCK_ABORT_PREFIX not in text:
        return None
    what = text.split(LOCK_ABORT_PREFIX, 1)[1].strip()
    months = _locked_months(context)
    return PeriodLocked(
        f"This change touches a signed-off period: {months}; {what}. Reopen the period first with "
        "`bookbridge period reopen BOOK --period YYYY-MM --as NAME --reason TEXT` (the reopen is audited)."
    )


# Listening on the Engine class covers every book's engine, Alembic's connection included.
event.listen(sa.engine.Engine, "handle_error", _translate_lock_abort, retval=True)
