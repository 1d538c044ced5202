"""Items held before the sync (coding problems, pending approvals) are in the exception queue too."""

from __future__ import annotations

from datetime import date

from bookbridge.coding.approval_policy import parse_policy_text
from bookbridge.coding.approvals import approve, reject, replace_policy
from bookbridge.coding.service import code_expenses
from bookbridge.exceptions.views import list_exceptions
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity, ExceptionStatus
from bookbridge.sync.runner import SyncOptions, run_sync
from sync_book import SANDBOX_TEMPLATE, add_expense, publish

POLICY = """\
levels:
  - name: manager
    when: {amount_over: "500.00"}
    approvers: {roles: [manager]}
people:
  Alice Manager: [manager]
"""


def _expenses(book, specs) -> list[int]:
    with book.unit_of_work() as session:
        ids = [add_expense(session, **spec) for spec in specs]
    code_expenses(book, actor="test")
    return ids


def test_unmapped_category_is_a_mapping_exception_until_the_template_maps_it(book, sandbox, store) -> None:
    """An expense coding cannot map is a blocker from coding; mapping it and coding again posts it."""
    publish(book)
    (washed,) = _expenses(book, [dict(day=date(2026, 3, 2), category="Truck wash", amount="65.00")])
    report = run_sync(book, SyncOptions(token_store=store))
    (held,) = list_exceptions(book, open_only=True)
    assert held.category is ExceptionCategory.MAPPING and held.source == "coding" and "Truck wash" in held.title
    assert [i.ref for i in held.held_items] == [str(washed)] and report.summary()["skipped"] == 1
    publish(book, SANDBOX_TEMPLATE + '  - category: Truck wash\n    account: "6220"\n')
    code_expenses(book, actor="test")
    again = run_sync(book, SyncOptions(token_store=store))
    assert again.summary()["posted"] == 1
    assert list_exceptions(book, open_only=True) == []


def test_pending_approval_is_a_warning_released_by_approval(book, sandbox, store) -> None:
    """An expense awaiting a level is an approval warning; once approved it posts and the warning resolves."""
    publish(book)
    replace_policy(book, parse_policy_text(POLICY), actor="test")
    big, small = _expenses(book, [dict(day=date(2026, 3, 2), category="Lodging", amount="812.00"),
                                  dict(day=date(2026, 3, 2), category="Tolls", amount="4.00")])
    first = run_sync(book, SyncOptions(token_store=store))
    (waiting,) = list_exceptions(book, open_only=True)
    assert first.summary()["posted"] == 1 and first.exit_code == 0
    assert waiting.category is ExceptionCategory.APPROVAL and waiting.severity is ExceptionSeverity.WARNING
    assert "manager" in waiting.title and [i.ref for i in waiting.held_items] == [str(big)]
    approve(book, actor="Alice Manager", expense_ids=[big])
    second = run_sync(book, SyncOptions(token_store=store))
    assert second.summary()["posted"] == 1
    assert list_exceptions(book)[0].status is ExceptionStatus.RESOLVED


def test_rejected_expense_leaves_the_approval_exception(book, sandbox, store) -> None:
    """An expense sent back by its approver is no longer held for approval: the warning resolves."""
    publish(book)
    replace_policy(book, parse_policy_text(POLICY), actor="test")
    (big,) = _expenses(book, [dict(day=date(2026, 3, 2), category="Lodging", amount="812.00")])
    run_sync(book, SyncOptions(token_store=store))
    reject(book, expense_id=big, actor="Alice Manager", reason="not our trip")
    run_sync(book, SyncOptions(token_store=store))
    (exception,) = list_exceptions(book)
    assert exception.status is ExceptionStatus.RESOLVED and exception.items[0].released_at is not None
