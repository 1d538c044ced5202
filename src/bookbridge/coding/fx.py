"""Foreign-currency arithmetic and exchange-rate records (pure: no database).

Rate direction, used everywhere in Bookbridge: an :class:`FxRate` with ``base="EUR"``,
``quote="USD"`` and ``rate=1.0769`` means **one EUR is worth 1.0769 USD** (market notation
EUR/USD). To turn a transaction amount into the home currency the rate's ``base`` is the
transaction currency and its ``quote`` the home currency: ``home = amount × rate``, rounded
half-up to the home currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bookbridge.coding.tax import round_minor
from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import MoneyError


@dataclass(frozen=True, slots=True)
class FxRate:
    """How many ``quote`` units one ``base`` unit is worth on ``as_of``, and who said so.

    Attributes:
        base: ISO code of the currency being priced (the transaction currency).
        quote: ISO code the price is expressed in (the home currency).
        rate: quote units per one base unit, > 0.
        as_of: the date the rate applies to (the ECB publication date, the expense date...).
        source: where the rate came from: ``"ECB"``, ``"ECB (derived)"``, ``"manual"``, a
            connector name. Kept on every journal line for the audit trail.
    """

    base: str
    quote: str
    rate: Decimal
    as_of: date
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", _currency(self.base).code)
        object.__setattr__(self, "quote", _currency(self.quote).code)
        if not isinstance(self.rate, Decimal):
            raise MoneyError(f"the {self.base}/{self.quote} rate must be a Decimal, not {type(self.rate).__name__}")
        if not self.rate.is_finite() or self.rate <= 0:
            raise MoneyError(f"the {self.base}/{self.quote} rate must be a positive number, got {self.rate}")

    def convert(self, amount: Decimal) -> Decimal:
        """Convert ``amount`` of ``base`` into ``quote``, rounded half-up to its minor unit."""
        return round_minor(amount * self.rate, self.quote)

    def inverted(self) -> "FxRate":
        """The same rate seen from the other side (base and quote swapped)."""
        return FxRate(self.quote, self.base, _derived(1 / self.rate), self.as_of, _derived_source(self.source))


# Derived (inverted or cross) rates keep 12 significant digits: far more than any published rate
# carries (ECB: 5-6), so converting amounts up to 10^9 is exact to the cent.
_DERIVED_DIGITS = 12


def _derived(value: Decimal) -> Decimal:
    """Round a computed rate to a fixed number of significant digits, deterministically."""
    if value == 0:
        return value
    exponent = value.adjusted() - _DERIVED_DIGITS + 1
    return value.quantize(Decimal(1).scaleb(exponent)).normalize()


def _derived_source(source: str) -> str:
    return source if source.endswith("(derived)") else f"{source} (derived)"


def to_home(amount: Decimal, currency_code: str, home_currency: str, rate: FxRate | None) -> Decimal:
    """The home-currency value of ``amount``, rounded half-up to the home minor unit.

    Raises:
        MoneyError: the currencies differ and no rate, or a rate for another pair, was given.
    """
    code, home = _currency(currency_code).code, _currency(home_currency).code
    if code == home:
        return round_minor(amount, home)
    if rate is None:
        raise MoneyError(f"no {code}/{home} exchange rate was given to convert {amount} {code}")
    if (rate.base, rate.quote) == (home, code):
        rate = rate.inverted()
    if (rate.base, rate.quote) != (code, home):
        raise MoneyError(f"a {rate.base}/{rate.quote} rate cannot convert {code} into {home}")
    return rate.convert(amount)
