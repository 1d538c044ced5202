"""Strict field parsing shared by the statement readers: amounts, currencies, dates.

Bank files are produced by machines, so these parsers are strict: an amount is digits with an
optional sign and one decimal separator, nothing else ("$120" is refused, not cleaned up).

Precision rule (decided for issue 6, see the camt "five decimals" fixture): an amount may carry
more decimal places than its currency's minor unit only when the extra digits are zeros
(``18.150`` EUR is exactly 18.15 EUR). Any non-zero digit beyond the minor unit (``18.155`` EUR)
refuses the file with a message saying so: a bank amount is never rounded silently, and storing
sub-cent amounts would break the integer-minor-unit rule of the book.

Readers call these inside a ``try`` and turn :class:`FieldError` into an :class:`Issue` with the
line's position, so one file reports all its bad fields at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from bookbridge.core.currency import is_currency
from bookbridge.core.money import Money, parse_decimal
from bookbridge.core.errors import MoneyError
from bookbridge.reconcile.statements.model import Issue, error

_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")


class FieldError(Exception):
    """A field could not be read; carries the issue to report (internal to the readers)."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def fail(code: str, message: str, field: str | None = None) -> FieldError:
    return FieldError(error(code, message, field=field))


def require_currency(code: str | None, field: str) -> str:
    """An ISO 4217 code, upper-cased; refuses empty or unknown codes."""
    text = (code or "").strip().upper()
    if not text:
        raise fail("currency_missing", f"{field} gives no currency", field)
    if not is_currency(text):
        raise fail("currency_unknown", f"{field} has an unknown currency code {code!r}", field)
    return text


def strict_amount(text: str | None, currency: str, field: str, *, decimal_comma: bool = True) -> Money:
    """Parse a machine-written amount into exact money of ``currency``.

    Args:
        text: the amount as written (``-16.85``, ``8.850``, ``12,34`` when ``decimal_comma``).
        currency: the ISO code the amount is in.
        field: the element or column name, for the message.
        decimal_comma: accept ``,`` as the decimal separator (OFX allows it; XML decimals do not).
    """
    raw = (text or "").strip()
    if not raw:
        raise fail("amount_missing", f"{field} is empty", field)
    if not _PLAIN_NUMBER.match(raw) or (not decimal_comma and "," in raw):
        raise fail(
            "amount_not_a_number",
            f"{field} {raw!r} is not a number (only digits, a sign and one decimal separator are allowed; "
            "currency symbols, letters and thousands separators are not)",
            field,
        )
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern above already excludes this
        raise fail("amount_not_a_number", f"{field} {raw!r} is not a number", field) from None
    return exact_money(value, currency, field, raw)


def exact_money(value: Decimal, currency: str, field: str, raw: str | None = None) -> Money:
    """Money of ``currency`` that fits its minor unit exactly, else a FieldError (never rounds)."""
    money = Money(value, currency)
    if not money.is_exact():
        shown = raw if raw is not None else format(value, "f")
        raise fail(
            "amount_too_precise",
            f"{field} {shown} has more decimals than {currency} allows ({money.exponent}); "
            "Bookbridge never rounds a bank amount, so this file cannot be imported as it is",
            field,
        )
    return money.quantize()  # exact, so this only normalises 18.150 to 18.15


def human_amount(text: str, currency: str, field: str, *, decimal_sep: str | None, thousands_sep: str | None) -> Money:
    """Parse an amount a bank wrote for people (CSV exports): thousands separators allowed."""
    raw = (text or "").strip()
    if not raw:
        raise fail("amount_missing", f"{field} is empty", field)
    try:
        value = parse_decimal(raw, decimal_sep=decimal_sep, thousands_sep=thousands_sep)
    except MoneyError as exc:
        raise fail("amount_not_a_number", f"{field} {raw!r}: {exc.user_message}", field) from None
    return exact_money(value, currency, field, raw)


def yyyymmdd(text: str | None, field: str) -> date:
    """The date part of an OFX date-time (``20090401122017.000[-5:EST]`` -> 2009-04-01).

    The bank's local calendar date is kept as written: converting to UTC first would move
    evening transactions in the Americas to the next day.
    """
    raw = (text or "").strip()
    if len(raw) < 8 or not raw[:8].isdigit():
        raise fail("date_invalid", f"{field} {raw!r} is not a date (expected YYYYMMDD...)", field)
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise fail("date_invalid", f"{field} {raw!r} is not a real calendar date", field) from None


def iso_date(text: str | None, field: str) -> date:
    """An ISO date or date-time (camt ``Dt``/``DtTm``); the date as the bank wrote it."""
    raw = (text or "").strip()
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
    except ValueError:
        raise fail("date_invalid", f"{field} {raw!r} is not an ISO date", field) from None


def clean_text(text: str | None) -> str | None:
    """Collapse runs of spaces and strip; empty becomes None."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None
