"""The approvals service on a real book: refusals that say what to do, and the queue's content."""

from __future__ import annotations

from datetime import date

import pytest

from bookbridge.coding.approvals import ApprovalRefused, approval_queue, approve, reject
from bookbridge.coding.service import code_expenses
from bookbridge.core.errors import UsageError
from bookbridge.store.models import Expense, ExpenseStatus

from coding_book import FLEET_TEMPLATE, POLICY, add_expense, publish_template, set_policy

MARCH = date(2026, 3, 10)


@pytest.fixture
def ids(book) -> dict[str, int]:
    publish_template(book, FLEET_TEMPLATE)
    set_policy(book, POLICY)
    with book.unit_of_work() as session:
        found = {
            "meal": add_expense(session, day=MARCH, category="Meals", amount="42.00", vendor="Diner"),
            "tolls": add_expense(session, day=MARCH, category="Tolls", amount="6.50"),
        }
    code_expenses(book)
    return found


def test_uncoded_expense_refusal_says_to_run_code(book, ids) -> None:
    """Approving an expense that could not be coded names the command that explains why."""
    [outcome] = approve(book, actor="Alice Manager", expense_ids=[ids["tolls"]])
    assert not outcome.done and "run `bookbridge code`" in outcome.message


def test_second_approval_of_a_fully_approved_expense_is_refused(book, ids) -> None:
    """Approving again after full approval records nothing more."""
    approve(book, actor="Alice Manager", expense_ids=[ids["meal"]])
    [again] = approve(book, actor="Mark Manager", expense_ids=[ids["meal"]])
    assert (again.done, again.message) == (False, f"expense {ids['meal']} is already fully approved, not awaiting approval")


def test_unknown_expense_is_refused_by_id(book, ids) -> None:
    """An id that does not exist is refused, not ignored."""
    [outcome] = approve(book, actor="Alice Manager", expense_ids=[9999])
    assert (outcome.done, outcome.message) == (False, "expense 9999 does not exist")


def test_approve_needs_exactly_one_way_of_choosing(book, ids) -> None:
    """Both --all-eligible and ids, or neither, is a usage error."""
    with pytest.raises(UsageError):
        approve(book, actor="Alice Manager", expense_ids=[ids["meal"]], all_eligible=True)
    with pytest.raises(UsageError):
        approve(book, actor="Alice Manager")


def test_posted_expense_cannot_be_rejected(book, ids) -> None:
    """A posted expense is refused with the reason; corrections are reversing entries."""
    with book.unit_of_work() as session:
        session.get(Expense, ids["meal"]).status = ExpenseStatus.POSTED
    with pytest.raises(ApprovalRefused, match="is posted"):
        reject(book, expense_id=ids["meal"], actor="Alice Manager", reason="late")


def test_non_approver_cannot_reject(book, ids) -> None:
    """Only someone who may approve one of the expense's levels may reject it."""
    with pytest.raises(ApprovalRefused, match="only an approver of one of its levels"):
        reject(book, expense_id=ids["meal"], actor="Sam Driver", reason="no")


def test_queue_lists_pending_levels_with_their_approvers(book, ids) -> None:
    """The queue shows each waiting level with who may approve it, and the home amount."""
    [item] = approval_queue(book)
    assert (item["id"], item["home_amount"], item["pending"]) == (
        ids["meal"], "42.00", [{"level": "manager", "approvers": "approved by role manager"}])
