"""Sign-off locks a month in the database itself; reopen needs who and why and is audited."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from hypothesis import given, strategies as st

from bookbridge.core import clock
from bookbridge.core.errors import PeriodLocked, UsageError
from bookbridge.reconcile.periods import Period, PeriodNotReady, period_state, reopen, signoff
from bookbridge.store.models import AuditEntry, Expense, PeriodEvent, PeriodLock
from bookbridge.store.models.month_end import LOCK_TRIGGER_NAMES

from month_end_book import (  # noqa: F401  (fixtures)
    TEMPLATE, after_close, january, january_file, january_unmatched, january_unmatched_file,
)

JANUARY = Period(2026, 1)


def _audit(book, action: str) -> list[AuditEntry]:
    with book.read() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@given(st.integers(min_value=1900, max_value=2999), st.integers(min_value=1, max_value=12))
def test_period_label_round_trips_and_spans_the_month(year: int, month: int) -> None:
    """Any YYYY-MM parses back to itself, starts on the 1st and ends the day before the next month."""
    period = Period.parse(f"{year:04d}-{month:02d}")
    assert period.label == f"{year:04d}-{month:02d}"
    assert period.start == date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    assert (following - period.end).days == 1


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-01", "January", "", "2026/01"])
def test_period_refuses_what_is_not_a_month(text: str) -> None:
    """A text that is not YYYY-MM with a real month is refused with the expected format."""
    with pytest.raises(UsageError, match="YYYY-MM"):
        Period.parse(text)


def test_signoff_installs_every_lock_trigger(january) -> None:
    """Once a month is signed off the book holds each lock trigger the model declares (migration 0009
    leaves them out of a book with no lock: they cost every imported row a trigger program)."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    with january.book.engine.connect() as conn:
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    assert set(LOCK_TRIGGER_NAMES) <= names


def test_reopening_the_last_locked_month_drops_the_lock_triggers(january) -> None:
    """With no month signed off any more, the per-row lock triggers are gone again."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    reopen(january.book, JANUARY, actor="Carl Controller", reason="late fuel invoice")
    with january.book.engine.connect() as conn:
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    assert names & set(LOCK_TRIGGER_NAMES) == set()


def test_signoff_locks_and_an_expense_edit_is_refused(january) -> None:
    """After sign-off, changing an expense of the month raises PeriodLocked naming the month and the reopen."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    with pytest.raises(PeriodLocked) as refused:
        with january.book.unit_of_work() as session:
            session.get(Expense, january.expense("Shell")).amount_minor = 9999
    assert "2026-01 (signed off by Ann Accountant)" in refused.value.user_message
    assert "period reopen" in refused.value.user_message
    with january.book.read() as session:
        assert session.get(Expense, january.expense("Shell")).amount_minor == 8540


def test_lock_holds_against_raw_sql(january) -> None:
    """The database refuses an UPDATE written by hand, not only through a service."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    with pytest.raises(PeriodLocked):
        with january.book.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE expenses SET memo = 'edited' WHERE id = ?", (january.expense("Shell"),))


def test_lock_refuses_a_new_expense_in_the_month_but_not_in_the_next(january) -> None:
    """Inserting an expense dated in the locked month fails; one dated in February lands."""
    from month_end_book import Spend, add_expenses

    signoff(january.book, JANUARY, actor="Ann Accountant")
    with pytest.raises(PeriodLocked):
        add_expenses(january, [Spend(date(2026, 1, 30), "Shell", "Fuel", "40.00", "company_card")])
    add_expenses(january, [Spend(date(2026, 2, 2), "Shell", "Fuel", "40.00", "company_card")])
    with january.book.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Expense).where(Expense.txn_date >= date(2026, 2, 1))) == 1


def test_lock_refuses_custom_field_of_a_locked_expense(january) -> None:
    """Adding a custom field to an expense of the locked month is refused (expenses.fields_json is
    guarded by expenses_lock_update, which fires on any column); the fields stay as they were."""
    shell = january.expense("Shell")
    with january.book.read() as session:
        before = session.get(Expense, shell).fields_json
    signoff(january.book, JANUARY, actor="Ann Accountant")
    with pytest.raises(PeriodLocked, match="an expense dated in it"):
        with january.book.unit_of_work() as session:
            expense = session.get(Expense, shell)
            expense.set_fields({**expense.fields, "vehicle_id": "TRUCK-12"})
    with pytest.raises(PeriodLocked):
        with january.book.engine.begin() as conn:
            conn.exec_driver_sql("""UPDATE expenses SET fields_json = '{"vehicle_id":"TRUCK-12"}' WHERE id = ?""",
                                 (shell,))
    with january.book.read() as session:
        assert session.get(Expense, shell).fields_json == before


def test_lock_refuses_undoing_a_match_of_the_month(january) -> None:
    """A match decision on a statement line of the locked month cannot be undone."""
    from bookbridge.reconcile.matching.decisions import undo_match
    from bookbridge.store.models import Match, MatchStatus

    signoff(january.book, JANUARY, actor="Ann Accountant")
    with january.book.read() as session:
        match_id = session.scalars(sa.select(Match.id).where(
            Match.statement_line_id == january.line_ids["C-0106-1"], Match.status == MatchStatus.ACCEPTED)).one()
    with pytest.raises(PeriodLocked, match="matches of its statement lines"):
        undo_match(january.book, match_id, actor="Rita Recon", reason="wrong line")


def test_lock_refuses_a_mapping_version_effective_inside_the_month(january) -> None:
    """Publishing a template version effective in January is refused; effective in February it is published."""
    from bookbridge.coding.templates import get_template, publish, save_draft
    from bookbridge.coding.yaml_io import load_template

    signoff(january.book, JANUARY, actor="Ann Accountant")
    changed = TEMPLATE.replace('account: "6200"', 'account: "6210"')
    spec, issues = load_template(changed)
    assert spec is not None, issues
    with january.book.unit_of_work() as session:
        save_draft(session, spec, actor="Tess Template", source_text=changed)
    with pytest.raises(PeriodLocked, match="mapping version"):
        with january.book.unit_of_work() as session:
            publish(session, get_template(session, "Fleet"), actor="Tess Template", effective_from=date(2026, 1, 15))
    with january.book.unit_of_work() as session:
        info = publish(session, get_template(session, "Fleet"), actor="Tess Template", effective_from=date(2026, 2, 1))
    assert info.number == 2


def test_reopen_is_audited_and_lifts_the_lock(january) -> None:
    """Reopen records who and why (history and audit log) and the month can be edited again."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    state = reopen(january.book, JANUARY, actor="Carl Controller", reason="late fuel invoice from Shell")
    assert not state.locked
    assert [(e.action, e.actor, e.reason) for e in state.history] == [
        ("signed_off", "Ann Accountant", None), ("reopened", "Carl Controller", "late fuel invoice from Shell")]
    (entry,) = _audit(january.book, "period.reopened")
    detail = json.loads(entry.detail_json)
    assert (entry.actor, entry.entity_id) == ("Carl Controller", "2026-01")
    assert detail["reason"] == "late fuel invoice from Shell" and detail["signed_off_by"] == "Ann Accountant"
    with january.book.unit_of_work() as session:
        session.get(Expense, january.expense("Shell")).memo = "late invoice attached"


def test_reopen_without_a_reason_is_refused(january) -> None:
    """A reopen needs a reason; without one the month stays locked."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    with pytest.raises(UsageError, match="why"):
        reopen(january.book, JANUARY, actor="Carl Controller", reason="   ")
    with january.book.read() as session:
        assert period_state(session, JANUARY).locked


def test_signoff_is_audited_with_the_checklist_hash(january) -> None:
    """The sign-off audit entry carries the SHA-256 of the checklist stored in the period history."""
    result = signoff(january.book, JANUARY, actor="Ann Accountant", reason="January closed")
    (entry,) = _audit(january.book, "period.signed_off")
    with january.book.read() as session:
        event = session.scalars(sa.select(PeriodEvent)).one()
    from bookbridge.core.keys import sha256_hex

    assert json.loads(entry.detail_json)["checklist_sha256"] == event.checklist_sha256 == result.checklist_sha256
    assert sha256_hex(event.checklist_json) == event.checklist_sha256
    assert json.loads(event.checklist_json)["period"] == "2026-01"


def test_signoff_refused_while_the_checklist_has_blockers(january_unmatched) -> None:
    """Unmatched statement lines block sign-off; nothing is locked or recorded."""
    with pytest.raises(PeriodNotReady) as refused:
        signoff(january_unmatched.book, JANUARY, actor="Ann Accountant")
    assert {b["code"] for b in refused.value.blockers} >= {"lines_matched"}
    with january_unmatched.book.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PeriodLock)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(PeriodEvent)) == 0


def test_forced_signoff_records_the_blockers_and_needs_a_reason(january_unmatched) -> None:
    """--force without a reason is refused; with one, the blockers are named in the audit log."""
    with pytest.raises(UsageError, match="reason"):
        signoff(january_unmatched.book, JANUARY, actor="Ann Accountant", force=True)
    result = signoff(january_unmatched.book, JANUARY, actor="Ann Accountant", force=True,
                     reason="bank lines explained on paper, see file 2026-01")
    assert result.forced
    (entry,) = _audit(january_unmatched.book, "period.signed_off")
    assert "lines_matched" in json.loads(entry.detail_json)["blockers"]


def test_signoff_refuses_a_month_that_has_not_ended(january) -> None:
    """On the month's last day it cannot be signed off yet."""
    clock.set_clock(lambda: datetime(2026, 1, 31, 18, 0, tzinfo=timezone.utc))
    with pytest.raises(UsageError, match="has not ended"):
        signoff(january.book, JANUARY, actor="Ann Accountant")


def test_signing_off_twice_is_refused(january) -> None:
    """A signed-off month cannot be signed off again (the first sign-off stands)."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    with pytest.raises(UsageError, match="already signed off"):
        signoff(january.book, JANUARY, actor="Bob Other")


def test_period_history_is_append_only(january) -> None:
    """The history of sign-offs and reopens cannot be rewritten, even with SQL."""
    signoff(january.book, JANUARY, actor="Ann Accountant")
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        with january.book.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE period_events SET actor = 'Someone Else'")


def test_matching_over_all_dates_skips_a_locked_month_instead_of_failing(january_unmatched) -> None:
    """A force-signed-off month with open lines: a run over all dates leaves them and does not stop."""
    from bookbridge.reconcile.matching.service import run_matching
    from bookbridge.store.models import Match

    signoff(january_unmatched.book, JANUARY, actor="Ann Accountant", force=True, reason="explained on paper")
    with january_unmatched.book.read() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(Match))
    run = run_matching(january_unmatched.book, auto=True, actor="Ann Accountant")
    assert run.lines_considered == 0
    with january_unmatched.book.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Match)) == before
