"""Rule conditions: a small typed tree evaluated against an :class:`ExpenseView`.

Leaves test one subject (vendor, category, employee, card, payment method, memo, a custom
field, the amount, the date); :class:`AllOf`, :class:`AnyOf` and :class:`Not` combine them.
Every text comparison ignores case and surrounding spaces, regular expressions included,
because the same vendor arrives as "SHELL", "Shell" and "shell " from different sources.
Amount and date bounds are inclusive. The tree is data: :mod:`bookbridge.coding.schema` reads
and writes it, so it round-trips through YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Union

from bookbridge.coding.view import ExpenseView


class TextSubject(StrEnum):
    """What a text condition looks at."""

    VENDOR = "vendor"
    CATEGORY = "category"
    EMPLOYEE = "employee"
    CARD = "card"
    PAYMENT_METHOD = "payment_method"
    MEMO = "memo"
    FIELD = "field"  # a custom field, named by ``TextCondition.field_name``


class TextOp(StrEnum):
    """How a text condition compares."""

    EQUALS = "equals"
    CONTAINS = "contains"
    REGEX = "regex"  # re.search, case-insensitive
    ONE_OF = "one_of"  # equals any of a list
    PRESENT = "present"  # the value is there and not blank


@dataclass(frozen=True, slots=True)
class TextCondition:
    """``vendor contains "shell"``, ``field vehicle_id equals "T12"``, ``category one_of [...]``.

    Attributes:
        subject: what to look at.
        op: how to compare.
        value: the text to compare with (the pattern for REGEX; unused for PRESENT).
        values: the candidates for ONE_OF.
        field_name: the custom field, when ``subject`` is FIELD.
    """

    subject: TextSubject
    op: TextOp
    value: str = ""
    values: tuple[str, ...] = ()
    field_name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", TextSubject(self.subject))
        object.__setattr__(self, "op", TextOp(self.op))
        object.__setattr__(self, "values", tuple(self.values))

    def matches(self, expense: ExpenseView) -> bool:
        actual = _text_of(expense, self.subject, self.field_name)
        if self.op is TextOp.PRESENT:
            return bool(actual and actual.strip())
        if actual is None:
            return False
        probe = actual.strip().casefold()
        if self.op is TextOp.EQUALS:
            return probe == self.value.strip().casefold()
        if self.op is TextOp.CONTAINS:
            return self.value.strip().casefold() in probe
        if self.op is TextOp.ONE_OF:
            return probe in {v.strip().casefold() for v in self.values}
        return _compiled(self.value).search(actual.strip()) is not None


@dataclass(frozen=True, slots=True)
class AmountCondition:
    """The signed amount paid lies in [minimum, maximum]; either bound may be open.

    Attributes:
        minimum: inclusive lower bound, or ``None``.
        maximum: inclusive upper bound, or ``None``.
        currency: when set, only expenses in this currency can match (a limit of 500 means
            nothing without its currency).
    """

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    currency: str | None = None

    def matches(self, expense: ExpenseView) -> bool:
        if self.currency and expense.amount.currency != self.currency.upper():
            return False
        return _in_range(expense.amount.amount, self.minimum, self.maximum)


@dataclass(frozen=True, slots=True)
class FieldRangeCondition:
    """A custom field read as a number lies in [minimum, maximum] (fuel litres over 300).

    A field that is missing or not a number does not match: the rule cannot know.
    """

    field_name: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def matches(self, expense: ExpenseView) -> bool:
        raw = expense.field(self.field_name)
        if raw is None:
            return False
        try:
            number = Decimal(raw.strip())
        except InvalidOperation:
            return False
        return number.is_finite() and _in_range(number, self.minimum, self.maximum)


@dataclass(frozen=True, slots=True)
class DateCondition:
    """The expense date lies in [start, end]; either end may be open."""

    start: date | None = None
    end: date | None = None

    def matches(self, expense: ExpenseView) -> bool:
        return (self.start is None or expense.date >= self.start) and (self.end is None or expense.date <= self.end)


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every child matches (an empty AllOf matches everything: a catch-all rule)."""

    children: tuple["Condition", ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "children", tuple(self.children))

    def matches(self, expense: ExpenseView) -> bool:
        return all(child.matches(expense) for child in self.children)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one child matches."""

    children: tuple["Condition", ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "children", tuple(self.children))

    def matches(self, expense: ExpenseView) -> bool:
        return any(child.matches(expense) for child in self.children)


@dataclass(frozen=True, slots=True)
class Not:
    """The child does not match."""

    child: "Condition"

    def matches(self, expense: ExpenseView) -> bool:
        return not self.child.matches(expense)


Condition = Union[TextCondition, AmountCondition, FieldRangeCondition, DateCondition, AllOf, AnyOf, Not]

ALWAYS: Condition = AllOf(())


def _text_of(expense: ExpenseView, subject: TextSubject, field_name: str | None) -> str | None:
    if subject is TextSubject.FIELD:
        return expense.field(field_name or "")
    return getattr(expense, subject.value)


def _in_range(value: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    """Compile once per pattern: rule sets run over thousands of expenses in a preview."""
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern, re.IGNORECASE)
    return compiled


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid regular expression, or ``None`` when it is."""
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return None
