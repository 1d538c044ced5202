"""ISO 4217 currencies and their minor units.

The minor-unit exponent decides how amounts are stored (integer minor units) and where rounding
happens. Most currencies have two decimals; the exceptions are listed explicitly so a reader can
check them against the ISO 4217 table.
"""

from __future__ import annotations

from dataclasses import dataclass

from bookbridge.core.errors import MoneyError

# Active ISO 4217 codes with two decimals (the common case).
_TWO_DECIMALS = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD
CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD
HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD
MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON
RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD
TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
""".split()
# Zero-decimal currencies (ISO 4217 exponent 0).
_ZERO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()
# Three-decimal currencies (ISO 4217 exponent 3).
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND".split()
# Four decimals: the Chilean and Uruguayan units of account.
_FOUR_DECIMALS = "CLF UYW".split()


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency with its minor-unit exponent."""

    code: str
    exponent: int


CURRENCIES: dict[str, Currency] = {
    **{c: Currency(c, 2) for c in _TWO_DECIMALS},
    **{c: Currency(c, 0) for c in _ZERO_DECIMALS},
    **{c: Currency(c, 3) for c in _THREE_DECIMALS},
    **{c: Currency(c, 4) for c in _FOUR_DECIMALS},
}


def currency(code: str) -> Currency:
    """Return the currency for an ISO code (case-insensitive, surrounding space ignored).

    Raises:
        MoneyError: the code is not an active ISO 4217 currency.
    """
    normalised = (code or "").strip().upper()
    try:
        return CURRENCIES[normalised]
    except KeyError:
        raise MoneyError(f"unknown currency code {code!r}") from None


def is_currency(code: str) -> bool:
    """True when ``code`` is a known ISO 4217 code."""
    return (code or "").strip().upper() in CURRENCIES
