"""Balance checks and gap detection: pure functions over statements, no database.

* :func:`check_balance` tests ``opening + sum(lines) == closing`` for one statement. OFX gives
  only a closing balance: the opening is then derived (and flagged) so the next check can use it.
* :func:`find_gaps` walks one account's statements in date order and reports where the money or
  the dates do not join up. Equal balances across a stretch of dates with no statement mean
  nothing moved, so that is not a gap; a balance jump means movements are missing; when either
  balance is unknown, missing days are reported instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from bookbridge.core.money import Money, total
from bookbridge.reconcile.statements.model import StatementData


class BalanceOutcome(str, enum.Enum):
    OK = "ok"
    MISMATCH = "mismatch"
    UNCHECKED = "unchecked"


@dataclass(frozen=True, slots=True)
class BalanceCheck:
    """The result of checking one statement's balances against its lines.

    Attributes:
        difference: ``closing - (opening + lines)`` when both balances are stated, else None.
        opening_derived: the opening was computed from the closing balance and the lines.
    """

    outcome: BalanceOutcome
    opening: Money | None
    closing: Money | None
    lines_total: Money
    difference: Money | None
    opening_derived: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.outcome.value,
            "opening": None if self.opening is None else str(self.opening.amount),
            "opening_derived": self.opening_derived,
            "closing": None if self.closing is None else str(self.closing.amount),
            "lines_total": str(self.lines_total.amount),
            "difference": None if self.difference is None else str(self.difference.amount),
            "message": self.message,
        }


def check_balance(statement: StatementData) -> BalanceCheck:
    """Check a statement's stated balances against the sum of its lines."""
    lines_total = total((line.amount for line in statement.lines), statement.currency)
    opening, closing = statement.opening, statement.closing
    if opening is not None and closing is not None:
        expected = opening + lines_total
        difference = closing - expected
        if difference.is_zero():
            return BalanceCheck(BalanceOutcome.OK, opening, closing, lines_total, difference, False,
                                f"opening {opening} + lines {lines_total} = closing {closing}")
        return BalanceCheck(
            BalanceOutcome.MISMATCH, opening, closing, lines_total, difference, False,
            f"balances do not agree with the lines: opening {opening} + lines {lines_total} = {expected}, "
            f"but the bank states a closing balance of {closing} (difference {difference})",
        )
    if closing is not None:
        return BalanceCheck(BalanceOutcome.UNCHECKED, closing - lines_total, closing, lines_total, None, True,
                            "only a closing balance is stated; the opening balance is derived from it")
    return BalanceCheck(BalanceOutcome.UNCHECKED, opening, None, lines_total, None, False,
                        "no closing balance is stated, so the balance cannot be checked")


@dataclass(frozen=True, slots=True)
class StatementSpan:
    """What gap detection needs to know about one stored statement."""

    label: str
    period_start: date | None
    period_end: date | None
    opening: Money | None
    closing: Money | None


@dataclass(frozen=True, slots=True)
class Gap:
    """A break between two consecutive statements of one account.

    Attributes:
        kind: ``balance`` (money is missing) or ``dates`` (days are missing, balances unknown).
        missing: the amount of the missing movements, for a balance gap.
    """

    kind: str
    before: str
    after: str
    missing_from: date | None
    missing_to: date | None
    missing: Money | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "missing_from": self.missing_from,
            "missing_to": self.missing_to,
            "missing": None if self.missing is None else str(self.missing.amount),
            "message": self.message,
        }


def find_gaps(spans: list[StatementSpan]) -> list[Gap]:
    """Breaks between consecutive statements of one account (sorted here by period).

    Each statement is compared with the one reaching furthest before it; overlapping statements
    (common with OFX downloads) are not compared, since their balances sit at different moments.
    """
    dated = sorted((s for s in spans if s.period_start and s.period_end), key=lambda s: (s.period_start, s.period_end))
    gaps: list[Gap] = []
    if not dated:
        return gaps
    before = dated[0]
    for after in dated[1:]:
        assert before.period_end is not None and after.period_start is not None and after.period_end is not None
        if after.period_start <= before.period_end:
            if after.period_end >= before.period_end:
                before = after
            continue
        gap = _gap_between(before, after)
        if gap is not None:
            gaps.append(gap)
        before = after
    return gaps


def _gap_between(before: StatementSpan, after: StatementSpan) -> Gap | None:
    assert before.period_end is not None and after.period_start is not None
    first_missing = before.period_end + timedelta(days=1)
    last_missing = after.period_start - timedelta(days=1)
    if before.closing is not None and after.opening is not None:
        missing = after.opening - before.closing
        if missing.is_zero():
            return None  # the money joins up: nothing moved in between
        return Gap(
            "balance", before.label, after.label, first_missing, last_missing, missing,
            f"{after.label} opens at {after.opening} but {before.label} closed at {before.closing}: "
            f"movements of {missing} are missing between {before.period_end} and {after.period_start}",
        )
    if first_missing <= last_missing:
        return Gap(
            "dates", before.label, after.label, first_missing, last_missing, None,
            f"no statement covers {first_missing} to {last_missing} (between {before.label} and {after.label})",
        )
    return None
