"""Property tests for core.money.plain_minor_units: the digit-string shortcut agrees with parse_decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.core.errors import MoneyError
from bookbridge.core.money import Money, minor_units_text, parse_decimal, plain_minor_units

# Up to 20 digits in all: within Decimal's 28-digit context, so the general path is exact too.
texts = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{1,12}(\.[0-9]{1,8})?\Z"),
    st.from_regex(r"\A[+-]?[0-9]{1,4}([.,][0-9]{3})*([.,][0-9]{1,3})?[-]?\Z"),
    st.sampled_from(["1.234", "1,234", "-0.00", "+7", "12.500", "007.10", "$12.00", "1e5", " 12", "(5.00)", ""]),
)
separators = st.sampled_from([None, ".", ","])
exponents = st.sampled_from([0, 2, 3])


def general_minor(text: str, exponent: int, decimal_sep: str | None) -> int | None:
    """Minor units the long way (parse_decimal, then scale); None when not a number or too precise."""
    try:
        value = parse_decimal(text, decimal_sep=decimal_sep)
    except MoneyError:
        return None
    scaled = value.scaleb(exponent)
    return int(scaled) if scaled == scaled.to_integral_value() else None


@given(texts, exponents, separators)
def test_shortcut_reads_exactly_like_parse_decimal(text: str, exponent: int, decimal_sep: str | None) -> None:
    """Whenever the shortcut gives minor units, parse_decimal gives the same amount."""
    fast = plain_minor_units(text, exponent, decimal_sep=decimal_sep)
    if fast is not None:
        assert fast == general_minor(text, exponent, decimal_sep)


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False,
                   allow_infinity=False), st.sampled_from([None, "."]))
def test_plain_two_decimal_amounts_take_the_shortcut(value: Decimal, decimal_sep: str | None) -> None:
    """Ordinary export amounts (-12.50, 1200.00) never need the general path."""
    assert plain_minor_units(f"{value:.2f}", 2, decimal_sep=decimal_sep) == int(value.scaleb(2))


@pytest.mark.parametrize(("text", "decimal_sep"), [("1.234", None), ("12.50", ","), ("12.345", "."), ("1,000", ".")])
def test_ambiguous_or_too_precise_text_is_left_to_the_general_path(text: str, decimal_sep: str | None) -> None:
    """Grouping, a declared decimal comma, or more decimals than the currency: no shortcut."""
    assert plain_minor_units(text, 2, decimal_sep=decimal_sep) is None


@given(st.integers(-(10**15), 10**15), st.sampled_from(["USD", "JPY", "KWD", "CLF"]))
def test_minor_units_text_prints_like_money(minor: int, code: str) -> None:
    """Text from minor units equals Money's own formatting of the same amount."""
    money = Money.from_minor(minor, code)
    assert f"{minor_units_text(minor, money.exponent)} {code}" == money.format()
