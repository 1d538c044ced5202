"""Per-diem limits: within/excess split, the two excess policies, multi-day and partial days."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.coding.coded import CodedLine
from bookbridge.coding.perdiem import (
    ExcessPolicy,
    PerDiemConfigError,
    PerDiemRate,
    PerDiemTable,
    apply_per_diem,
    split_line_for_per_diem,
)
from bookbridge.core.errors import MoneyError

D = Decimal
CHICAGO = PerDiemRate("Chicago", D("59.00"), "USD")
TABLE = PerDiemTable("M&IE", {"Chicago": CHICAGO, "Boston": PerDiemRate("Boston", D("74.00"), "USD")},
                     default=PerDiemRate("CONUS", D("59.00"), "USD"))


def test_excess_above_the_daily_limit() -> None:
    """75.00 against 59.00: 59.00 within, 16.00 excess (ACCOUNTING.md example 11)."""
    outcome = apply_per_diem(D("75.00"), CHICAGO, "USD", ExcessPolicy.POST_TO_OWN_ACCOUNT)
    assert (outcome.within, outcome.excess, outcome.needs_approval) == (D("59.00"), D("16.00"), False)


def test_flag_policy_asks_for_approval_with_a_reason() -> None:
    """With the flag policy the 16.00 excess needs approval and the reason names the limit."""
    outcome = apply_per_diem(D("75.00"), CHICAGO, "USD", ExcessPolicy.FLAG_FOR_APPROVAL)
    assert outcome.needs_approval is True
    assert "exceeds the Chicago per-diem of 59.00 USD" in outcome.reason and "by 16.00 USD" in outcome.reason


def test_within_the_limit_has_no_excess() -> None:
    """42.10 under a 59.00 limit: all within, nothing flagged."""
    outcome = apply_per_diem(D("42.10"), CHICAGO, "USD", ExcessPolicy.FLAG_FOR_APPROVAL)
    assert (outcome.within, outcome.excess, outcome.needs_approval, outcome.reason) == (D("42.10"), D("0"), False, "")


def test_multi_day_and_partial_days_scale_the_limit() -> None:
    """2.75 days at 59.00 allow 162.25; 170.00 spent leaves 7.75 excess."""
    outcome = apply_per_diem(D("170.00"), CHICAGO, "USD", ExcessPolicy.POST_TO_OWN_ACCOUNT, days=D("2.75"))
    assert (outcome.limit, outcome.excess) == (D("162.25"), D("7.75"))


def test_refund_has_no_excess() -> None:
    """A -75.00 refund is all 'within': there is nothing over the limit to flag."""
    outcome = apply_per_diem(D("-75.00"), CHICAGO, "USD", ExcessPolicy.FLAG_FOR_APPROVAL)
    assert (outcome.within, outcome.excess) == (D("-75.00"), D("0"))


def test_limit_in_another_currency_is_refused() -> None:
    """A USD limit cannot judge a EUR expense without a conversion the policy must choose."""
    with pytest.raises(MoneyError, match="convert the limit first"):
        apply_per_diem(D("75.00"), CHICAGO, "EUR", ExcessPolicy.FLAG_FOR_APPROVAL)


def test_table_lookup_ignores_case_and_falls_back_to_default() -> None:
    """'boston ' finds Boston at 74.00; an unlisted city gets the CONUS default."""
    assert TABLE.limit_for("boston ").daily_limit == D("74.00")
    assert TABLE.limit_for("Peoria").location == "CONUS"


def test_table_without_default_reports_unknown_location() -> None:
    """No default: an unknown location gives None for the caller to report."""
    assert PerDiemTable("M&IE", {"Chicago": CHICAGO}).limit_for("Peoria") is None


def test_post_policy_splits_the_line_keeping_dimensions() -> None:
    """The excess line goes to the excess account with the same class as the allowance line."""
    line = CodedLine("Meals", D("75.00"), {"class": "Truck 12"}, memo="Dinner")
    outcome = apply_per_diem(D("75.00"), CHICAGO, "USD", ExcessPolicy.POST_TO_OWN_ACCOUNT)
    within, excess = split_line_for_per_diem(line, outcome, ExcessPolicy.POST_TO_OWN_ACCOUNT, "Meals over per-diem")
    assert (within.account, within.amount, excess.account, excess.amount) == ("Meals", D("59.00"), "Meals over per-diem", D("16.00"))
    assert excess.dimensions == {"class": "Truck 12"} and excess.memo == "Dinner (over per-diem)"


def test_post_policy_without_excess_account_is_refused() -> None:
    """Posting the excess needs an account; without one the rule cannot be applied."""
    outcome = apply_per_diem(D("75.00"), CHICAGO, "USD", ExcessPolicy.POST_TO_OWN_ACCOUNT)
    with pytest.raises(PerDiemConfigError, match="names none"):
        split_line_for_per_diem(CodedLine("Meals", D("75.00")), outcome, ExcessPolicy.POST_TO_OWN_ACCOUNT, None)


@settings(max_examples=150, deadline=None)
@given(
    st.decimals(min_value=Decimal("-5000"), max_value=Decimal("5000"), places=2),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("14"), places=2),
)
def test_within_plus_excess_is_the_actual_amount(actual: Decimal, limit: Decimal, days: Decimal) -> None:
    """For any amount, limit and days: within + excess == actual, excess >= 0, within <= the allowance when positive."""
    outcome = apply_per_diem(actual, PerDiemRate("X", limit, "USD"), "USD", ExcessPolicy.POST_TO_OWN_ACCOUNT, days=days)
    assert outcome.within + outcome.excess == actual
    assert outcome.excess >= 0
    assert outcome.excess == 0 or outcome.within == outcome.limit
