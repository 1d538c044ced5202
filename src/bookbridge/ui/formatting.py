"""Money, dates and counts as the user's locale writes them, without a float in sight.

``QLocale.toCurrencyString`` only takes floats and integers, and a float would round a large
amount. So the digits come from the exact ``Decimal`` (rounded half-up to the currency's minor
unit, as everywhere else), the integer part is grouped by ``QLocale.toString`` (which knows
Indian and Swiss grouping), and the locale's own currency pattern (symbol before or after, a
space or not, minus sign or accounting parentheses) is learned from ``toCurrencyString`` of 1
and -1. The symbol is the locale's (``$``) only when the amount's currency *is* the locale's
currency; any other currency shows its ISO code (``EUR 12.50`` in the US), so "$" never means
two different currencies on one screen.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import QDate, QDateTime, QLocale, QTimeZone

from bookbridge.core.money import Money

_SYMBOL = "\u00a4"  # the generic currency sign, as a placeholder in the learned pattern
_NBSP = "\u00a0"


def app_locale() -> QLocale:
    """The user's locale; the unset "C" locale (no grouping, odd dates) reads as US English."""
    loc = QLocale()
    if loc.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return loc


def _locale(locale: QLocale | None) -> QLocale:
    return locale if locale is not None else app_locale()


def _native_digits(text: str, loc: QLocale) -> str:
    """ASCII digits in the locale's own digits (Arabic-Indic, Devanagari...), when it has them."""
    zero = loc.zeroDigit()
    if zero == "0":
        return text
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in text)


def format_decimal(value: Decimal, decimals: int, locale: QLocale | None = None) -> str:
    """``abs(value)`` with exactly ``decimals`` places, grouped and pointed as the locale does it.

    The sign is left off: callers place it (currency patterns differ on where it goes).
    """
    loc = _locale(locale)
    quantum = Decimal(1).scaleb(-decimals)
    text = format(abs(value).quantize(quantum, rounding=ROUND_HALF_UP), "f")
    integer, _, fraction = text.partition(".")
    grouped = loc.toString(int(integer))
    return grouped + (loc.decimalPoint() + _native_digits(fraction, loc) if decimals > 0 else "")


def _with_symbol(money: Money, number: str, loc: QLocale) -> str:
    """Place ``number`` (already formatted, unsigned) and the currency as the locale does."""
    own_currency = loc.currencySymbol(QLocale.CurrencySymbolFormat.CurrencyIsoCode) == money.currency
    symbol = loc.currencySymbol(QLocale.CurrencySymbolFormat.CurrencySymbol) if own_currency else money.currency
    one = loc.toString(1)
    pattern = loc.toCurrencyString(-1 if money.amount < 0 else 1, _SYMBOL)
    if not own_currency:
        # An ISO code needs a space where a symbol may sit tight against the digits ("EUR 12.50").
        pattern = re.sub(f"{_SYMBOL}(?=[{re.escape(one)}\\-\u2212])", _SYMBOL + _NBSP, pattern)
        pattern = re.sub(f"(?<={re.escape(one)}){_SYMBOL}", _NBSP + _SYMBOL, pattern)
    return pattern.replace(one, number, 1).replace(_SYMBOL, symbol)


def format_money(money: Money, locale: QLocale | None = None) -> str:
    """Money for display: ``$1,234.50``, ``1.234,50 €``, ``(EUR 12.50)``, ``JPY 1,200``."""
    loc = _locale(locale)
    return _with_symbol(money, format_decimal(money.amount, money.exponent, loc), loc)


def format_compact_money(money: Money, locale: QLocale | None = None) -> str:
    """A short form for chart labels (``$11.9M``, ``EUR 850K``); exact amounts go in tooltips."""
    loc = _locale(locale)
    for size, suffix in ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K")):
        if abs(money.amount) >= size:
            scaled = abs(money.amount) / size
            places = 0 if scaled >= 100 else 1
            return _with_symbol(money, format_decimal(scaled, places, loc) + suffix, loc)
    return format_money(money, loc)


def format_minor(minor: int, currency: str, locale: QLocale | None = None) -> str:
    """Integer minor units as stored in the book, formatted like :func:`format_money`."""
    return format_money(Money.from_minor(minor, currency), locale)


def _date_pattern(loc: QLocale) -> str:
    """The locale's short date format with a four-digit year (bookkeepers read years in full)."""
    pattern = loc.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in pattern:
        pattern = pattern.replace("yy", "yyyy")
    return pattern


def format_date(value: date | None, locale: QLocale | None = None) -> str:
    """A date in the locale's short format with the full year (``3/31/2024``, ``31.03.2024``)."""
    if value is None:
        return ""
    loc = _locale(locale)
    return loc.toString(QDate(value.year, value.month, value.day), _date_pattern(loc))


def format_datetime(value: datetime | None, locale: QLocale | None = None) -> str:
    """A timestamp in local time, short locale format (UTC values from the book are converted)."""
    if value is None:
        return ""
    loc = _locale(locale)
    qdt = QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.systemTimeZone())
    time_pattern = loc.timeFormat(QLocale.FormatType.ShortFormat)
    return loc.toString(qdt, f"{_date_pattern(loc)} {time_pattern}")


def format_count(n: int, locale: QLocale | None = None) -> str:
    """An integer count with the locale's grouping (``12,345``)."""
    return _locale(locale).toString(int(n))


def parse_user_amount(text: str, locale: QLocale | None = None) -> Decimal | None:
    """An amount typed into a filter box, read with the locale's separators; None when empty.

    Raises:
        MoneyError: the text is not a number.
    """
    from bookbridge.core.money import parse_decimal

    text = text.strip()
    if not text:
        return None
    loc = _locale(locale)
    return parse_decimal(text, decimal_sep=loc.decimalPoint(), thousands_sep=loc.groupSeparator())


def escape_html(text: str) -> str:
    """Text safe inside a rich-text label (quotes stay quotes: they are not in an attribute)."""
    from html import escape

    return escape(str(text), quote=False)
