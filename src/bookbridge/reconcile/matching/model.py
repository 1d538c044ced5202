"""The matcher's vocabulary: statement lines, targets, settings and proposals. Pure values.

A *target* is anything a statement line can be tied to: an expense today, a posted journal line
once the outbox exists. Small adapters (see :mod:`bookbridge.reconcile.matching.adapters`) turn
book rows into targets, so the engine never knows where they came from.

Amounts are signed like statement lines (negative = money out of the account): an expense paid
from the account is a negative target, a refund a positive one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bookbridge.core.errors import UsageError
from bookbridge.core.money import Money


class TargetKind(str, enum.Enum):
    EXPENSE = "expense"
    JOURNAL_LINE = "journal_line"


@dataclass(frozen=True, slots=True)
class Target:
    """A candidate a statement line may settle.

    Attributes:
        amount: signed, in the statement account's currency.
        approximate: the amount was converted from another currency (a foreign card charge, a
            reimbursement of a foreign expense), so it is compared within a tolerance.
        one_to_one: may match a line on its own (a company-card charge does not appear alone
            on the bank statement, only inside the card payment).
        groups: ``(key, label)`` pairs naming the sets this target belongs to for one-to-many
            matching: ``("employee:12", "Dana Reyes")``, ``("card:4444", "card …4444")``,
            ``("report:R-17", "report R-17")``, ``("payroll", "driver pay")``.
    """

    kind: TargetKind
    id: int
    amount: Money
    date: date
    payee: str | None = None
    reference: str | None = None
    employee_id: int | None = None
    approximate: bool = False
    one_to_one: bool = True
    groups: tuple[tuple[str, str], ...] = ()
    # ``(kind, id)``: computed once, because the matcher looks it up about fifty times per target
    # (a property building the tuple through the enum was a tenth of the matcher's time).
    key: tuple[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.kind.value, self.id))


@dataclass(frozen=True, slots=True)
class LineView:
    """What the matcher needs to know about one statement line."""

    id: int
    amount: Money
    booked_date: date
    value_date: date | None = None
    payee: str | None = None
    memo: str | None = None
    reference: str | None = None


class Band(str, enum.Enum):
    AUTO = "auto"        # accepted without asking when matching runs with --auto
    SUGGEST = "suggest"  # shown to a person to accept or reject
    NONE = "none"        # not good enough to show


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Knobs of the matcher; every threshold is configurable per book (setting ``reconcile.matching``).

    Attributes:
        window_days: how far apart a line and a target's dates may be (both ways).
        auto_threshold: score from which a unique, unambiguous candidate is accepted automatically.
        suggest_threshold: score from which a candidate is shown as a suggestion.
        margin: how far ahead of any real competitor the best candidate must be to auto-accept.
        auto_min_payee: the payee similarity a single match needs to be auto-accepted (unless
            the references agree): amount and date alone never decide without a person.
        fx_tolerance: relative difference allowed for converted (foreign-currency) amounts.
        lookback_days: how far before a settling payment its expenses may lie (one-to-many).
        max_subset: the bounded candidate set for the subset-sum search (closest in date).
    """

    window_days: int = 4
    auto_threshold: float = 0.85
    suggest_threshold: float = 0.55
    margin: float = 0.08
    auto_min_payee: float = 0.75
    fx_tolerance: Decimal = Decimal("0.03")
    lookback_days: int = 45
    max_subset: int = 20

    def __post_init__(self) -> None:
        if self.window_days < 0 or self.lookback_days < 0:
            raise UsageError("Matching windows must be zero or more days.")
        if not 0 <= self.auto_min_payee <= 1 or not 0 <= self.margin <= 1:
            raise UsageError("auto_min_payee and margin must be fractions between 0 and 1.")
        if not 0 <= self.suggest_threshold <= self.auto_threshold <= 1:
            raise UsageError("Matching thresholds must satisfy 0 <= suggest <= auto <= 1.")
        if not Decimal(0) <= self.fx_tolerance < Decimal(1):
            raise UsageError("The foreign-currency tolerance must be a fraction between 0 and 1 (0.03 is 3 %).")
        if not 2 <= self.max_subset <= 26:
            raise UsageError("max_subset must be between 2 and 26 (the search doubles with each one).")

    def band(self, score: float) -> Band:
        if score >= self.auto_threshold:
            return Band.AUTO
        if score >= self.suggest_threshold:
            return Band.SUGGEST
        return Band.NONE


@dataclass(frozen=True, slots=True)
class Proposal:
    """The matcher's answer for one statement line: its targets, score, band and reasons."""

    line_id: int
    targets: tuple[Target, ...]
    score: float
    band: Band
    shape: str  # one_to_one | one_to_many
    explanation: str
    competitors: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def target_keys(self) -> frozenset[tuple[str, int]]:
        return frozenset(t.key for t in self.targets)
