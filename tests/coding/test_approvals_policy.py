"""The approval policy: which levels an expense needs and who may approve each (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.coding.approval_policy import (
    ApprovalFacts,
    parse_policy_text,
    policy_from_document,
    policy_to_document,
)
from bookbridge.core.errors import ValidationFailed

from coding_book import POLICY

POLICY_WITH_REVIEW = POLICY.replace(
    "people:", "  - name: review\n    when: {flagged: true}\n    approvers: {roles: [finance]}\npeople:"
)


def _levels(facts: ApprovalFacts, rule_levels=()) -> tuple[str, ...]:
    return parse_policy_text(POLICY_WITH_REVIEW).required_levels(facts, rule_levels)[0]


def test_every_expense_needs_the_unconditional_level() -> None:
    """A level without a condition applies to a 1.00 expense."""
    assert _levels(ApprovalFacts(Decimal("1.00"), "Meals")) == ("manager",)


def test_amount_over_is_strictly_greater_in_home_currency() -> None:
    """Exactly 500.00 needs one approver; 500.01 needs a second."""
    assert _levels(ApprovalFacts(Decimal("500.00"), "Meals")) == ("manager",)
    assert _levels(ApprovalFacts(Decimal("500.01"), "Meals")) == ("manager", "second approver")


def test_refund_never_crosses_the_amount_threshold() -> None:
    """A large refund (negative) does not need the over-500 level."""
    assert _levels(ApprovalFacts(Decimal("-900.00"), "Meals")) == ("manager",)


def test_fuel_over_300_litres_needs_the_fleet_manager() -> None:
    """Category and a numeric custom-field comparison combine with AND."""
    assert _levels(ApprovalFacts(Decimal("90"), "fuel", {"Litres": "300.5"})) == ("manager", "fleet manager")
    assert _levels(ApprovalFacts(Decimal("90"), "Fuel", {"litres": "300"})) == ("manager",)
    assert _levels(ApprovalFacts(Decimal("90"), "Meals", {"litres": "400"})) == ("manager",)


def test_flagged_expense_is_routed_to_the_review_level() -> None:
    """A level with ``flagged: true`` applies only when coding raised a review flag."""
    assert _levels(ApprovalFacts(Decimal("10"), "Meals", flags=("over per-diem",))) == ("manager", "review")


def test_rule_levels_join_in_policy_order_and_unknown_ones_are_reported() -> None:
    """A rule's level is added in policy order; a level the policy lacks comes back as unknown."""
    policy = parse_policy_text(POLICY)
    levels, unknown = policy.required_levels(ApprovalFacts(Decimal("10"), "Meals"), ["Fleet Manager", "auditor"])
    assert (levels, unknown) == (("manager", "fleet manager"), ("auditor",))


def test_approvers_by_role_and_by_name_ignore_case_and_spaces() -> None:
    """Roles come from the people table; names on the level work without a role."""
    policy = parse_policy_text(POLICY)
    assert policy.may_approve("manager", "  alice   MANAGER ")
    assert policy.may_approve("second approver", "Bob Finance")
    assert not policy.may_approve("manager", "Bob Finance")
    assert policy.may_approve("fleet manager", "dana fleet")
    assert not policy.may_approve("no such level", "Alice Manager")


def test_text_field_condition_compares_case_insensitively() -> None:
    """``=`` on text compares without case; ``!=`` holds when the field is missing."""
    policy = parse_policy_text(
        "levels:\n  - name: reefer\n    when: {fields: [{name: trailer, op: '=', value: Reefer}]}\n"
        "    approvers: {names: [Dana Fleet]}\n  - name: not-reefer\n"
        "    when: {fields: [{name: trailer, op: '!=', value: reefer}]}\n    approvers: {names: [Dana Fleet]}\n"
    )
    assert policy.required_levels(ApprovalFacts(Decimal(1), fields={"trailer": "REEFER"}))[0] == ("reefer",)
    assert policy.required_levels(ApprovalFacts(Decimal(1)))[0] == ("not-reefer",)


def test_policy_problems_are_all_reported_with_where() -> None:
    """A bad file lists every problem, each naming its level."""
    text = (
        "levels:\n  - name: a\n    when: {amount_over: lots}\n    approvers: {roles: [x]}\n"
        "  - name: a\n    approvers: {}\n  - name: c\n    when: {fields: [{name: litres, op: '~', value: '3'}]}\n"
        "    approvers: {names: [Z]}\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        parse_policy_text(text, name="policy.yaml")
    joined = " | ".join(caught.value.issues)
    assert "level 'a': amount_over" in joined
    assert "level 'a': the name is used twice" in joined
    assert "level 'a': name at least one approver" in joined
    assert "level 'c': fields[1]: operator '~'" in joined
    assert caught.value.user_message.startswith("policy.yaml has 4 problem(s)")


def test_amounts_are_read_as_text_never_as_floats() -> None:
    """An unquoted 500.10 stays exactly 500.10 (YAML is read with every scalar as text)."""
    policy = parse_policy_text("levels:\n  - name: big\n    when: {amount_over: 500.10}\n    approvers: {roles: [m]}\n")
    assert policy.levels[0].condition.amount_over == Decimal("500.10")


_names = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(deadline=None)  # no per-example deadline: the suite runs on busy machines
@given(
    levels=st.lists(
        st.tuples(_names, st.none() | st.decimals(min_value=0, max_value=10**6, places=2),
                  st.lists(_names, max_size=2), st.booleans(), st.lists(_names, min_size=1, max_size=2)),
        max_size=4, unique_by=lambda item: item[0].casefold(),
    ),
    people=st.dictionaries(_names, st.lists(_names, max_size=2), max_size=3),
)
def test_policy_document_round_trips(levels, people) -> None:
    """document → policy → document gives the same document."""
    document = {
        "levels": [
            {"name": name,
             **({"when": {k: v for k, v in (("amount_over", None if over is None else format(over, "f")),
                                             ("category", cats or None), ("flagged", "true" if flagged else None))
                          if v is not None}} if (over is not None or cats or flagged) else {}),
             "approvers": {"roles": roles}}
            for name, over, cats, flagged, roles in levels
        ],
        "people": {person: sorted(set(roles)) for person, roles in people.items()},
    }
    assert policy_to_document(policy_from_document(document)) == document
