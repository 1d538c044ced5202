"""The pure matcher: scores, explanations, bands, one-to-many, near misses, rejections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.core.money import Money
from bookbridge.reconcile.matching.engine import match_lines
from bookbridge.reconcile.matching.index import TargetIndex
from bookbridge.reconcile.matching.model import Band, LineView, MatchSettings, Target, TargetKind
from bookbridge.reconcile.matching.scoring import clean_payee, payee_similarity

DAY = date(2026, 3, 10)


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def line(n: int, amount: str, day: date = DAY, payee: str | None = None, **kw) -> LineView:
    return LineView(n, usd(amount), day, payee=payee, **kw)


def expense(n: int, amount: str, day: date = DAY, payee: str | None = None, **kw) -> Target:
    return Target(TargetKind.EXPENSE, n, usd(amount), day, payee, **kw)


def test_exact_match_is_auto_with_plain_explanation() -> None:
    """Exact amount, a day apart, similar payee: auto band and the reasons in words."""
    (proposal,) = match_lines([line(1, "-85.40", DAY, "SQ *PILOT TRAVEL CTR #0412")],
                              [expense(7, "-85.40", DAY - timedelta(days=1), "Pilot Travel Center")])
    assert proposal.band is Band.AUTO and proposal.shape == "one_to_one"
    assert proposal.target_keys == {("expense", 7)}
    assert proposal.explanation.startswith("amount exact, 1 day apart, payee ")
    assert "% similar" in proposal.explanation


def test_outside_the_date_window_there_is_no_candidate() -> None:
    """Five days apart with the default ±4-day window: nothing is proposed."""
    proposals = match_lines([line(1, "-85.40", DAY, "PILOT")], [expense(7, "-85.40", DAY - timedelta(days=5), "Pilot")])
    assert proposals == []


def test_window_is_configurable() -> None:
    """A 7-day window lets the same pair through, as a lower-scoring match."""
    proposals = match_lines([line(1, "-85.40", DAY, "PILOT")], [expense(7, "-85.40", DAY - timedelta(days=5), "Pilot")],
                            MatchSettings(window_days=7))
    assert [p.target_keys for p in proposals] == [{("expense", 7)}]
    assert "5 days apart" in proposals[0].explanation


def test_amount_off_by_a_cent_is_not_a_match() -> None:
    """Exact means exact in the account currency: 85.41 never matches 85.40."""
    assert match_lines([line(1, "-85.41", DAY, "PILOT")], [expense(7, "-85.40", DAY, "Pilot")]) == []


def test_foreign_charge_matches_within_tolerance_but_not_beyond() -> None:
    """A converted amount 1.5 % off is suggested with the difference named; 4 % off is not a candidate."""
    near = match_lines([line(1, "-211.58", DAY, "HOTEL LUTETIA PARIS")],
                       [expense(3, "-210.00", DAY, "Hotel Lutetia", approximate=True)])
    assert [p.target_keys for p in near] == [{("expense", 3)}]
    assert "amount within 0.8 %" in near[0].explanation
    far = match_lines([line(1, "-218.40", DAY, "HOTEL LUTETIA PARIS")],
                      [expense(3, "-210.00", DAY, "Hotel Lutetia", approximate=True)])
    assert far == []


def test_near_miss_same_amount_other_payee_is_only_suggested() -> None:
    """Same amount and day but a different merchant: a suggestion at most, never automatic."""
    (proposal,) = match_lines([line(1, "-20.00", DAY, "WIRE TRANSFER")], [expense(4, "-20.00", DAY, "Pioneer Tire")])
    assert proposal.band is Band.SUGGEST and "too different" in proposal.explanation


def test_missing_payee_cannot_auto_accept() -> None:
    """Without any bank text, amount and date alone leave the decision to a person."""
    (proposal,) = match_lines([line(1, "-42.00", DAY)], [expense(4, "-42.00", DAY, "Staples")])
    assert proposal.band is Band.SUGGEST and "no payee to compare" in proposal.explanation


def test_reference_agreement_lifts_the_score() -> None:
    """An invoice number found in the bank text makes an otherwise weak pair automatic."""
    plain = match_lines([line(1, "-1234.56", DAY, "ACH DEBIT")], [expense(4, "-1234.56", DAY, "Bridgestone")])
    with_ref = match_lines([line(1, "-1234.56", DAY, "ACH DEBIT", reference="INV-88123")],
                           [expense(4, "-1234.56", DAY, "Bridgestone", reference="INV-88123")])
    assert with_ref[0].score > plain[0].score and with_ref[0].band is Band.AUTO
    assert "reference equal" in with_ref[0].explanation


def test_lookalike_with_a_missing_twin_goes_to_a_person() -> None:
    """Two equal coffees a day apart and one bank line between them: suggested, with the rival named."""
    (proposal,) = match_lines([line(1, "-4.50", DAY, "BLUE BOTTLE COFFEE")],
                              [expense(1, "-4.50", DAY - timedelta(days=1), "Blue Bottle Coffee"),
                               expense(2, "-4.50", DAY + timedelta(days=1), "Blue Bottle Coffee")])
    assert proposal.band is Band.SUGGEST and proposal.competitors == 1
    assert "other candidate(s) score within" in proposal.explanation


def test_daily_habit_with_every_twin_present_stays_automatic() -> None:
    """The same coffee each morning, each with its bank line: every pair is unambiguous and automatic."""
    lines = [line(i, "-4.50", DAY + timedelta(days=i), "BLUE BOTTLE COFFEE") for i in range(5)]
    targets = [expense(10 + i, "-4.50", DAY + timedelta(days=i), "Blue Bottle Coffee") for i in range(5)]
    proposals = match_lines(lines, targets)
    assert [p.band for p in proposals] == [Band.AUTO] * 5
    assert [p.target_keys for p in proposals] == [{("expense", 10 + i)} for i in range(5)]


def test_reimbursement_pays_all_open_expenses_of_the_employee() -> None:
    """One bank line paying an employee's three open expenses is a one-to-many match on that employee."""
    group = (("employee:5", "Dana Reyes"),)
    targets = [expense(i, amount, DAY - timedelta(days=10 + i), "Dana Reyes", one_to_one=False, groups=group)
               for i, amount in enumerate(("-55.00", "-84.00", "-12.40"), start=1)]
    (proposal,) = match_lines([line(1, "-151.40", DAY, "REIMBURSEMENT DANA REYES")], targets)
    assert proposal.shape == "one_to_many" and proposal.target_keys == {("expense", 1), ("expense", 2), ("expense", 3)}
    assert proposal.band is Band.AUTO and "settles all 3 open items of Dana Reyes" in proposal.explanation


def test_whole_expense_report_is_found_by_its_total() -> None:
    """A reimbursement equal to one report's total matches that report even if the bank text says little."""
    report = (("report:R-17", "expense report R-17 Dana Reyes"), ("employee:5", "Dana Reyes"))
    other = (("report:R-18", "expense report R-18 Dana Reyes"), ("employee:5", "Dana Reyes"))
    targets = [expense(1, "-40.00", DAY - timedelta(days=9), groups=report),
               expense(2, "-60.00", DAY - timedelta(days=8), groups=report),
               expense(3, "-25.00", DAY - timedelta(days=3), groups=other)]
    (proposal,) = match_lines([line(1, "-100.00", DAY, "ACH 000123")], targets)
    assert proposal.target_keys == {("expense", 1), ("expense", 2)} and "whole expense report R-17" in proposal.explanation


def test_payroll_line_pays_driver_pay() -> None:
    """A payroll debit equal to the week's driver pay settles those items together."""
    payroll = (("payroll", "payroll driver pay"),)
    targets = [expense(i, amount, DAY - timedelta(days=2), one_to_one=False, groups=payroll)
               for i, amount in enumerate(("-1500.00", "-1320.55", "-980.10"), start=1)]
    (proposal,) = match_lines([line(1, "-3800.65", DAY, "ADP PAYROLL 4471")], targets)
    assert proposal.shape == "one_to_many" and len(proposal.targets) == 3


def test_card_payment_settles_a_run_of_charges_as_a_suggestion() -> None:
    """A card payment equal to a run of consecutive charges (not all open ones) is suggested, not automatic."""
    card = (("card:visa 4444", "Visa 4444 card payment"),)
    amounts = ("-10.00", "-20.00", "-30.00", "-41.11", "-5.00")
    targets = [expense(i, a, DAY - timedelta(days=30 - 5 * i), "x", one_to_one=False, groups=card)
               for i, a in enumerate(amounts, start=1)]
    (proposal,) = match_lines([line(1, "-91.11", DAY, "PAYMENT TO VISA 4444 CARD")], targets)
    assert proposal.target_keys == {("expense", i) for i in (2, 3, 4)}
    assert proposal.band is Band.SUGGEST and "consecutive items" in proposal.explanation


def test_subset_sum_finds_non_consecutive_items_as_a_suggestion() -> None:
    """When only a non-consecutive subset adds up, the bounded subset search proposes it for review."""
    group = (("employee:5", "Dana Reyes"),)
    amounts = ("-11.00", "-200.00", "-13.00", "-300.00", "-17.00")
    targets = [expense(i, a, DAY - timedelta(days=20 - i), one_to_one=False, groups=group) for i, a in enumerate(amounts, start=1)]
    (proposal,) = match_lines([line(1, "-41.00", DAY, "DANA REYES EXPENSES")], targets)
    assert proposal.target_keys == {("expense", 1), ("expense", 3), ("expense", 5)}
    assert proposal.band is Band.SUGGEST and "add up to it" in proposal.explanation


def test_group_sum_needs_the_line_to_name_the_group() -> None:
    """A bank fee that happens to equal two items of an employee is not tied to that employee."""
    group = (("employee:5", "Dana Reyes"),)
    targets = [expense(1, "-10.00", DAY - timedelta(days=3), one_to_one=False, groups=group),
               expense(2, "-15.00", DAY - timedelta(days=2), one_to_one=False, groups=group)]
    assert match_lines([line(1, "-25.00", DAY, "MONTHLY SERVICE FEE")], targets) == []


def test_rejected_combination_is_not_proposed_again() -> None:
    """After a person rejects line 1 with expense 7, the matcher does not bring it back."""
    lines, targets = [line(1, "-85.40", DAY, "PILOT")], [expense(7, "-85.40", DAY, "Pilot")]
    assert match_lines(lines, targets, rejected={(1, frozenset({("expense", 7)}))}) == []


def test_candidate_search_is_indexed_not_all_pairs() -> None:
    """Among 2,000 targets, a line sees only the few with its amount within the window."""
    targets = [expense(i, f"-{10 + i}.00", DAY + timedelta(days=i % 30), "Shop") for i in range(2000)]
    found = TargetIndex(targets).candidates(line(1, "-25.00", DAY + timedelta(days=15), "SHOP"), MatchSettings())
    assert [t.id for t in found] == [15]


def test_payee_cleaning_drops_processor_noise() -> None:
    """Card-processor prefixes and store numbers do not count against the merchant's name."""
    assert clean_payee("SQ *BLUE BOTTLE COFFEE #0412") == "blue bottle coffee"
    assert payee_similarity("TST* BLUE BOTTLE COF", "Blue Bottle Coffee") >= 0.85


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(100, 20_000), st.integers(0, 40), st.sampled_from(["Shell", "Pilot", "Staples"])),
                min_size=1, max_size=40),
       st.lists(st.tuples(st.integers(100, 20_000), st.integers(0, 40)), max_size=40))
def test_one_to_one_never_breaks_amount_or_window(expenses, extra_lines) -> None:
    """Whatever the data, an exact one-to-one proposal has equal amounts, dates within the window, and
    no target is used twice."""
    targets = [expense(i, f"-{c / 100:.2f}", DAY + timedelta(days=d), p) for i, (c, d, p) in enumerate(expenses)]
    lines = [line(i, f"-{c / 100:.2f}", DAY + timedelta(days=d + i % 3), p.upper()) for i, (c, d, p) in enumerate(expenses)]
    lines += [line(1000 + i, f"-{c / 100:.2f}", DAY + timedelta(days=d), "OTHER") for i, (c, d) in enumerate(extra_lines)]
    by_line = {ln.id: ln for ln in lines}
    proposals = match_lines(lines, targets)
    used = [k for p in proposals for k in p.target_keys]
    assert len(used) == len(set(used))
    for p in proposals:
        (target,) = p.targets
        assert target.amount == by_line[p.line_id].amount
        assert abs((target.date - by_line[p.line_id].booked_date).days) <= 4
