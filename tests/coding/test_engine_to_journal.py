"""What the engine codes, the journal builder accepts: balanced entries, no contract errors."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.coding.conditions import TextCondition
from bookbridge.coding.engine import code_expense
from bookbridge.coding.rules import RuleSpec, Split, SplitPart
from bookbridge.journal.builder import build_journal
from bookbridge.journal.validation import Severity
from template_helpers import fleet_spec, version, view

D = Decimal
SPLIT_SHELL = RuleSpec(
    "split-shell", 10, TextCondition("vendor", "equals", "Shell"),
    (Split("percent", (SplitPart(D(60), dimensions={"class": "Truck 12"}), SplitPart(D(40), dimensions={"class": "Truck 7"}))),),
)

expenses = st.builds(
    lambda i, amount, kind, vendor: view(
        str(amount), ident=str(i), vendor=vendor, employee="Ann",
        **{
            "fuel": dict(category="Fuel", fields={"vehicle_id": "Truck 12", "litres": "40.5"}),
            "meal": dict(category="Meals", payment="reimbursable"),
            "mileage": dict(category="Mileage", payment="reimbursable", fields={"miles": str(abs(amount))}),
            "driver": dict(category="Driver pay", payment="bank"),
        }[kind],
    ),
    st.integers(1, 10_000),
    st.decimals(min_value=D("-500"), max_value=D("5000"), places=2).filter(lambda a: a != 0),
    st.sampled_from(["fuel", "meal", "mileage", "driver"]),
    st.sampled_from(["Shell", "BP", "Bistro"]),
)


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(expenses, min_size=1, max_size=6, unique_by=lambda e: e.id))
def test_coded_expenses_build_balanced_entries(batch) -> None:
    """Any mix of fuel (with splits), taxed meals, mileage and driver pay builds balanced entries with no errors."""
    outcomes = [code_expense(version(), (SPLIT_SHELL,), expense) for expense in batch]
    coded = [o.coded for o in outcomes if o.coded is not None]
    assert len(coded) == len(batch)
    result = build_journal(coded, "USD")
    assert [i for i in result.issues if i.severity is Severity.ERROR] == []
    assert all(entry.is_balanced() for entry in result.entries)
    assert all(entry.template_versions == (1,) for entry in result.entries)


def test_fuel_on_the_card_gives_the_primer_entry() -> None:
    """Fuel 85.40 on Visa 4444 for Truck 12 posts Dr 6100 [class Truck 12] / Cr 2210 (ACCOUNTING.md example 1)."""
    outcome = code_expense(version(), (), view("85.40", fields={"vehicle_id": "Truck 12"}))
    assert outcome.coded is not None
    (entry,) = build_journal([outcome.coded], "USD").entries
    assert [(l.account, l.debit, l.credit, dict(l.dimensions)) for l in entry.lines] == [
        ("6100", D("85.40"), D("0"), {"class": "Truck 12"}),
        ("2210", D("0"), D("85.40"), {}),
    ]


def test_half_recoverable_meal_gives_the_primer_entry() -> None:
    """A 55.00 meal at 10 % VAT, half recoverable, posts 52.50 + 2.50 against the employee payable (example 7)."""
    spec = fleet_spec()
    outcome = code_expense(version(spec), (), view("55.00", category="Meals", payment="reimbursable", employee="Ann"))
    assert outcome.coded is not None
    (entry,) = build_journal([outcome.coded], "USD").entries
    assert sorted((l.account, l.debit, l.credit) for l in entry.lines) == [
        ("1400", D("2.50"), D("0")), ("2100", D("0"), D("55.00")), ("6200", D("52.50"), D("0")),
    ]
