"""Scoring one statement line against one target, with the reasons in plain words.

The score is a weighted blend in [0, 1]:

* amount (weight 0.45): 1.0 when exact; for a converted amount within the tolerance it falls
  linearly to 0.5 at the tolerance's edge. Outside, the pair is never a candidate at all.
* date (0.25): 1.0 on the same day, falling by ``1/(window+1)`` a day (0.2 at 4 days of 4). The
  nearer of the booking and value dates counts: card lines post a day or two after the purchase.
* payee (0.30): rapidfuzz's WRatio on names cleaned of card-processor prefixes and store
  numbers ("SQ *BLUE BOTTLE #123" vs "Blue Bottle Coffee"). When either side has no payee the
  component is a neutral 0.5, so such a pair cannot reach the auto band on amount and date alone.
* reference: when both sides carry the same reference (an invoice number, a check number) the
  score moves half-way to 1.0; a reference never lowers a score, because banks and expense apps
  rarely share one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from bookbridge.reconcile.matching.model import LineView, MatchSettings, Target

AMOUNT_WEIGHT = 0.45
DATE_WEIGHT = 0.25
PAYEE_WEIGHT = 0.30
NEUTRAL_PAYEE = 0.5

# Prefixes card processors and banks put before the merchant's name.
_NOISE_PREFIX = re.compile(
    r"^(?:SQ ?\*|TST ?\*|PAYPAL ?\*|PP ?\*|SP ?\*|IN ?\*|POS |DEBIT CARD PURCHASE |CHECKCARD |PURCHASE |"
    r"CARD PURCHASE |EFTPOS (?:WDL )?|VISA )+",
    re.IGNORECASE,
)
_HAS_DIGIT = re.compile(r"\S*\d\S*")


@lru_cache(maxsize=200_000)
def clean_payee(text: str | None) -> str:
    """The merchant's name without processor prefixes, store numbers or punctuation."""
    if not text:
        return ""
    stripped = _NOISE_PREFIX.sub("", text.strip())
    stripped = _HAS_DIGIT.sub(" ", stripped)
    return default_process(stripped)


def payee_similarity(line_payee: str | None, target_payee: str | None) -> float | None:
    """0..1 similarity of two payee texts, or None when either is missing."""
    a, b = clean_payee(line_payee), clean_payee(target_payee)
    if not a or not b:
        return None
    return fuzz.WRatio(a, b, processor=None) / 100.0


_NOT_REFERENCE = re.compile(r"[^0-9A-Z]")


def _clean_reference(text: str | None) -> str:
    return _NOT_REFERENCE.sub("", (text or "").upper()).lstrip("0")


def reference_agreement(line: LineView, target: Target) -> float:
    """1.0 for the same reference, 0.8 when one contains the other (4+ characters), else 0."""
    if not target.reference:
        return 0.0  # most targets carry none: skip cleaning the line's texts for nothing
    theirs = _clean_reference(target.reference)
    if len(theirs) < 3:
        return 0.0
    ours = [_clean_reference(line.reference)]
    if line.memo:
        ours.append(_clean_reference(line.memo))
    if ours[0] == theirs:
        return 1.0
    if len(theirs) >= 4 and any(theirs in o for o in ours if o):
        return 0.8
    return 0.0


def days_apart(line: LineView, target: Target) -> int:
    apart = abs((line.booked_date - target.date).days)
    if line.value_date is not None:
        apart = min(apart, abs((line.value_date - target.date).days))
    return apart


@dataclass(frozen=True, slots=True)
class Evidence:
    """The parts of a one-to-one score, kept for the explanation."""

    amount_score: float
    amount_note: str
    days: int
    payee: float | None
    reference: float
    score: float

    def explain(self) -> str:
        parts = [self.amount_note, _days_text(self.days)]
        if self.payee is None:
            parts.append("no payee to compare")
        else:
            parts.append(f"payee {round(self.payee * 100)} % similar")
        if self.reference >= 1.0:
            parts.append("reference equal")
        elif self.reference > 0:
            parts.append("reference found in the bank text")
        return ", ".join(parts)


def _days_text(days: int) -> str:
    if days == 0:
        return "same day"
    return f"{days} day{'s' if days != 1 else ''} apart"


def amount_fit(line: LineView, target: Target, settings: MatchSettings) -> tuple[float, str] | None:
    """How well the amounts agree, or None when they cannot be the same movement."""
    if line.amount.currency != target.amount.currency:
        return None
    if line.amount == target.amount:
        return 1.0, "amount exact"
    if not target.approximate or (line.amount.amount < 0) != (target.amount.amount < 0):
        return None
    base = abs(target.amount.amount)
    if base == 0:
        return None
    relative = abs(line.amount.amount - target.amount.amount) / base
    if relative > settings.fx_tolerance:
        return None
    share = float(relative / settings.fx_tolerance) if settings.fx_tolerance else 0.0
    percent = (relative * 100).quantize(Decimal("0.1"))
    return 1.0 - 0.5 * share, f"amount within {percent} % (converted from another currency)"


def score_pair(line: LineView, target: Target, settings: MatchSettings) -> Evidence | None:
    """Score one pair; None when amount or date rule it out."""
    fit = amount_fit(line, target, settings)
    if fit is None:
        return None
    days = days_apart(line, target)
    if days > settings.window_days:
        return None
    amount_score, amount_note = fit
    date_score = 1.0 - days / (settings.window_days + 1)
    payee = payee_similarity(line.payee or line.memo, target.payee)
    payee_score = NEUTRAL_PAYEE if payee is None else payee
    score = AMOUNT_WEIGHT * amount_score + DATE_WEIGHT * date_score + PAYEE_WEIGHT * payee_score
    reference = reference_agreement(line, target)
    if reference:
        score += 0.5 * (1.0 - score) * reference
    return Evidence(amount_score, amount_note, days, payee, reference, round(min(score, 1.0), 4))
