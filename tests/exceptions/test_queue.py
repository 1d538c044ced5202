"""The exception queue on a real encrypted book: report, repeat, resolve, reopen, release, SLA."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbridge.core.errors import NotFound, UsageError
from bookbridge.exceptions import policy, queue
from bookbridge.exceptions.queue import AffectedItem
from bookbridge.exceptions.views import counts, get_exception, list_exceptions
from bookbridge.store.models import (
    AuditEntry,
    ExceptionCategory,
    ExceptionRecord,
    ExceptionSeverity,
    ExceptionStatus,
)

Cat, Sev = ExceptionCategory, ExceptionSeverity


def _report(book, cause=("account", "21", "inactive"), items=(AffectedItem("expense", "1"),), **kw):
    args = dict(category=Cat.VALIDATION, severity=Sev.BLOCKER, title="Account 21 is inactive",
                message="Make account 21 active in QuickBooks or map the category elsewhere.",
                cause=list(cause), items=list(items), connection="main")
    args.update(kw)
    with book.unit_of_work() as session:
        return queue.report(session, **args)


def test_report_creates_open_exception_due_after_category_sla(book, pinned_clock) -> None:
    """A new exception is open, counted once, and due the category's SLA after it was raised."""
    reported = _report(book, category=Cat.AUTH)
    view = get_exception(book, reported.exception_id)
    assert reported.created and view.status is ExceptionStatus.OPEN and view.repetitions == 1
    assert view.created_at == pinned_clock.now
    assert view.due_at == pinned_clock.now + timedelta(hours=policy.DEFAULT_SLA_HOURS[Cat.AUTH])
    assert [e.action for e in view.trail] == ["created"]


def test_same_cause_counts_a_repetition_and_merges_items(book, pinned_clock) -> None:
    """Reporting the same cause again bumps the count and adds new items instead of a new record."""
    first = _report(book, items=[AffectedItem("expense", "1")])
    pinned_clock.advance(minutes=5)
    second = _report(book, items=[AffectedItem("expense", "1"), AffectedItem("expense", "2")])
    assert second.exception_id == first.exception_id and not second.created
    view = get_exception(book, first.exception_id)
    assert view.repetitions == 2
    assert sorted(i.ref for i in view.items) == ["1", "2"]
    assert view.last_seen_at == pinned_clock.now
    with book.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ExceptionRecord)) == 1


def test_different_causes_are_different_exceptions(book, pinned_clock) -> None:
    """Another cause, or the same cause on another connection, is another exception."""
    a = _report(book, cause=["account", "21"])
    b = _report(book, cause=["account", "22"])
    c = _report(book, cause=["account", "21"], connection="other")
    assert len({a.exception_id, b.exception_id, c.exception_id}) == 3


def test_resolve_releases_items_and_records_the_trail(book, pinned_clock) -> None:
    """Resolving releases every held item and records who, when and why (trail and audit log)."""
    reported = _report(book, items=[AffectedItem("outbox", "7"), AffectedItem("expense", "3")])
    pinned_clock.advance(hours=1)
    result = queue.resolve(book, reported.exception_id, actor="Dana", note="reactivated account 21")
    assert sorted((i.kind, i.ref) for i in result.released) == [("expense", "3"), ("outbox", "7")]
    view = get_exception(book, reported.exception_id)
    assert view.status is ExceptionStatus.RESOLVED and view.resolved_by == "Dana"
    assert view.held_items == () and all(i.released_at == pinned_clock.now for i in view.items)
    assert (view.trail[-1].actor, view.trail[-1].action, view.trail[-1].note) == ("Dana", "resolved", "reactivated account 21")
    with book.read() as session:
        audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "exception.resolve")).one()
    assert audit.actor == "Dana" and audit.entity_id == str(reported.exception_id)


def test_resolving_twice_is_refused(book, pinned_clock) -> None:
    """A resolved exception cannot be resolved again; nothing changes."""
    reported = _report(book)
    queue.resolve(book, reported.exception_id, actor="Dana", note="fixed")
    with pytest.raises(queue.AlreadyResolved, match="already resolved by Dana"):
        queue.resolve(book, reported.exception_id, actor="Lee", note="again")
    assert get_exception(book, reported.exception_id).resolved_by == "Dana"


def test_resolve_needs_actor_note_and_existing_id(book, pinned_clock) -> None:
    """Resolving without a name or a note, or an unknown id, is refused."""
    reported = _report(book)
    with pytest.raises(UsageError, match="--as"):
        queue.resolve(book, reported.exception_id, actor=" ", note="x")
    with pytest.raises(UsageError, match="--note"):
        queue.resolve(book, reported.exception_id, actor="Dana", note="")
    with pytest.raises(NotFound):
        queue.resolve(book, 999, actor="Dana", note="x")


def test_recurrence_after_resolution_reopens_with_new_due_time(book, pinned_clock) -> None:
    """The same cause after a resolution reopens its record with a fresh SLA and holds items again."""
    reported = _report(book)
    queue.resolve(book, reported.exception_id, actor="Dana", note="fixed")
    pinned_clock.advance(days=3)
    again = _report(book)
    view = get_exception(book, reported.exception_id)
    assert again.exception_id == reported.exception_id and again.reopened
    assert view.status is ExceptionStatus.OPEN and view.repetitions == 2 and view.resolved_by is None
    assert view.due_at == pinned_clock.now + timedelta(hours=policy.DEFAULT_SLA_HOURS[Cat.VALIDATION])
    assert [i.ref for i in view.held_items] == ["1"]
    assert [e.action for e in view.trail] == ["created", "resolved", "reopened"]


def test_sla_is_configurable_per_category(book, pinned_clock) -> None:
    """A book's own SLA for a category sets the due time of exceptions raised afterwards."""
    previous = policy.set_sla_hours(book, Cat.CONFLICT, 6, actor="Dana")
    reported = _report(book, category=Cat.CONFLICT)
    assert previous == policy.DEFAULT_SLA_HOURS[Cat.CONFLICT]
    assert get_exception(book, reported.exception_id).due_at == pinned_clock.now + timedelta(hours=6)
    with pytest.raises(UsageError):
        policy.set_sla_hours(book, Cat.CONFLICT, 0, actor="Dana")


def test_default_owner_per_category(book, pinned_clock) -> None:
    """New exceptions of a category go to that category's default owner."""
    policy.set_default_owner(book, Cat.AUTH, "Office manager", actor="Dana")
    auth = _report(book, category=Cat.AUTH, cause=["token"])
    other = _report(book, category=Cat.MAPPING, cause=["fuel"])
    assert get_exception(book, auth.exception_id).owner == "Office manager"
    assert get_exception(book, other.exception_id).owner is None


def test_assign_changes_owner_and_keeps_trail(book, pinned_clock) -> None:
    """Assigning records the previous and new owner in the trail."""
    reported = _report(book)
    assert queue.assign(book, reported.exception_id, "Lee", actor="Dana") is None
    view = get_exception(book, reported.exception_id)
    assert view.owner == "Lee" and view.trail[-1].action == "assigned" and "Lee" in view.trail[-1].note


def test_release_items_resolves_only_when_nothing_is_held(book, pinned_clock) -> None:
    """Items that went through are released; the exception resolves when its last item is."""
    reported = _report(book, items=[AffectedItem("expense", "1"), AffectedItem("expense", "2")])
    with book.unit_of_work() as session:
        assert queue.release_items(session, "expense", ["1"], note="posted after remap") == []
    assert get_exception(book, reported.exception_id).status is ExceptionStatus.OPEN
    with book.unit_of_work() as session:
        resolutions = queue.release_items(session, "expense", ["2"], actor="sync", note="posted after remap")
    assert [r.exception_id for r in resolutions] == [reported.exception_id]
    view = get_exception(book, reported.exception_id)
    assert view.status is ExceptionStatus.RESOLVED and view.resolved_by == "sync"


def test_resolve_cause_closes_the_open_exception_of_that_cause(book, pinned_clock) -> None:
    """When the cause goes away (a reconnect), its open exception is resolved automatically."""
    reported = _report(book, category=Cat.AUTH, cause=["reconnect"])
    with book.unit_of_work() as session:
        first = queue.resolve_cause(session, category=Cat.AUTH, cause=["reconnect"], connection="main",
                                    actor="sync", note="the connection works again")
        second = queue.resolve_cause(session, category=Cat.AUTH, cause=["reconnect"], connection="main",
                                     actor="sync", note="again")
    assert first is not None and first.exception_id == reported.exception_id and second is None
    assert get_exception(book, reported.exception_id).status is ExceptionStatus.RESOLVED


def test_open_exception_ids_for_an_item(book, pinned_clock) -> None:
    """The queue tells which open exceptions hold an item back."""
    reported = _report(book, items=[AffectedItem("outbox", "9")])
    with book.read() as session:
        assert queue.open_exception_ids(session, "outbox", "9") == [reported.exception_id]
        assert queue.is_open(session, reported.exception_id)
    queue.resolve(book, reported.exception_id, actor="Dana", note="ok")
    with book.read() as session:
        assert queue.open_exception_ids(session, "outbox", "9") == []


def test_listing_puts_open_blockers_first_and_flags_overdue(book, pinned_clock) -> None:
    """Open before resolved, blockers before warnings, earliest due first; overdue is flagged."""
    info = _report(book, cause=["i"], severity=Sev.INFO, category=Cat.AUTH)
    warn = _report(book, cause=["w"], severity=Sev.WARNING, category=Cat.CONFLICT)
    late = _report(book, cause=["b1"], severity=Sev.BLOCKER, category=Cat.AUTH)
    soon = _report(book, cause=["b2"], severity=Sev.BLOCKER, category=Cat.CONFLICT)
    done = _report(book, cause=["d"], severity=Sev.BLOCKER, category=Cat.AUTH)
    queue.resolve(book, done.exception_id, actor="Dana", note="ok")
    pinned_clock.advance(hours=5)  # past the 4 h AUTH SLA, within the 72 h CONFLICT SLA
    views = list_exceptions(book)
    assert [v.id for v in views] == [late.exception_id, soon.exception_id, warn.exception_id, info.exception_id,
                                     done.exception_id]
    assert {v.id for v in views if v.overdue} == {late.exception_id, info.exception_id}
    assert [v.id for v in list_exceptions(book, open_only=True, category=Cat.CONFLICT)] == [
        soon.exception_id, warn.exception_id]
    assert counts(book) == {"open": 4, "overdue": 2, "blocker": 2, "warning": 1, "info": 1}


def test_parse_category_accepts_spaces_and_lists_choices() -> None:
    """Categories are read forgivingly; a wrong one is refused with the list of valid ones."""
    assert policy.parse_category("Closed period") is Cat.CLOSED_PERIOD
    with pytest.raises(UsageError, match="rate_limit"):
        policy.parse_category("nonsense")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=12))
def test_one_record_per_distinct_cause_and_counts_add_up(book, reports: list[str]) -> None:
    """However causes repeat, there is one record per cause and repetitions sum to the reports made."""
    run = uuid.uuid4().hex  # each example works on causes of its own in the shared book
    ids = {}
    for cause in reports:
        ids[cause] = _report(book, cause=[run, cause], items=[AffectedItem("expense", cause)]).exception_id
    views = {v.id: v for v in list_exceptions(book) if v.id in set(ids.values())}
    assert len(views) == len(set(reports))
    assert sum(v.repetitions for v in views.values()) == len(reports)
    for cause, exception_id in ids.items():
        assert views[exception_id].repetitions == reports.count(cause)
