"""Property tests for core.money.parse_decimal: every format our inputs use reads back exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.core.errors import MoneyError
from bookbridge.core.money import Money, parse_decimal

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False,
                      allow_infinity=False)
plain = st.from_regex(r"\A[+-]?[0-9]{1,12}(\.[0-9]{1,6})?\Z")


def grouped(value: Decimal, decimal_sep: str, thousands_sep: str) -> str:
    """Format like a person or a spreadsheet: 1,234,567.89 or 1.234.567,89."""
    text = f"{abs(value):,.2f}".replace(",", "\x00").replace(".", decimal_sep).replace("\x00", thousands_sep)
    return ("-" if value < 0 else "") + text


@given(amounts)
def test_us_grouping_round_trips(value: Decimal) -> None:
    """1,234,567.89 reads back as the Decimal it was written from."""
    assert parse_decimal(grouped(value, ".", ","), decimal_sep=".") == value


@given(amounts)
def test_decimal_comma_grouping_round_trips(value: Decimal) -> None:
    """1.234.567,89 (continental Europe) reads back exactly with decimal_sep=','."""
    assert parse_decimal(grouped(value, ",", "."), decimal_sep=",") == value


@given(amounts.filter(lambda v: v != 0), st.sampled_from([" ", "\u00a0", "'"]))
def test_space_and_apostrophe_grouping_round_trips(value: Decimal, sep: str) -> None:
    """1 234 567,89 (French, with NBSP) and 1'234'567.89 (Swiss) read back exactly."""
    decimal_sep = "." if sep == "'" else ","
    assert parse_decimal(grouped(value, decimal_sep, sep), decimal_sep=decimal_sep) == value


@given(amounts.map(abs).filter(lambda v: v > 0))
def test_every_negative_notation_agrees(value: Decimal) -> None:
    """-x, (x) and x- are the same refund."""
    text = grouped(value, ".", ",")
    readings = {parse_decimal(f"-{text}", decimal_sep="."), parse_decimal(f"({text})", decimal_sep="."),
                parse_decimal(f"{text}-", decimal_sep=".")}
    assert readings == {-value}


@given(amounts)
def test_unambiguous_text_needs_no_hint(value: Decimal) -> None:
    """With both separators present, or two decimals, the reading is certain without a locale."""
    assert parse_decimal(grouped(value, ".", ",")) == value
    assert parse_decimal(grouped(value, ",", ".")) == value


@given(plain, st.sampled_from([None, "."]))
def test_fast_path_reads_like_the_general_rules(text: str, decimal_sep: str | None) -> None:
    """Plain numbers take a shortcut; a leading space forces the general path, which must agree."""
    assert parse_decimal(text, decimal_sep=decimal_sep) == parse_decimal(" " + text, decimal_sep=decimal_sep)


@given(plain)
def test_plain_dot_decimals_are_exact(text: str) -> None:
    """With '.' declared as the decimal separator, plain text is exactly Decimal(text)."""
    assert parse_decimal(text, decimal_sep=".") == Decimal(text)


def test_three_digits_after_a_lone_separator_follow_the_documented_rule() -> None:
    """1,234 is a thousands group unless a decimal separator is declared (and 1.234 likewise)."""
    assert parse_decimal("1,234") == Decimal("1234")
    assert parse_decimal("1,234", decimal_sep=",") == Decimal("1.234")
    assert parse_decimal("12.345", decimal_sep=".") == Decimal("12.345")


@pytest.mark.parametrize("text", ["", "  ", "abc", "12a", "1.2.3", "1,23,4.00", "--1", "1e5", "NaN", "∞"])
def test_garbage_is_refused(text: str) -> None:
    """Anything but digits, signs and separators raises MoneyError rather than guessing."""
    with pytest.raises(MoneyError):
        parse_decimal(text)


@given(amounts, st.sampled_from(["USD", "JPY", "KWD", "EUR"]))
def test_minor_units_round_trip(value: Decimal, code: str) -> None:
    """Quantised money survives the trip through integer minor units unchanged."""
    money = Money(value, code).quantize()
    assert Money.from_minor(money.minor_units(), code) == money
