"""The coding service on a real book: rounds, statuses, rates, approval levels, grouped problems."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from bookbridge.coding.approvals import approve, history
from bookbridge.coding.rates import set_rate
from bookbridge.coding.service import blocked_problems, code_expenses, coded_expenses, explain
from bookbridge.store.models import AuditEntry, CodingResult, Expense, ExpenseStatus

from coding_book import FLEET_TEMPLATE, POLICY, add_expense, publish_template, set_policy, status_of

MARCH = date(2026, 3, 10)


def _fleet(book, policy: bool = True) -> None:
    publish_template(book, FLEET_TEMPLATE)
    if policy:
        set_policy(book, POLICY)


def _add(book, **kwargs) -> int:
    with book.unit_of_work() as session:
        return add_expense(session, **kwargs)


def test_mapped_expense_gets_a_coded_round_and_awaits_approval(book) -> None:
    """A fuel expense is coded with template v1 and waits for the manager level."""
    _fleet(book)
    eid = _add(book, day=MARCH, category="Fuel", amount="85.40", vendor="Shell", card="Visa 4444",
               fields={"vehicle_id": "Truck 12", "litres": "45.5"})
    run = code_expenses(book, actor="tester")
    assert (run.recoded, run.statuses) == (1, {"awaiting_approval": 1})
    [coded] = coded_expenses(book, statuses=[ExpenseStatus.AWAITING_APPROVAL])
    assert (coded.template_version, coded.credit_account, coded.amount) == (1, "2210", Decimal("85.40"))
    assert [(line.account, dict(line.dimensions), line.memo) for line in coded.lines] == [
        ("6100", {"class": "Truck 12"}, "45.5 L")
    ]
    [current] = [r for r in explain(book, eid) if r["current"]]
    assert (current["template"], current["template_version"], current["required_levels"]) == ("Fleet", 1, ["manager"])


def test_without_a_policy_a_coded_expense_is_postable_at_once(book) -> None:
    """No approval level required means APPROVED straight after coding, recorded in the audit log."""
    _fleet(book, policy=False)
    eid = _add(book, day=MARCH, category="Meals", amount="42.00", vendor="Diner")
    code_expenses(book)
    assert status_of(book, eid) == "approved"
    with book.read() as session:
        detail = json.loads(session.scalars(sa.select(AuditEntry.detail_json)
                                            .where(AuditEntry.action == "expense.code")).one())
    assert detail["auto_approved"] is True


def test_unmapped_category_is_grouped_and_kept_for_the_gui(book) -> None:
    """Three toll expenses give one grouped, actionable problem, also readable after the run."""
    _fleet(book)
    ids = [_add(book, day=date(2026, 3, d), category="Tolls", amount="6.50") for d in (2, 3, 4)]
    run = code_expenses(book)
    expected = "3 expenses: category 'Tolls' has no account in template 'Fleet', version 1"
    assert [(p.message, p.expense_ids) for p in run.problems] == [(expected, tuple(ids))]
    assert [p.message for p in blocked_problems(book)] == [expected]
    assert {status_of(book, i) for i in ids} == {"imported"}


def test_home_amount_over_500_needs_a_second_approver(book) -> None:
    """EUR 480 at 1.085 is USD 520.80: over 500 in the home currency, so two levels."""
    _fleet(book)
    set_rate(book, "EUR", "USD", Decimal("1.085"), date(2026, 3, 9), actor="test")
    eid = _add(book, day=MARCH, category="Lodging", amount="480.00", currency="EUR", vendor="Hotel Lutetia",
               payment="reimbursable", employee="Sam Driver")
    code_expenses(book)
    [current] = [r for r in explain(book, eid) if r["current"]]
    assert (current["home_amount"], current["required_levels"]) == ("520.80", ["manager", "second approver"])
    assert current["rate"]["rate"] == "1.085" and current["rate"]["as_of"] == "2026-03-09"


def test_missing_rate_blocks_until_a_rate_is_entered(book) -> None:
    """A foreign expense without a rate is blocked with the fix named; entering a rate codes it."""
    _fleet(book)
    eid = _add(book, day=MARCH, category="Lodging", amount="195.00", currency="EUR", payment="reimbursable",
               employee="Sam Driver")
    first = code_expenses(book)
    assert first.problems[0].kind == "missing_rate"
    assert first.problems[0].message.startswith("1 expense (2026-03-10): no EUR/USD rate at most 7 days old")
    set_rate(book, "EUR", "USD", Decimal("1.076923"), date(2026, 3, 10), actor="test")
    second = code_expenses(book)
    assert (second.problems, status_of(book, eid)) == ((), "awaiting_approval")


def test_rule_required_level_and_rules_fired_are_recorded(book) -> None:
    """Fuel over 300 litres fires the rule, which adds the fleet manager level."""
    _fleet(book)
    eid = _add(book, day=MARCH, category="Fuel", amount="410.00", card="Visa 4444",
               fields={"vehicle_id": "Truck 7", "litres": "320"})
    code_expenses(book)
    [current] = [r for r in explain(book, eid) if r["current"]]
    assert [r["rule"] for r in current["rules_fired"]] == ["fuel-over-300-litres"]
    assert current["required_levels"] == ["manager", "fleet manager"]


def test_rule_requiring_an_unknown_level_blocks_with_the_fix(book) -> None:
    """A rule naming a level the policy lacks blocks coding and says how to add it."""
    publish_template(book, FLEET_TEMPLATE)
    set_policy(book, "levels:\n  - name: manager\n    approvers: {roles: [manager]}\n")
    _add(book, day=MARCH, category="Fuel", amount="410.00", card="Visa 4444", fields={"litres": "320"})
    run = code_expenses(book)
    assert [(p.kind, p.subject) for p in run.problems] == [("unknown_approval_level", "fleet manager")]
    assert "bookbridge approval-policy" in run.problems[0].message


def test_skip_rule_sets_skipped_with_reason(book) -> None:
    """A rule's skip keeps the expense out of the ledger with its reason on the round."""
    _fleet(book)
    eid = _add(book, day=MARCH, category="Meals", amount="12.00", memo="personal lunch")
    code_expenses(book)
    [current] = [r for r in explain(book, eid) if r["current"]]
    assert (status_of(book, eid), current["skip_reason"]) == ("skipped", "personal spend, not a company expense")


def test_recoding_unchanged_expenses_keeps_rounds_and_decisions(book) -> None:
    """A second run changes nothing: same round, the approval already given stands."""
    _fleet(book)
    eid = _add(book, day=MARCH, category="Meals", amount="42.00")
    code_expenses(book)
    approve(book, actor="Alice Manager", expense_ids=[eid])
    run = code_expenses(book)
    assert (run.recoded, run.unchanged, status_of(book, eid)) == (0, 1, "approved")
    with book.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CodingResult)) == 1


def test_edit_after_approval_reopens_approval_and_keeps_history(book) -> None:
    """Changing an approved expense and re-coding starts a new round awaiting approval again."""
    _fleet(book)
    eid = _add(book, day=MARCH, category="Meals", amount="42.00")
    code_expenses(book)
    approve(book, actor="Alice Manager", expense_ids=[eid])
    with book.unit_of_work() as session:
        session.get(Expense, eid).amount_minor = 4500
    run = code_expenses(book)
    assert (run.recoded, run.reopened, status_of(book, eid)) == (1, 1, "awaiting_approval")
    with book.read() as session:
        decisions = history(session, eid)
    assert [(d.actor, d.decision, d.current) for d in decisions] == [("Alice Manager", "approved", False)]


def test_each_expense_is_coded_with_the_version_in_effect_on_its_date(book) -> None:
    """After v2 (effective 1 April) March stays on v1 and April uses v2's account."""
    _fleet(book, policy=False)
    publish_template(book, FLEET_TEMPLATE.replace("2026-01-01", "2026-04-01").replace('account: "6400"',
                                                                                      'account: "6410"'))
    _add(book, day=date(2026, 3, 31), category="Meals", amount="10.00")
    _add(book, day=date(2026, 4, 1), category="Meals", amount="11.00")
    code_expenses(book)
    coded = coded_expenses(book)
    assert [(c.date, c.template_version, c.lines[0].account) for c in coded] == [
        (date(2026, 3, 31), 1, "6400"), (date(2026, 4, 1), 2, "6410")
    ]


def test_posted_expenses_are_never_recoded(book) -> None:
    """An expense already posted keeps its status and gets no new round."""
    _fleet(book)
    eid = _add(book, day=MARCH, category="Meals", amount="42.00")
    with book.unit_of_work() as session:
        session.get(Expense, eid).status = ExpenseStatus.POSTED
    run = code_expenses(book)
    assert (run.examined, status_of(book, eid), explain(book, eid)) == (0, "posted", [])


def test_custom_field_edit_changes_the_coding(book) -> None:
    """A new vehicle id on a coded fuel expense moves its class dimension on the next run."""
    _fleet(book, policy=False)
    eid = _add(book, day=MARCH, category="Fuel", amount="60.00", card="Visa 4444", fields={"vehicle_id": "Truck 7"})
    code_expenses(book)
    with book.unit_of_work() as session:
        expense = session.get(Expense, eid)
        expense.set_fields({**expense.fields, "vehicle_id": "Truck 9"})
    code_expenses(book)
    [coded] = coded_expenses(book)
    assert dict(coded.lines[0].dimensions) == {"class": "Truck 9"}


def test_missing_rates_are_grouped_by_pair_with_the_date_span(book) -> None:
    """Two EUR expenses without rates make one group naming both dates; a GBP one its own."""
    _fleet(book)
    first = _add(book, day=date(2026, 3, 2), category="Meals", amount="10.00", currency="EUR")
    second = _add(book, day=date(2026, 3, 12), category="Meals", amount="11.00", currency="EUR")
    third = _add(book, day=date(2026, 3, 5), category="Meals", amount="9.00", currency="GBP")
    run = code_expenses(book)
    assert [(p.subject, p.expense_ids) for p in run.problems] == [("EUR/USD", (first, second)), ("GBP/USD", (third,))]
    assert run.problems[0].message.startswith("2 expenses (2026-03-02 to 2026-03-12): no EUR/USD rate")
