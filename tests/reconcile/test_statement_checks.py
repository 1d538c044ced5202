"""Balance checks, gap detection and line identities: pure properties, checked with hypothesis."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.core.money import Money
from bookbridge.reconcile.statements.checks import BalanceOutcome, StatementSpan, check_balance, find_gaps
from bookbridge.reconcile.statements.identity import line_keys
from bookbridge.reconcile.statements.model import AccountKind, AccountRef, StatementData, StatementLineData

ACCOUNT = AccountRef("DE02120300000000202051", AccountKind.BANK, "EUR")
cents = st.integers(min_value=-500_000, max_value=500_000)


def _line(day: int, minor: int, payee: str = "X", bank_id: str | None = None) -> StatementLineData:
    return StatementLineData(date(2026, 1, 1) + timedelta(days=day), Money.from_minor(minor, "EUR"), bank_id=bank_id,
                             bank_id_kind="fitid" if bank_id else None, payee=payee)


def _statement(lines, opening: int | None, closing: int | None) -> StatementData:
    as_money = lambda minor: None if minor is None else Money.from_minor(minor, "EUR")  # noqa: E731
    return StatementData(ACCOUNT, "EUR", tuple(lines), opening=as_money(opening), closing=as_money(closing))


@settings(deadline=None)
@given(st.lists(cents, max_size=30), cents)
def test_balanced_statement_checks_ok(amounts: list[int], opening: int) -> None:
    """opening + lines == closing always passes, whatever the lines."""
    lines = [_line(i % 28, a) for i, a in enumerate(amounts)]
    check = check_balance(_statement(lines, opening, opening + sum(amounts)))
    assert check.outcome is BalanceOutcome.OK and check.difference.is_zero()


@settings(deadline=None)
@given(st.lists(cents, max_size=30), cents, cents.filter(lambda d: d != 0))
def test_off_balance_reports_the_exact_difference(amounts: list[int], opening: int, error: int) -> None:
    """A closing balance off by any amount is a mismatch whose difference is exactly that amount."""
    lines = [_line(i % 28, a) for i, a in enumerate(amounts)]
    check = check_balance(_statement(lines, opening, opening + sum(amounts) + error))
    assert check.outcome is BalanceOutcome.MISMATCH and check.difference == Money.from_minor(error, "EUR")


def test_closing_only_derives_opening() -> None:
    """With only a closing balance the opening is closing minus the lines, flagged as derived."""
    check = check_balance(_statement([_line(0, -2500), _line(1, 1000)], None, 10_000))
    assert check.outcome is BalanceOutcome.UNCHECKED and check.opening_derived
    assert check.opening == Money(Decimal("115.00"), "EUR")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cents, max_size=5), min_size=3, max_size=8), cents, st.data())
def test_removing_a_statement_from_a_chain_shows_exactly_its_movement(months, start, data) -> None:
    """Consecutive statements with continuous balances have no gap; drop one and the gap is its net movement."""
    spans, balance = [], start
    for number, amounts in enumerate(months):
        first = date(2026, 1, 1) + timedelta(days=31 * number)
        closing = balance + sum(amounts)
        spans.append(StatementSpan(f"s{number}", first, first + timedelta(days=30), Money.from_minor(balance, "EUR"),
                                   Money.from_minor(closing, "EUR")))
        balance = closing
    assert find_gaps(spans) == []
    dropped = data.draw(st.integers(min_value=1, max_value=len(spans) - 2))
    gaps = find_gaps(spans[:dropped] + spans[dropped + 1:])
    movement = sum(months[dropped])
    if movement:
        (gap,) = gaps
        assert gap.kind == "balance" and gap.missing == Money.from_minor(movement, "EUR")
    else:
        assert gaps == []  # nothing moved: the balances still join


def test_missing_days_without_balances_are_a_date_gap() -> None:
    """Without balances, days no statement covers are reported with their first and last day."""
    spans = [StatementSpan("jan", date(2026, 1, 1), date(2026, 1, 31), None, None),
             StatementSpan("mar", date(2026, 3, 1), date(2026, 3, 31), None, None)]
    (gap,) = find_gaps(spans)
    assert (gap.kind, gap.missing_from, gap.missing_to) == ("dates", date(2026, 2, 1), date(2026, 2, 28))


def test_overlapping_statements_are_not_compared() -> None:
    """Overlapping downloads sit at different moments: no gap is claimed between them."""
    spans = [StatementSpan("a", date(2026, 1, 1), date(2026, 1, 20), None, Money.from_minor(100, "EUR")),
             StatementSpan("b", date(2026, 1, 15), date(2026, 1, 31), Money.from_minor(999, "EUR"), None)]
    assert find_gaps(spans) == []


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([-450, -1000, 2500]), st.sampled_from(["CAFE", "FUEL"])),
                max_size=25))
def test_content_keys_are_unique_and_stable(rows) -> None:
    """Lines without bank ids get distinct keys within a file, and the same keys when read again."""
    lines = [_line(day, minor, payee) for day, minor, payee in rows]
    keys = line_keys(_statement(lines, None, None))
    assert len({k for k, _ in keys}) == len(lines)
    assert keys == line_keys(_statement(list(lines), None, None))


def test_bank_ids_win_over_content() -> None:
    """A line with a FITID is known by it, whatever its content."""
    keys = line_keys(_statement([_line(0, -100, bank_id="F-1"), _line(0, -100)], None, None))
    assert keys[0] == ("F-1", "fitid") and keys[1][1] == "content"
