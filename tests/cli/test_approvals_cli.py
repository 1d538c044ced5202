"""Approvals through the real `bookbridge` command on a real book: approve, reject, queue, policy."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "coding"))

from coding_book import FLEET_TEMPLATE, POLICY, add_expense, publish_template, set_policy, status_of  # noqa: E402

from bookbridge.coding.service import code_expenses  # noqa: E402
from bookbridge.store.models import AuditEntry, Expense  # noqa: E402

MARCH = date(2026, 3, 10)


@pytest.fixture
def coded_book(book):
    """A book with the Fleet template, the two-level policy and three coded expenses.

    Returns the book and the ids: a 42.00 meal (manager), a 600.00 meal (manager + second
    approver) and a 320-litre fuel fill (manager + fleet manager).
    """
    publish_template(book, FLEET_TEMPLATE)
    set_policy(book, POLICY)
    with book.unit_of_work() as session:
        ids = {
            "small": add_expense(session, day=MARCH, category="Meals", amount="42.00", vendor="Diner",
                                 employee="Sam Driver", payment="reimbursable"),
            "big": add_expense(session, day=MARCH, category="Meals", amount="600.00", vendor="Steakhouse",
                               employee="Sam Driver", payment="reimbursable"),
            "fuel": add_expense(session, day=MARCH, category="Fuel", amount="410.00", card="Visa 4444",
                                fields={"vehicle_id": "Truck 7", "litres": "320"}),
        }
    code_expenses(book)
    return book, ids


def _json(result) -> object:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_two_levels_need_two_different_people(coded_book, book_path, run_cli) -> None:
    """Alice approves the first level, may not approve the second; Bob's approval completes it."""
    book, ids = coded_book
    first = run_cli("approve", book_path, "--id", ids["big"], "--as", "Alice Manager", "--comment", "ok")
    assert first.returncode == 0, first.stderr
    assert "still waiting for 'second approver'" in first.stdout
    assert status_of(book, ids["big"]) == "awaiting_approval"
    again = run_cli("approve", book_path, "--id", ids["big"], "--as", "alice manager")
    assert again.returncode == 1
    assert "the same person may not approve two levels" in again.stdout
    second = run_cli("approve", book_path, "--id", ids["big"], "--as", "Bob Finance", "--json")
    assert (second.returncode, _json(second)["results"][0]["level"]) == (0, "second approver")
    assert status_of(book, ids["big"]) == "approved"


def test_person_without_the_role_is_refused(coded_book, book_path, run_cli) -> None:
    """Bob (finance) cannot give the manager level; the refusal names who can."""
    book, ids = coded_book
    result = run_cli("approve", book_path, "--id", ids["small"], "--as", "Bob Finance")
    assert result.returncode == 1
    assert "may not approve any level it is waiting for: 'manager' (approved by role manager)" in result.stdout
    assert status_of(book, ids["small"]) == "awaiting_approval"


def test_nobody_approves_their_own_expense(coded_book, book_path, run_cli) -> None:
    """A manager's own expense needs another manager."""
    book, ids = coded_book
    with book.unit_of_work() as session:
        own = add_expense(session, day=MARCH, category="Meals", amount="20.00", employee="Alice Manager",
                          payment="reimbursable")
    code_expenses(book)
    refused = run_cli("approve", book_path, "--id", own, "--as", "Alice Manager")
    assert (refused.returncode, "incurred this expense" in refused.stdout) == (1, True)
    assert run_cli("approve", book_path, "--id", own, "--as", "Mark Manager").returncode == 0
    assert status_of(book, own) == "approved"


def test_all_eligible_approves_only_what_the_person_may(coded_book, book_path, run_cli) -> None:
    """Dana (named on the fleet level only) approves just the fuel fill's fleet-manager level."""
    book, ids = coded_book
    dana = _json(run_cli("approve", book_path, "--all-eligible", "--as", "Dana Fleet", "--json"))
    assert [(r["id"], r["level"]) for r in dana["results"]] == [(ids["fuel"], "fleet manager")]
    alice = _json(run_cli("approve", book_path, "--all-eligible", "--as", "Alice Manager", "--json"))
    assert sorted(r["id"] for r in alice["results"]) == sorted(ids.values())
    assert [status_of(book, ids[k]) for k in ("small", "big", "fuel")] == ["approved", "awaiting_approval", "approved"]


def test_nothing_eligible_exits_2(coded_book, book_path, run_cli) -> None:
    """--all-eligible with nothing to do changes nothing and says so."""
    result = run_cli("approve", book_path, "--all-eligible", "--as", "Nobody Atall")
    assert (result.returncode, "Nothing awaits an approval Nobody Atall may give." in result.stdout) == (2, True)


def test_reject_sends_back_with_reason_in_queue_history_and_audit(coded_book, book_path, run_cli) -> None:
    """A rejection is REJECTED with its reason in the queue, the history and the audit log."""
    book, ids = coded_book
    run_cli("approve", book_path, "--id", ids["big"], "--as", "Alice Manager")
    result = run_cli("reject", book_path, "--id", ids["big"], "--as", "Bob Finance", "--reason", "No receipt attached")
    assert result.returncode == 0, result.stderr
    assert status_of(book, ids["big"]) == "rejected"
    [item] = [i for i in _json(run_cli("approvals", book_path, "--json")) if i["id"] == ids["big"]]
    assert (item["rejection"]["by"], item["rejection"]["reason"]) == ("Bob Finance", "No receipt attached")
    assert [(h["by"], h["decision"], h["level"]) for h in item["history"]] == [
        ("Alice Manager", "approved", "manager"), ("Bob Finance", "rejected", "second approver")
    ]
    with book.read() as session:
        reasons = [json.loads(d)["reason"] for d in session.scalars(
            sa.select(AuditEntry.detail_json).where(AuditEntry.action == "expense.reject"))]
    assert reasons == ["No receipt attached"]


def test_reject_without_a_reason_is_refused(coded_book, book_path, run_cli) -> None:
    """An empty reason changes nothing (exit 2)."""
    book, ids = coded_book
    result = run_cli("reject", book_path, "--id", ids["small"], "--as", "Alice Manager", "--reason", "  ")
    assert (result.returncode, "Give the reason" in result.stderr) == (2, True)
    assert status_of(book, ids["small"]) == "awaiting_approval"


def test_edited_rejected_expense_is_reopened_by_code(coded_book, book_path, run_cli) -> None:
    """After a rejection, an edit and `bookbridge code`, it awaits approval again; history stays."""
    book, ids = coded_book
    run_cli("reject", book_path, "--id", ids["small"], "--as", "Alice Manager", "--reason", "wrong amount")
    with book.unit_of_work() as session:
        session.get(Expense, ids["small"]).amount_minor = 4000
    coded = run_cli("code", book_path, "--json")
    assert (coded.returncode, _json(coded)["reopened"]) == (0, 1)
    assert status_of(book, ids["small"]) == "awaiting_approval"
    [item] = [i for i in _json(run_cli("approvals", book_path, "--json")) if i["id"] == ids["small"]]
    assert (item["rejection"], [(h["decision"], h["current_round"]) for h in item["history"]]) == (
        None, [("rejected", False)])


def test_approvals_are_audited_with_level_and_comment(coded_book, book_path, run_cli) -> None:
    """Every approval writes who, which level and the comment to the audit log."""
    book, ids = coded_book
    run_cli("approve", book_path, "--id", ids["small"], "--as", "Mark Manager", "--comment", "fine")
    with book.read() as session:
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "expense.approve")).all()
    assert [(e.actor, e.entity_id, json.loads(e.detail_json)["level"], json.loads(e.detail_json)["comment"])
            for e in entries] == [("Mark Manager", str(ids["small"]), "manager", "fine")]


def test_policy_is_set_and_shown_through_the_cli(book, book_path, run_cli, tmp_path: Path) -> None:
    """`approval-policy --set FILE --json` stores the file's levels and prints them back."""
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(POLICY)
    result = run_cli("approval-policy", book_path, "--set", policy_file, "--as", "Olga Owner", "--json")
    assert result.returncode == 0, result.stderr
    document = _json(result)
    assert [level["name"] for level in document["levels"]] == ["manager", "second approver", "fleet manager"]
    assert document["people"]["Bob Finance"] == ["finance"]


def test_bad_policy_file_is_refused_with_its_problems(book, book_path, run_cli, tmp_path: Path) -> None:
    """A policy with a level nobody may approve is refused and nothing is stored."""
    policy_file = tmp_path / "bad.yaml"
    policy_file.write_text("levels:\n  - name: manager\n")
    result = run_cli("approval-policy", book_path, "--set", policy_file)
    assert result.returncode == 1
    assert "level 'manager': name at least one approver" in result.stderr
    assert _json(run_cli("approval-policy", book_path, "--json"))["levels"] == []
