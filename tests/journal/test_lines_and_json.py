"""Line details (fuel memo, refunded quantities) and the JSON shape of built entries."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from journal_helpers import D, coded

from bookbridge.journal.builder import build_entries
from bookbridge.journal.model import CodedLine, FxRate, PostingType
from bookbridge.journal.reversal import reverse_entry
from bookbridge.journal.serialize import entry_as_dict


def test_fuel_line_memo_names_the_quantity() -> None:
    """A fuel line without its own memo reads '<vendor> <date> (78.5 gal)'."""
    line = CodedLine("Fuel", D("312.45"), quantity=D("78.5"), unit="gal")
    [entry] = build_entries([coded("f", "312.45", line, vendor="Pilot #417", on=date(2024, 3, 1))], "USD")
    assert entry.lines[0].memo == "Pilot #417 2024-03-01 (78.5 gal)"


def test_refunded_fuel_gives_the_quantity_back() -> None:
    """A refund of a fill-up carries a negative quantity, so a batch nets the gallons too."""
    line = CodedLine("Fuel", D("-40.00"), quantity=D("10"), unit="gal")
    [entry] = build_entries([coded("r", "-40.00", line)], "USD")
    fuel = next(l for l in entry.lines if l.account == "Fuel")
    assert (fuel.credit, fuel.quantity) == (D("40.00"), D("-10"))


def test_json_shape_of_a_foreign_entry() -> None:
    """The preview JSON has decimal strings with the currency's decimals, dimensions as an object, the rate kept."""
    rate = FxRate("EUR", "USD", D("1.076923"), date(2024, 3, 11), "ECB")
    expense = coded("paris", "195.00", CodedLine("Lodging", D("195.00"), {"class": "Truck 12"}),
                    posting=PostingType.BANK, credit="Bank", currency="EUR", rate=rate, template_version=4,
                    on=date(2024, 3, 11))
    [entry] = build_entries([expense], "USD")
    data = json.loads(json.dumps(entry_as_dict(entry)), parse_float=Decimal)
    assert (data["date"], data["currency"], data["template_version"]) == ("2024-03-11", "EUR", 4)
    assert [(l["account"], l["debit"], l["credit"], l["home_debit"], l["home_credit"]) for l in data["lines"]] == [
        ("Lodging", "195.00", "0.00", "210.00", "0.00"), ("Bank", "0.00", "195.00", "0.00", "210.00")]
    assert data["lines"][0]["dimensions"] == {"class": "Truck 12"}
    assert (data["lines"][0]["rate"], data["lines"][0]["rate_source"], data["lines"][0]["rate_date"]) == (
        "1.076923", "ECB", "2024-03-11")


def test_json_of_a_yen_entry_has_no_decimals() -> None:
    """JPY amounts print as whole yen, zero sides as '0'."""
    [entry] = build_entries([coded("j", "1868", currency="JPY")], "JPY")
    data = entry_as_dict(entry)
    assert [(l["debit"], l["credit"]) for l in data["lines"]] == [("1868", "0"), ("0", "1868")]


def test_json_of_a_reversal_names_the_original() -> None:
    """A reversal's JSON carries reverses_key."""
    [entry] = build_entries([coded("x", "10.00")], "USD")
    assert entry_as_dict(reverse_entry(entry))["reverses_key"] == entry.key
