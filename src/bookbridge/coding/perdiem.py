"""Per-diem limits: split an actual daily spend into the part within the limit and the excess.

Pure arithmetic used by the rules engine's "apply a per-diem" action (issue 3, section 2). A
rate table gives a daily limit per location (meals & incidentals, lodging...); the policy says
what happens to the excess: it is posted to its own account (often non-deductible), or the whole
amount stays where it was and the excess is flagged for approval (ACCOUNTING.md example 11).

Limits are in the expense's currency; a table in another currency must be converted by the
caller first (the limit is policy, not a market rate, so we refuse to guess a conversion).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from bookbridge.coding.coded import CodedLine
from bookbridge.coding.tax import round_minor
from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import BookbridgeError, MoneyError


class PerDiemConfigError(BookbridgeError):
    """A per-diem rule cannot be applied as configured (e.g. no excess account)."""


class ExcessPolicy(StrEnum):
    """What to do with spend above the per-diem limit."""

    POST_TO_OWN_ACCOUNT = "post"  # split the line: limit to its account, excess to the excess account
    FLAG_FOR_APPROVAL = "flag"  # keep the line whole and ask an approver about the excess


@dataclass(frozen=True, slots=True)
class PerDiemRate:
    """The daily limit for one location.

    Attributes:
        location: the key the rules use (city, country or region code), compared case-insensitively.
        daily_limit: the limit for one full day, in ``currency``.
        currency: ISO code of the limit.
    """

    location: str
    daily_limit: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", _currency(self.currency).code)
        if not isinstance(self.daily_limit, Decimal) or self.daily_limit < 0:
            raise MoneyError(f"per-diem for {self.location!r}: the daily limit must be a Decimal of at least 0")


@dataclass(frozen=True, slots=True)
class PerDiemTable:
    """Daily limits by location, with an optional fallback for places not listed.

    Attributes:
        name: what the policy calls the table ("M&IE 2024").
        rates: limits keyed by location (lookup ignores case and surrounding spaces).
        default: the limit for any other location, or ``None`` to leave unknown places unlimited
            (the caller reports them: :meth:`limit_for` returns ``None``).
    """

    name: str
    rates: Mapping[str, PerDiemRate]
    default: PerDiemRate | None = None

    def limit_for(self, location: str | None) -> PerDiemRate | None:
        """The rate for ``location``, the default when it is not listed, or ``None``."""
        wanted = (location or "").strip().casefold()
        for key, rate in self.rates.items():
            if key.strip().casefold() == wanted:
                return rate
        return self.default


@dataclass(frozen=True, slots=True)
class PerDiemOutcome:
    """The result of applying a per-diem limit to an amount.

    Attributes:
        limit: the allowance for the period (daily limit × days, rounded half-up).
        within: the part of the actual amount covered by the allowance.
        excess: the part above it (0 when within the limit or for a refund).
        needs_approval: True when the policy flags the excess and there is one.
        reason: a sentence for the review queue / audit trail, empty when nothing exceeded.
    """

    limit: Decimal
    within: Decimal
    excess: Decimal
    needs_approval: bool
    reason: str


def apply_per_diem(
    actual: Decimal,
    rate: PerDiemRate,
    currency_code: str,
    policy: ExcessPolicy,
    *,
    days: Decimal = Decimal(1),
) -> PerDiemOutcome:
    """Split ``actual`` into the part within the per-diem allowance and the excess.

    Args:
        actual: what was spent, in ``currency_code``. A refund (negative) has no excess.
        rate: the location's daily limit; must be in ``currency_code``.
        currency_code: the expense currency.
        policy: post the excess to its own account, or flag it for approval.
        days: number of days covered; fractions allowed (0.75 for a travel day under GSA rules).

    Raises:
        MoneyError: the limit is in another currency, or ``days`` is negative.
    """
    code = _currency(currency_code).code
    if rate.currency != code:
        raise MoneyError(
            f"the per-diem for {rate.location!r} is in {rate.currency}, the expense in {code}; convert the limit first"
        )
    if days < 0:
        raise MoneyError(f"per-diem days cannot be negative ({days})")
    limit = round_minor(rate.daily_limit * days, code)
    spent = round_minor(actual, code)
    excess = max(spent - limit, Decimal(0)) if spent > 0 else Decimal(0)
    within = spent - excess
    if excess == 0:
        return PerDiemOutcome(limit=limit, within=within, excess=excess, needs_approval=False, reason="")
    reason = (
        f"{spent} {code} exceeds the {rate.location} per-diem of {limit} {code} "
        f"({rate.daily_limit} × {days:f} day(s)) by {excess} {code}"
    )
    flagged = policy is ExcessPolicy.FLAG_FOR_APPROVAL
    return PerDiemOutcome(limit=limit, within=within, excess=excess, needs_approval=flagged, reason=reason)


def split_line_for_per_diem(
    line: CodedLine, outcome: PerDiemOutcome, policy: ExcessPolicy, excess_account: str | None
) -> tuple[CodedLine, ...]:
    """The coded lines a per-diem outcome gives for ``line``.

    With POST_TO_OWN_ACCOUNT and an excess: two lines, the allowance on ``line``'s account and
    the excess on ``excess_account`` (same dimensions and tax treatment, so tax is computed on
    each part per the per-line rule). Otherwise ``line`` unchanged (a flagged excess waits for an
    approver, who may then have the rule re-applied).

    Raises:
        PerDiemConfigError: the excess must be posted but no excess account is configured.
    """
    if policy is not ExcessPolicy.POST_TO_OWN_ACCOUNT or outcome.excess == 0:
        return (line,)
    if not excess_account:
        raise PerDiemConfigError(
            f"the per-diem excess of {outcome.excess} must be posted to its own account, but the rule names none"
        )
    memo = line.memo or "per-diem"
    return (
        replace(line, amount=outcome.within, memo=memo),
        replace(line, account=excess_account, amount=outcome.excess, memo=f"{memo} (over per-diem)"),
    )
