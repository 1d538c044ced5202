"""Reversing entries: linked to the original, lines mirrored, net zero on every account."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from journal_helpers import D, coded, rows

from bookbridge.journal.builder import build_entries
from bookbridge.journal.model import CodedLine, FxRate
from bookbridge.journal.reversal import reverse_entry, reversal_key


def _hotel():
    rate = FxRate("EUR", "USD", D("1.076923"), date(2024, 3, 11), "ECB")
    return build_entries([coded("h", "195.00", CodedLine("Lodging", D("195.00"), {"class": "Truck 12"}),
                                currency="EUR", rate=rate)], "USD")[0]


def test_reversal_swaps_debits_and_credits() -> None:
    """Dr Fuel / Cr Visa becomes Dr Visa / Cr Fuel."""
    [entry] = build_entries([coded("f", "85.40", CodedLine("Fuel", D("85.40")))], "USD")
    assert rows(reverse_entry(entry)) == [("Visa 4444", "85.40", "0.00"), ("Fuel", "0.00", "85.40")]


def test_reversal_links_to_the_original() -> None:
    """The reversal names the original's key and has its own deterministic key."""
    entry = _hotel()
    reversal = reverse_entry(entry, on=date(2024, 4, 1))
    assert (reversal.reverses_key, reversal.key, reversal.date) == (entry.key, reversal_key(entry.key), date(2024, 4, 1))
    assert reversal.memo.startswith("Reversal of ")


def test_original_plus_reversal_nets_to_zero_per_account_in_both_currencies() -> None:
    """Summing the original and its reversal by account gives zero in EUR and in USD."""
    entry = _hotel()
    net: dict[str, list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
    for line in (*entry.lines, *reverse_entry(entry).lines):
        net[line.account][0] += line.amount
        net[line.account][1] += line.home_amount
    assert dict(net) == {"Lodging": [D(0), D(0)], "Visa 4444": [D(0), D(0)]}


def test_reversal_keeps_rates_dimensions_and_lineage() -> None:
    """Everything but the sides is carried over: rate, class, source expenses."""
    entry = _hotel()
    reversal = reverse_entry(entry)
    original_lodging = next(l for l in entry.lines if l.account == "Lodging")
    reversed_lodging = next(l for l in reversal.lines if l.account == "Lodging")
    assert (reversed_lodging.rate, reversed_lodging.dimensions, reversed_lodging.source_expense_keys) == (
        original_lodging.rate, original_lodging.dimensions, original_lodging.source_expense_keys)
    assert reversal.is_balanced()
