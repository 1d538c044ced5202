"""Rule conditions: each leaf, and AND / OR / NOT over them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookbridge.coding.conditions import (
    AllOf,
    AmountCondition,
    AnyOf,
    DateCondition,
    FieldRangeCondition,
    Not,
    TextCondition,
)
from template_helpers import view

D = Decimal


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (TextCondition("vendor", "equals", "shell"), True),
        (TextCondition("vendor", "equals", "Shel"), False),
        (TextCondition("vendor", "contains", "HEL"), True),
        (TextCondition("vendor", "contains", "bp"), False),
        (TextCondition("vendor", "regex", r"^sh.ll$"), True),
        (TextCondition("vendor", "regex", r"^hell"), False),
        (TextCondition("category", "one_of", values=("Tolls", "fuel")), True),
        (TextCondition("category", "one_of", values=("Tolls",)), False),
        (TextCondition("card", "equals", "visa 4444"), True),
        (TextCondition("payment_method", "equals", "reimbursable"), False),
        (TextCondition("employee", "present"), False),
        (TextCondition("field", "equals", "T12", field_name="vehicle_id"), True),
        (TextCondition("field", "equals", "T12", field_name="trailer_id"), False),
    ],
)
def test_text_condition(condition: TextCondition, expected: bool) -> None:
    """Text conditions compare case-insensitively with equals, contains, regex, one_of, present."""
    expense = view(vendor="Shell", category="Fuel", fields={"vehicle_id": "t12"})
    assert condition.matches(expense) is expected


@pytest.mark.parametrize(
    ("minimum", "maximum", "currency", "expected"),
    [
        (D("62.10"), None, None, True),  # inclusive lower bound
        (D("62.11"), None, None, False),
        (None, D("62.10"), None, True),  # inclusive upper bound
        (D("10"), D("50"), None, False),
        (D("10"), D("100"), "EUR", False),  # a limit in another currency never matches
        (D("10"), D("100"), "USD", True),
    ],
)
def test_amount_condition(minimum: Decimal | None, maximum: Decimal | None, currency: str | None, expected: bool) -> None:
    """Amount ranges are inclusive and only match in their own currency when one is given."""
    assert AmountCondition(minimum, maximum, currency).matches(view("62.10")) is expected


def test_amount_condition_sees_refunds_as_negative() -> None:
    """A refund has a negative amount, so a range of positive amounts does not catch it."""
    assert not AmountCondition(D("0"), None).matches(view("-23.99"))
    assert AmountCondition(None, D("0")).matches(view("-23.99"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("301.5", True), ("300", True), ("299.99", False), ("lots", False), (None, False)],
)
def test_field_range_condition(raw: str | None, expected: bool) -> None:
    """A numeric custom field in range matches; a missing or non-numeric one does not."""
    fields = {"litres": raw} if raw is not None else {}
    assert FieldRangeCondition("litres", minimum=D("300")).matches(view(fields=fields)) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 2, 3), date(2026, 2, 3), True),
        (date(2026, 2, 4), None, False),
        (None, date(2026, 2, 2), False),
        (date(2026, 1, 1), None, True),
    ],
)
def test_date_condition(start: date | None, end: date | None, expected: bool) -> None:
    """Date ranges are inclusive at both ends and may be open."""
    assert DateCondition(start, end).matches(view(day=date(2026, 2, 3))) is expected


def test_and_or_not_combine() -> None:
    """AllOf needs every child, AnyOf one, Not inverts; the empty AllOf matches everything."""
    shell = TextCondition("vendor", "contains", "shell")
    big = AmountCondition(D("500"), None)
    expense = view("62.10", vendor="Shell")
    assert AllOf((shell,)).matches(expense) and not AllOf((shell, big)).matches(expense)
    assert AnyOf((big, shell)).matches(expense) and not AnyOf((big,)).matches(expense)
    assert Not(big).matches(expense) and not Not(shell).matches(expense)
    assert AllOf(()).matches(expense)
