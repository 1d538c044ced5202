"""Money: a Decimal amount with an ISO 4217 currency. Never a float.

* One parser (:func:`parse_decimal`) turns text in any of the formats our inputs use into a
  ``Decimal``; it refuses anything ambiguous rather than guessing.
* :class:`Money` refuses to mix currencies and rounds only when asked, with a named mode.
* The book stores integer minor units plus the currency code (:meth:`Money.minor_units`).

Rounding rule (see ACCOUNTING.md): half-up to the currency's minor unit, applied at the boundary
where an amount is stored or posted; residues from splitting are handled by :func:`allocate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, Sequence

from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import MoneyError

ROUNDING = ROUND_HALF_UP

_SPACES = re.compile(r"[\s\u00a0\u202f']")  # spaces, NBSP, narrow NBSP, Swiss apostrophe
# Fast paths for the plain forms bulk imports are made of; each reads exactly as the general rules
# below would (property-tested in tests/core/test_money.py), it only skips their work.
_PLAIN_INTEGER = re.compile(r"[+-]?[0-9]+")
_PLAIN_DOT_DECIMAL = re.compile(r"[+-]?[0-9]+\.[0-9]+")
_PLAIN_UNAMBIGUOUS = re.compile(r"[+-]?[0-9]+\.(?:[0-9]{1,2}|[0-9]{4,})")  # not 1.234 (grouping?)
_PLAIN_PARTS = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")


def parse_decimal(
    text: str | int | Decimal,
    *,
    decimal_sep: str | None = None,
    thousands_sep: str | None = None,
) -> Decimal:
    """Parse an amount written by a person or a program into a Decimal.

    Accepts signs (``-12.00``, ``+12``), trailing minus (``12.00-``), accounting parentheses
    (``(12.00)``), thousands separators and either decimal separator. With no separators given,
    a lone ``,`` or ``.`` followed by exactly three digits is ambiguous unless other separators
    settle it; the rule: the right-most of ``.``/``,`` is the decimal separator when both appear,
    and a single separator followed by 1, 2 or 4+ digits is decimal. ``1,234`` (one comma, three
    digits) is read as a thousands group, as in the US exports that dominate our inputs; pass
    ``decimal_sep=","`` for a locale where it means one point two three four.

    Raises:
        MoneyError: the text is empty, has currency symbols or letters, or is malformed.
    """
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):  # pragma: no cover - guarded for callers that slip
        raise MoneyError("refusing to parse a float as money; pass a string")
    raw = str(text)
    if _is_plain(raw, decimal_sep):
        return Decimal(raw)
    s = _SPACES.sub("", raw)
    if not s:
        raise MoneyError("amount is empty")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s.endswith("-"):
        negative, s = not negative, s[:-1]
    if s[:1] in "+-":
        negative, s = (negative != (s[0] == "-")), s[1:]
    if not s or not re.fullmatch(r"[0-9.,]+", s):
        raise MoneyError(f"{raw!r} is not a number (only digits, sign and separators allowed)")
    dec, thou = _separators(s, decimal_sep, thousands_sep)
    if thou:
        parts = s.split(dec) if dec else [s]
        if len(parts) > 2:
            raise MoneyError(f"{raw!r} has more than one decimal separator")
        integer = parts[0]
        groups = integer.split(thou)
        if len(groups) > 1 and (not groups[0] or any(len(g) != 3 for g in groups[1:])):
            raise MoneyError(f"{raw!r} has misplaced thousands separators")
        s = "".join(groups) + ("." + parts[1] if len(parts) == 2 else "")
    elif dec == ",":
        s = s.replace(",", ".")
    if s.count(".") > 1 or s in (".",):
        raise MoneyError(f"{raw!r} is not a valid number")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise MoneyError(f"{raw!r} is not a valid number") from None
    return -value if negative else value


def _is_plain(raw: str, decimal_sep: str | None) -> bool:
    """True for text the general rules would read as exactly ``Decimal(raw)``."""
    if _PLAIN_INTEGER.fullmatch(raw):
        return True
    if decimal_sep == ".":
        return _PLAIN_DOT_DECIMAL.fullmatch(raw) is not None
    if decimal_sep is None:
        return _PLAIN_UNAMBIGUOUS.fullmatch(raw) is not None
    return False


def plain_minor_units(text: str, exponent: int, *, decimal_sep: str | None = None) -> int | None:
    """Integer minor units straight from the digits of a plain amount, or None to say "not plain".

    A bulk import's amounts are nearly all plain (``-12.50``, ``1200``); reading their digits
    spares a Decimal, a scale and an exactness check per value. Whenever this returns a number
    it is exactly ``parse_decimal(text, decimal_sep=decimal_sep)`` in minor units of a currency
    with ``exponent`` decimals (property-tested); None means "use parse_decimal", which also
    covers text with more decimals than the currency has (the caller reports that), grouping,
    symbols and every other form, and the ambiguous ``1.234`` when no separator is declared.
    """
    match = _PLAIN_PARTS.fullmatch(text)
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    if fraction is None:
        digits = whole + "0" * exponent
    else:
        # The same cases _is_plain lets through as Decimal(text); trailing zeros add no precision.
        if not (decimal_sep == "." or (decimal_sep is None and len(fraction) != 3)):
            return None
        fraction = fraction.rstrip("0")
        if len(fraction) > exponent:
            return None
        digits = whole + fraction + "0" * (exponent - len(fraction))
    value = int(digits)
    return -value if sign == "-" else value


def minor_units_text(minor: int, exponent: int) -> str:
    """Integer minor units as plain decimal text, exactly as :meth:`Money.format` prints the
    amount (``-1234.50``), without building a Decimal (messages about many rows need this)."""
    if exponent == 0:
        return str(minor)
    digits = str(abs(minor)).rjust(exponent + 1, "0")
    return f"{'-' if minor < 0 else ''}{digits[:-exponent]}.{digits[-exponent:]}"


def _separators(s: str, decimal_sep: str | None, thousands_sep: str | None) -> tuple[str, str]:
    """Decide which of '.' and ',' is the decimal and which the thousands separator."""
    if decimal_sep:
        return decimal_sep, thousands_sep if thousands_sep is not None else ("." if decimal_sep == "," else ",")
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        return (".", ",") if s.rfind(".") > s.rfind(",") else (",", ".")
    sep = "." if has_dot else "," if has_comma else ""
    if not sep:
        return ".", ""
    if s.count(sep) > 1:
        return ("." if sep == "," else ","), sep  # 1,234,567 or 1.234.567: grouping only
    tail = s.rsplit(sep, 1)[1]
    if len(tail) == 3 and s.index(sep) > 0:
        return ("." if sep == "," else ","), sep  # 1,234 or 1.234: grouping
    return sep, ""


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount in one currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            if isinstance(self.amount, int) and not isinstance(self.amount, bool):
                object.__setattr__(self, "amount", Decimal(self.amount))
            else:
                raise MoneyError(f"Money needs a Decimal amount, got {type(self.amount).__name__}")
        object.__setattr__(self, "currency", _currency(self.currency).code)

    # --- construction -----------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, currency: str, **separators: str | None) -> "Money":
        """Parse ``text`` with :func:`parse_decimal` into money of ``currency``."""
        return cls(parse_decimal(text, **separators), currency)  # type: ignore[arg-type]

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        """Build from integer minor units as stored in the book."""
        exp = _currency(currency).exponent
        return cls(Decimal(minor).scaleb(-exp), currency)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(Decimal(0), currency)

    # --- conversion ------------------------------------------------------------------------
    @property
    def exponent(self) -> int:
        return _currency(self.currency).exponent

    def quantize(self, rounding: str = ROUNDING) -> "Money":
        """Round to the currency's minor unit (half-up unless told otherwise)."""
        q = Decimal(1).scaleb(-self.exponent)
        return Money(self.amount.quantize(q, rounding=rounding), self.currency)

    def minor_units(self) -> int:
        """Integer minor units. Raises if the amount has more precision than the currency."""
        scaled = self.amount.scaleb(self.exponent)
        if scaled != scaled.to_integral_value():
            raise MoneyError(
                f"{self.amount} {self.currency} has more decimals than the currency allows "
                f"({self.exponent}); round it first"
            )
        return int(scaled)

    def is_exact(self) -> bool:
        """True when the amount fits the currency's minor unit without rounding."""
        return self.amount.scaleb(self.exponent) == self.amount.scaleb(self.exponent).to_integral_value()

    def format(self) -> str:
        """Plain, locale-free text: ``-1234.50 USD``."""
        return f"{self.quantize().amount:.{self.exponent}f} {self.currency}"

    def __str__(self) -> str:
        return self.format()

    # --- arithmetic ------------------------------------------------------------------------
    def _same(self, other: object) -> "Money":
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")
        return other

    def __add__(self, other: "Money") -> "Money":
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __abs__(self) -> "Money":
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> "Money":
        if isinstance(factor, float) or not isinstance(factor, (Decimal, int)):
            raise MoneyError("money can only be multiplied by a Decimal or an int")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: "Money") -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: "Money") -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: "Money") -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: "Money") -> bool:
        return self.amount >= self._same(other).amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0


def total(items: Iterable[Money], currency: str) -> Money:
    """Sum money of one currency (an empty iterable gives zero)."""
    result = Money.zero(currency)
    for item in items:
        result = result + item
    return result


def allocate(amount: Money, weights: Sequence[Decimal | int]) -> list[Money]:
    """Split ``amount`` by ``weights`` into minor-unit-exact parts that sum to it exactly.

    Each share is rounded half-up; the residue (positive or negative) goes to the share with the
    largest absolute weight, earliest on ties, as ACCOUNTING.md prescribes ("the residue of
    rounding goes to the larger share"). Deterministic for equal inputs.
    """
    if not weights:
        raise MoneyError("allocate needs at least one weight")
    total_weight = sum(Decimal(w) for w in weights)
    if total_weight == 0:
        raise MoneyError("allocation weights sum to zero")
    exact = amount.quantize()
    shares = [Money(exact.amount * Decimal(w) / total_weight, amount.currency).quantize() for w in weights]
    residue = exact.amount - sum(s.amount for s in shares)
    if residue:
        largest = max(range(len(weights)), key=lambda i: (abs(Decimal(weights[i])), -i))
        shares[largest] = Money(shares[largest].amount + residue, amount.currency)
    return shares
