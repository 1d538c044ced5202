"""Sales tax / VAT arithmetic for one coded line (pure: no database).

Rounding rule (ACCOUNTING.md, "Tax"): tax is computed **per line**, from that line's own amount,
and rounded **half-up** (away from zero on .5) to the minor unit of the line's currency — 2
decimals for USD/EUR, 0 for JPY, 3 for BHD/KWD/TND (exponents from :mod:`bookbridge.core.currency`).
The recoverable share of that tax is rounded the same way, and the expense line gets whatever is
left of the gross amount, so ``expense + recoverable == gross`` holds exactly and the line needs no
residue adjustment of its own. Rounding per line (not per invoice) is what the accounting systems
we post to do when a line carries its own tax code, so our figures agree with theirs line by line.

Amounts keep their sign: a refund line (negative amount) has negative tax, computed on the
absolute value and negated, so a refund reverses its purchase to the minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import MoneyError


class TaxMode(StrEnum):
    """How a line's amount relates to its tax.

    INCLUSIVE: the amount already contains the tax (a receipt total); tax = amount × r / (1 + r).
    EXCLUSIVE: the amount is net of tax; tax = amount × r is added on top (the credit grows).
    NONE: no tax is computed; the whole amount is the expense.
    """

    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class TaxTreatment:
    """The tax code a template or rule assigned to a line, and how to book it.

    Attributes:
        code: the tax code as the accounting system knows it (e.g. ``"VAT10"``, ``"NON"``).
        rate: the rate as a fraction, ``Decimal("0.10")`` for 10 %, ``Decimal("0.0825")`` for 8.25 %.
        mode: whether line amounts include the tax, exclude it, or carry none.
        recoverable: the fraction of the tax the company can reclaim, 0..1 (meals are often 0.5).
            Defaults to 0: nothing is reclaimed unless the template says so.
        recoverable_account: where the recoverable part is debited (``"VAT receivable"``); required
            when ``recoverable`` > 0. The non-recoverable part stays in the expense line.
    """

    code: str
    rate: Decimal
    mode: TaxMode = TaxMode.INCLUSIVE
    recoverable: Decimal = Decimal(0)
    recoverable_account: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", TaxMode(self.mode))
        for name in ("rate", "recoverable"):
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                if isinstance(value, int) and not isinstance(value, bool):
                    object.__setattr__(self, name, Decimal(value))
                else:
                    raise MoneyError(f"tax code {self.code!r}: {name} must be a Decimal, not {type(value).__name__}")
        if self.rate < 0:
            raise MoneyError(f"tax code {self.code!r}: the rate cannot be negative ({self.rate})")
        if not Decimal(0) <= self.recoverable <= Decimal(1):
            raise MoneyError(
                f"tax code {self.code!r}: the recoverable fraction must be between 0 and 1, got {self.recoverable}"
            )


@dataclass(frozen=True, slots=True)
class TaxSplit:
    """The tax figures of one line, all in the line's currency and rounded to its minor unit.

    Attributes:
        gross: what the line costs the payer (net + tax); the credit side of this line.
        net: the amount before tax.
        tax: the whole tax.
        recoverable: the part of the tax debited to the tax account.
        expense: what stays in the expense (or asset) account: net + non-recoverable tax.
    """

    gross: Decimal
    net: Decimal
    tax: Decimal
    recoverable: Decimal
    expense: Decimal

    @property
    def non_recoverable(self) -> Decimal:
        """The tax that stays in the expense account."""
        return self.tax - self.recoverable


def round_minor(amount: Decimal, currency_code: str) -> Decimal:
    """Round half-up (away from zero on a tie) to the currency's minor unit."""
    quantum = Decimal(1).scaleb(-_currency(currency_code).exponent)
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def split_line_tax(amount: Decimal, treatment: TaxTreatment | None, currency_code: str) -> TaxSplit:
    """Compute the tax of one line under ``treatment`` (see the module docstring for rounding).

    Args:
        amount: the line's amount as coded: gross for INCLUSIVE and NONE, net for EXCLUSIVE.
            Negative for a refund.
        treatment: the line's tax treatment; ``None`` means no tax.
        currency_code: ISO 4217 code of the line, which decides the minor unit.

    Returns:
        The line's gross, net, tax, recoverable tax and expense amounts.
    """
    if treatment is None or treatment.mode is TaxMode.NONE or treatment.rate == 0:
        exact = round_minor(amount, currency_code)
        return TaxSplit(gross=exact, net=exact, tax=Decimal(0), recoverable=Decimal(0), expense=exact)
    sign = Decimal(-1) if amount < 0 else Decimal(1)
    magnitude = abs(amount)
    rate = treatment.rate
    if treatment.mode is TaxMode.INCLUSIVE:
        gross = round_minor(magnitude, currency_code)
        tax = round_minor(gross * rate / (1 + rate), currency_code)
        net = gross - tax
    else:
        net = round_minor(magnitude, currency_code)
        tax = round_minor(net * rate, currency_code)
        gross = net + tax
    recoverable = round_minor(tax * treatment.recoverable, currency_code)
    return TaxSplit(
        gross=sign * gross,
        net=sign * net,
        tax=sign * tax,
        recoverable=sign * recoverable,
        expense=sign * (gross - recoverable),
    )


def gross_of(amount: Decimal, treatment: TaxTreatment | None, currency_code: str) -> Decimal:
    """What a line coded at ``amount`` costs the payer, tax included (the credit it needs)."""
    return split_line_tax(amount, treatment, currency_code).gross
