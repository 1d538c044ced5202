"""Rules: ordered, with explicit precedence and optional stop-processing.

How a rule set runs (:func:`run_rules`):

1. Rules run in ascending ``precedence`` (10 before 20); precedence values are unique in a
   template, so the order never depends on file order.
2. A rule fires when its condition matches the expense *as changed by the rules before it*
   (a rule that sets the category to "Fuel" lets a later "category equals Fuel" rule fire).
3. Precedence decides conflicts: the first rule to set a thing keeps it. A later rule cannot
   change a dimension, the category, the split or the per-diem an earlier rule already set;
   its other actions still apply and the shadowed ones are listed in the explanation.
   Flags and approval levels accumulate.
4. ``stop: true`` on a fired rule ends processing; a ``skip`` action ends it too (there is
   nothing left to code).

Each fired rule's id is recorded in firing order, so the GUI and the audit pack can explain
how an expense was coded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Union

from bookbridge.coding.conditions import ALWAYS, Condition
from bookbridge.coding.perdiem import ExcessPolicy, PerDiemRate, PerDiemTable
from bookbridge.coding.view import ExpenseView


def _frozen(values: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(sorted((values or {}).items())))


@dataclass(frozen=True, slots=True)
class SetCategory:
    """Recode the expense to another category (then the template maps that category)."""

    category: str


@dataclass(frozen=True, slots=True)
class SetDimensions:
    """Set dimension values (class, department, location, project); they override the template."""

    values: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))


class SplitBy(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class SplitPart:
    """One share of a split.

    Attributes:
        share: the percentage (SplitBy.PERCENT) or the fixed amount (SplitBy.AMOUNT), or
            ``None`` for the one part that takes the rest of a fixed-amount split.
        account: another debit account for this share; ``None`` keeps the mapped account.
        dimensions: dimension values for this share (over the expense's own).
    """

    share: Decimal | None
    account: str | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", _frozen(self.dimensions))

    @property
    def is_rest(self) -> bool:
        return self.share is None


@dataclass(frozen=True, slots=True)
class Split:
    """Split the expense line by percentages (summing to 100) or fixed amounts (plus a rest)."""

    by: SplitBy
    parts: tuple[SplitPart, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "by", SplitBy(self.by))
        object.__setattr__(self, "parts", tuple(self.parts))


@dataclass(frozen=True, slots=True)
class FlagForReview:
    """Code the expense but put it in front of a person with this reason."""

    reason: str


@dataclass(frozen=True, slots=True)
class RequireApproval:
    """The expense needs approval at this level (a level the approval policy defines)."""

    level: str


@dataclass(frozen=True, slots=True)
class ApplyPerDiem:
    """Cap the expense at a per-diem limit by location; the excess is flagged or posted apart.

    Attributes:
        table: the rate table (daily limit per location, with an optional default).
        location_field: the custom field naming the location ("city").
        days_field: the custom field with the number of days; 1 day when absent.
        excess: flag the excess for approval, or post it to ``excess_account``.
        excess_account: where a posted excess goes ("Meals over per-diem").
    """

    table: PerDiemTable
    location_field: str
    excess: ExcessPolicy
    days_field: str | None = None
    excess_account: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "excess", ExcessPolicy(self.excess))

    def rate_for(self, expense: ExpenseView) -> PerDiemRate | None:
        return self.table.limit_for(expense.field(self.location_field))


@dataclass(frozen=True, slots=True)
class Skip:
    """Do not code or post the expense; the reason is recorded (a personal charge, a duplicate)."""

    reason: str


Action = Union[SetCategory, SetDimensions, Split, FlagForReview, RequireApproval, ApplyPerDiem, Skip]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule.

    Attributes:
        id: a short unique name ("fuel-over-300-litres"); recorded when the rule fires.
        precedence: lower runs first and wins conflicts; unique within a template.
        when: the condition; the empty AllOf matches every expense.
        actions: what the rule does, in order.
        stop: end processing after this rule fires.
        description: what the rule is for, for people.
    """

    id: str
    precedence: int
    when: Condition = ALWAYS
    actions: tuple[Action, ...] = ()
    stop: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", tuple(self.actions))


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What the rules decided for one expense, before the template maps it.

    Attributes:
        expense: the expense with its category as the rules left it.
        dimensions: dimension values set by rules.
        split: the split to apply, and ``split_rule`` the rule that set it.
        per_diem: the per-diem to apply, and ``per_diem_rule`` the rule that set it.
        flags: reasons to review, in firing order.
        approval_levels: levels required, in firing order, without repeats.
        skip_reason: set when a rule skipped the expense.
        fired: ids of the rules that fired, in firing order.
        notes: one line per fired rule on what it did and what was shadowed.
    """

    expense: ExpenseView
    dimensions: Mapping[str, str] = field(default_factory=dict)
    split: Split | None = None
    split_rule: str | None = None
    per_diem: ApplyPerDiem | None = None
    per_diem_rule: str | None = None
    flags: tuple[str, ...] = ()
    approval_levels: tuple[str, ...] = ()
    skip_reason: str | None = None
    fired: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def ordered(rules: Sequence[RuleSpec]) -> list[RuleSpec]:
    """Rules in the order they run (precedence, then id so equal precedences stay deterministic)."""
    return sorted(rules, key=lambda rule: (rule.precedence, rule.id))


def run_rules(rules: Sequence[RuleSpec], expense: ExpenseView) -> RuleResult:
    """Apply ``rules`` to ``expense`` (see the module docstring for the semantics)."""
    state = _State(expense)
    for rule in ordered(rules):
        if not rule.when.matches(state.expense):
            continue
        state.fire(rule)
        if rule.stop or state.skip_reason is not None:
            break
    return state.result()


class _State:
    """The mutable working state while one expense goes through the rules."""

    def __init__(self, expense: ExpenseView) -> None:
        self.expense = expense
        self.category_set_by: str | None = None
        self.dimensions: dict[str, str] = {}
        self.split: Split | None = None
        self.split_rule: str | None = None
        self.per_diem: ApplyPerDiem | None = None
        self.per_diem_rule: str | None = None
        self.flags: list[str] = []
        self.levels: list[str] = []
        self.skip_reason: str | None = None
        self.fired: list[str] = []
        self.notes: list[str] = []

    def fire(self, rule: RuleSpec) -> None:
        self.fired.append(rule.id)
        done: list[str] = []
        shadowed: list[str] = []
        for action in rule.actions:
            (done if self._apply(rule.id, action) else shadowed).append(_describe(action))
            if self.skip_reason is not None:
                break
        note = f"{rule.id}: " + ("; ".join(done) if done else "nothing new")
        if shadowed:
            note += " (kept earlier: " + "; ".join(shadowed) + ")"
        self.notes.append(note)

    def _apply(self, rule_id: str, action: Action) -> bool:
        """Apply one action; False when an earlier rule already decided that thing."""
        if isinstance(action, SetCategory):
            if self.category_set_by is not None:
                return False
            self.category_set_by = action.category
            self.expense = self.expense.with_category(action.category)
            return True
        if isinstance(action, SetDimensions):
            fresh = {k: v for k, v in action.values.items() if k not in self.dimensions}
            self.dimensions.update(fresh)
            return len(fresh) == len(action.values)
        if isinstance(action, Split):
            if self.split is not None:
                return False
            self.split, self.split_rule = action, rule_id
            return True
        if isinstance(action, ApplyPerDiem):
            if self.per_diem is not None:
                return False
            self.per_diem, self.per_diem_rule = action, rule_id
            return True
        if isinstance(action, FlagForReview):
            self.flags.append(action.reason)
            return True
        if isinstance(action, RequireApproval):
            if action.level not in self.levels:
                self.levels.append(action.level)
            return True
        self.skip_reason = action.reason
        return True

    def result(self) -> RuleResult:
        return RuleResult(
            expense=self.expense,
            dimensions=MappingProxyType(dict(self.dimensions)),
            split=self.split,
            split_rule=self.split_rule,
            per_diem=self.per_diem,
            per_diem_rule=self.per_diem_rule,
            flags=tuple(self.flags),
            approval_levels=tuple(self.levels),
            skip_reason=self.skip_reason,
            fired=tuple(self.fired),
            notes=tuple(self.notes),
        )


def _describe(action: Action) -> str:
    """A short phrase for the explanation of a fired rule."""
    if isinstance(action, SetCategory):
        return f"category → {action.category}"
    if isinstance(action, SetDimensions):
        return ", ".join(f"{k} → {v}" for k, v in action.values.items())
    if isinstance(action, Split):
        shares = ", ".join("rest" if p.is_rest else f"{p.share:f}" for p in action.parts)
        return f"split by {action.by.value} ({shares})"
    if isinstance(action, ApplyPerDiem):
        return f"per-diem {action.table.name} ({action.excess.value} excess)"
    if isinstance(action, FlagForReview):
        return f"flag: {action.reason}"
    if isinstance(action, RequireApproval):
        return f"approval: {action.level}"
    return f"skip: {action.reason}"
