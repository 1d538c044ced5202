"""Money, dates and counts as the locale writes them, from exact Decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QLocale

from bookbridge.core.currency import CURRENCIES
from bookbridge.core.money import Money
from bookbridge.ui.formatting import app_locale, format_compact_money, format_date, format_money, parse_user_amount

US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
DE = QLocale(QLocale.Language.German, QLocale.Country.Germany)
FR = QLocale(QLocale.Language.French, QLocale.Country.France)


def test_own_currency_uses_the_locale_symbol_and_grouping(qapp) -> None:
    """USD in the US reads $1,234,567.51 (half-up), EUR in Germany 1.234,50 €."""
    assert format_money(Money(Decimal("1234567.505"), "USD"), US) == "$1,234,567.51"
    assert format_money(Money(Decimal("1234.5"), "EUR"), DE) == "1.234,50\u00a0€"


def test_foreign_currency_shows_its_iso_code(qapp) -> None:
    """A currency that is not the locale's shows its ISO code, never another currency's symbol."""
    assert format_money(Money(Decimal("12.5"), "EUR"), US) == "EUR\u00a012.50"
    assert format_money(Money(Decimal("12.5"), "USD"), DE) == "12,50\u00a0USD"


def test_negative_follows_the_locale_pattern(qapp) -> None:
    """Refunds use the locale's negative currency form (parentheses in the US, a minus in Germany)."""
    assert format_money(Money(Decimal("-1234.5"), "USD"), US) == "($1,234.50)"
    assert format_money(Money(Decimal("-1234.5"), "EUR"), DE) == "-1.234,50\u00a0€"


def test_minor_units_follow_the_currency(qapp) -> None:
    """Yen shows no decimals and dinar three, whatever the locale."""
    assert format_money(Money(Decimal("1200"), "JPY"), US) == "JPY\u00a01,200"
    assert format_money(Money(Decimal("0.125"), "KWD"), FR).startswith("0,125")


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False,
                places=4),
    st.sampled_from(sorted(CURRENCIES)),
)
def test_formatted_amount_reads_back_exactly(qapp, amount: Decimal, code: str) -> None:
    """Whatever the amount, the digits shown are the amount rounded half-up to the currency's unit."""
    money = Money(amount, code)
    text = format_money(money, US)
    negative = text.startswith("(")
    digits = "".join(c for c in text if c.isdigit() or c == ".")
    shown = Decimal(digits) * (-1 if negative else 1)
    assert shown == money.quantize().amount or (shown == 0 and money.quantize().amount == 0)


def test_dates_use_the_locale_with_the_full_year(qapp) -> None:
    """31 March 2024 reads 3/31/2024 in the US and 31.03.2024 in Germany."""
    assert format_date(date(2024, 3, 31), US) == "3/31/2024"
    assert format_date(date(2024, 3, 31), DE) == "31.03.2024"


def test_compact_money_for_chart_labels(qapp) -> None:
    """Chart labels shorten large sums to one decimal with a suffix."""
    assert format_compact_money(Money(Decimal("11860178.95"), "USD"), US) == "$11.9M"
    assert format_compact_money(Money(Decimal("999.5"), "USD"), US) == "$999.50"


def test_typed_filter_amount_uses_the_locale_separators(qapp) -> None:
    """A German user types 1.234,5 and means one thousand two hundred thirty-four and a half."""
    assert parse_user_amount("1.234,5", DE) == Decimal("1234.5")
    assert parse_user_amount("1,234.5", US) == Decimal("1234.5")
    assert parse_user_amount("  ", US) is None


def test_c_locale_reads_as_us_english(qapp) -> None:
    """With no locale set (C), amounts still get grouping and a currency symbol."""
    previous = QLocale()
    QLocale.setDefault(QLocale.c())
    try:
        assert app_locale().language() == QLocale.Language.English
        assert format_money(Money(Decimal("1234.5"), "USD")) == "$1,234.50"
    finally:
        QLocale.setDefault(previous)
