"""Rules: precedence, stop-processing, every action, per-diem, and what fired."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.coding.conditions import AmountCondition, TextCondition
from bookbridge.coding.engine import code_expense
from bookbridge.coding.outcome import ProblemKind
from bookbridge.coding.perdiem import ExcessPolicy, PerDiemRate, PerDiemTable
from bookbridge.coding.rules import (
    ApplyPerDiem,
    FlagForReview,
    RequireApproval,
    RuleSpec,
    SetCategory,
    SetDimensions,
    Skip,
    Split,
    SplitPart,
    run_rules,
)
from bookbridge.coding.spec import MappingSpec
from template_helpers import fleet_spec, version, view

D = Decimal
SHELL = TextCondition("vendor", "contains", "shell")


def _rule(rule_id: str, precedence: int, *actions: object, when: object = SHELL, stop: bool = False) -> RuleSpec:
    return RuleSpec(rule_id, precedence, when, tuple(actions), stop=stop)  # type: ignore[arg-type]


def test_rules_run_by_precedence_not_list_order() -> None:
    """Rules fire in ascending precedence whatever order they are listed in."""
    rules = [_rule("late", 30, FlagForReview("b")), _rule("early", 10, FlagForReview("a"))]
    assert run_rules(rules, view()).fired == ("early", "late")


def test_higher_precedence_wins_a_conflict() -> None:
    """When two rules set the same dimension, the one that runs first keeps its value."""
    rules = [_rule("b", 20, SetDimensions({"class": "Truck 7"})), _rule("a", 10, SetDimensions({"class": "Truck 12"}))]
    outcome = code_expense(version(), rules, view(fields={"vehicle_id": "Truck 99"}))
    assert outcome.coded is not None
    assert outcome.coded.lines[0].dimensions["class"] == "Truck 12"
    assert "kept earlier" in outcome.notes[1]


def test_stop_processing_ends_the_run() -> None:
    """A fired rule with stop: true keeps every later rule from firing."""
    rules = [_rule("first", 10, FlagForReview("x"), stop=True), _rule("second", 20, RequireApproval("fleet_manager"))]
    result = run_rules(rules, view())
    assert result.fired == ("first",) and result.approval_levels == ()


def test_stop_only_applies_when_the_rule_fires() -> None:
    """A stop rule whose condition does not match lets later rules run."""
    rules = [_rule("big", 10, FlagForReview("x"), when=AmountCondition(D("1000"), None), stop=True),
             _rule("any", 20, FlagForReview("y"))]
    assert run_rules(rules, view("62.10")).fired == ("any",)


def test_set_category_is_seen_by_later_rules_and_the_mapping() -> None:
    """A recoded category drives later conditions and picks the mapping."""
    rules = [
        _rule("recode", 10, SetCategory("Meals"), when=TextCondition("vendor", "equals", "Bistro")),
        _rule("meals", 20, FlagForReview("meal"), when=TextCondition("category", "equals", "Meals")),
    ]
    outcome = code_expense(version(), rules, view("55.00", vendor="Bistro", category="Fuel"))
    assert outcome.coded is not None and outcome.coded.lines[0].account == "6200"
    assert outcome.rules_fired == ("recode", "meals") and outcome.review_flags == ("meal",)


def test_set_dimensions_override_the_template() -> None:
    """Rule-set dimensions replace values the template fed from custom fields."""
    rules = [_rule("dept", 10, SetDimensions({"class": "Truck 7", "department": "Ops"}))]
    outcome = code_expense(version(), rules, view(fields={"vehicle_id": "Truck 12"}))
    assert outcome.coded is not None
    assert outcome.coded.lines[0].dimensions == {"class": "Truck 7", "department": "Ops"}


def test_split_by_percent_puts_the_residue_on_the_larger_share() -> None:
    """60/40 of 62.10 is 37.26 and 24.84 (ACCOUNTING.md example 12) and the credit stays 62.10."""
    split = Split("percent", (SplitPart(D(60), dimensions={"class": "Truck 12"}), SplitPart(D(40), dimensions={"class": "Truck 7"})))
    outcome = code_expense(version(), [_rule("split", 10, split)], view("62.10"))
    assert outcome.coded is not None
    assert [(l.amount, l.dimensions["class"]) for l in outcome.coded.lines] == [(D("37.26"), "Truck 12"), (D("24.84"), "Truck 7")]
    assert outcome.coded.amount == D("62.10")


def test_split_by_amount_with_rest() -> None:
    """Fixed shares come first and the rest part takes what is left, on its own account."""
    split = Split("amount", (SplitPart(D("50.00")), SplitPart(None, account="6150")))
    outcome = code_expense(version(), [_rule("split", 10, split)], view("62.10"))
    assert outcome.coded is not None
    assert [(l.account, l.amount) for l in outcome.coded.lines] == [("6100", D("50.00")), ("6150", D("12.10"))]


def test_split_of_a_refund_keeps_the_sign() -> None:
    """A refund splits into negative shares that add up to the refund."""
    split = Split("amount", (SplitPart(D("10.00")), SplitPart(None)))
    outcome = code_expense(version(), [_rule("split", 10, split)], view("-23.99"))
    assert outcome.coded is not None
    assert [l.amount for l in outcome.coded.lines] == [D("-10.00"), D("-13.99")]


def test_fixed_split_that_does_not_add_up_is_a_problem() -> None:
    """Fixed shares without a rest that miss the total make the expense uncodable, naming the rule."""
    split = Split("amount", (SplitPart(D("50.00")), SplitPart(D("10.00"))))
    outcome = code_expense(version(), [_rule("bad-split", 10, split)], view("62.10"))
    assert outcome.coded is None
    assert [(p.kind, p.subject) for p in outcome.problems] == [(ProblemKind.SPLIT_MISMATCH, "bad-split")]


def test_flag_and_approval_accumulate_without_repeats() -> None:
    """Flags and approval levels from several rules are all kept, each level once."""
    rules = [
        _rule("a", 10, FlagForReview("check receipt"), RequireApproval("second_approver")),
        _rule("b", 20, RequireApproval("fleet_manager"), RequireApproval("second_approver")),
    ]
    outcome = code_expense(version(), rules, view(fields={"vehicle_id": "Truck 12"}))
    assert outcome.review_flags == ("check receipt",)
    assert outcome.approval_levels == ("second_approver", "fleet_manager")
    assert outcome.status == "coded"


def test_skip_records_the_reason_and_stops() -> None:
    """A skip leaves nothing to code, records why, and no later rule fires."""
    rules = [_rule("personal", 5, Skip("personal spend")), _rule("later", 10, FlagForReview("x"))]
    outcome = code_expense(version(), rules, view(category="Tolls"))  # unmapped, but skipped first
    assert (outcome.status, outcome.skip_reason, outcome.rules_fired) == ("skipped", "personal spend", ("personal",))
    assert outcome.coded is None and outcome.problems == ()


def _per_diem(policy: ExcessPolicy, excess_account: str | None = None) -> ApplyPerDiem:
    table = PerDiemTable("M&IE", {"Paris": PerDiemRate("Paris", D("74.00"), "USD")}, PerDiemRate("default", D("59.00"), "USD"))
    return ApplyPerDiem(table, "city", policy, days_field="days", excess_account=excess_account)


def _meal(amount: str, **fields: str):
    return view(amount, category="Meals", vendor="Bistro", payment="reimbursable", employee="Ann", fields=fields)


def test_per_diem_posts_the_excess_to_its_own_account() -> None:
    """75.00 against a 59.00 limit: 59.00 on meals, 16.00 on the excess account (example 11)."""
    spec = fleet_spec(mappings=(MappingSpec("Meals", "6200"),))
    rule = _rule("per-diem", 10, _per_diem(ExcessPolicy.POST_TO_OWN_ACCOUNT, "6290"), when=TextCondition("category", "equals", "Meals"))
    outcome = code_expense(version(spec), [rule], _meal("75.00", city="Boise"))
    assert outcome.coded is not None
    assert [(l.account, l.amount) for l in outcome.coded.lines] == [("6200", D("59.00")), ("6290", D("16.00"))]
    assert outcome.coded.credit_account == "2100" and outcome.coded.amount == D("75.00")


def test_per_diem_flags_the_excess_and_keeps_the_line_whole() -> None:
    """With the flag policy the whole amount stays on meals and the excess is flagged."""
    spec = fleet_spec(mappings=(MappingSpec("Meals", "6200"),))
    rule = _rule("per-diem", 10, _per_diem(ExcessPolicy.FLAG_FOR_APPROVAL), when=TextCondition("category", "equals", "Meals"))
    outcome = code_expense(version(spec), [rule], _meal("160.00", city="paris", days="2"))
    assert outcome.coded is not None and [l.amount for l in outcome.coded.lines] == [D("160.00")]
    assert len(outcome.review_flags) == 1 and "12.00" in outcome.review_flags[0]  # 160 - 2 × 74


def test_per_diem_within_the_limit_changes_nothing() -> None:
    """Spend under the limit gives one line and no flag."""
    rule = _rule("per-diem", 10, _per_diem(ExcessPolicy.POST_TO_OWN_ACCOUNT, "6290"), when=TextCondition("category", "equals", "Meals"))
    outcome = code_expense(version(fleet_spec(mappings=(MappingSpec("Meals", "6200"),))), [rule], _meal("40.00", city="Boise"))
    assert outcome.coded is not None and len(outcome.coded.lines) == 1 and outcome.review_flags == ()


def test_per_diem_in_another_currency_is_a_problem() -> None:
    """A USD limit cannot cap a EUR expense: the expense is uncodable with a per-diem problem."""
    rule = _rule("per-diem", 10, _per_diem(ExcessPolicy.POST_TO_OWN_ACCOUNT, "6290"), when=TextCondition("category", "equals", "Meals"))
    expense = view("75.00", category="Meals", currency="EUR", payment="reimbursable", fields={"city": "Paris"})
    outcome = code_expense(version(fleet_spec(mappings=(MappingSpec("Meals", "6200"),))), [rule], expense)
    assert outcome.coded is None and outcome.problems[0].kind is ProblemKind.PER_DIEM


@given(
    amount=st.decimals(min_value=D("-9999.99"), max_value=D("9999.99"), places=2),
    weights=st.lists(st.integers(min_value=1, max_value=97), min_size=1, max_size=5),
)
def test_percent_split_always_adds_up(amount: Decimal, weights: list[int]) -> None:
    """Whatever the amount and shares, the split lines add up exactly to the expense."""
    total = sum(weights)
    shares = [D(w) * 100 / total for w in weights]
    split = Split("percent", tuple(SplitPart(s) for s in shares))
    outcome = code_expense(version(), [_rule("split", 10, split)], view(str(amount)))
    assert outcome.coded is not None
    assert sum(line.amount for line in outcome.coded.lines) == amount
