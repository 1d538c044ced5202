"""The coding engine: mapping choice, posting types and credit accounts, tax, quantities,
custom-field dimensions and lines, unmapped grouping and version selection."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bookbridge.coding.coded import EntityKind, LineKind, PostingType
from bookbridge.coding.engine import code_expense, code_with_versions, find_mapping
from bookbridge.coding.outcome import ProblemKind, group_problems
from bookbridge.coding.spec import (
    CreditAccounts,
    FieldLineSpec,
    MappingSpec,
    TaxCodeSpec,
    TemplateVersionSpec,
    select_version,
)
from bookbridge.coding.tax import TaxMode, split_line_tax
from bookbridge.core.money import Money
from template_helpers import fleet_spec, version, view

D = Decimal


def test_most_specific_mapping_wins() -> None:
    """A vendor-narrowed mapping beats the plain category mapping; others fall back to the plain one."""
    spec = fleet_spec(mappings=(MappingSpec("Fuel", "6100"), MappingSpec("Fuel", "6150", vendor="shell")))
    assert find_mapping(spec, view(vendor="SHELL")).account == "6150"  # type: ignore[union-attr]
    assert find_mapping(spec, view(vendor="BP")).account == "6100"  # type: ignore[union-attr]


def test_mapping_narrowed_by_payment_method_and_field() -> None:
    """Payment-method and custom-field narrowing each select their own mapping."""
    spec = fleet_spec(mappings=(
        MappingSpec("Fuel", "6100"),
        MappingSpec("Fuel", "6110", payment_method="reimbursable"),
        MappingSpec("Fuel", "6120", field_name="vehicle_type", field_value="Reefer"),
    ))
    assert find_mapping(spec, view(payment="reimbursable")).account == "6110"  # type: ignore[union-attr]
    assert find_mapping(spec, view(fields={"vehicle_type": "reefer"})).account == "6120"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("payment", "card", "posting", "credit"),
    [
        ("company_card", "Visa 4444", PostingType.COMPANY_CARD, "2210"),  # the card's own account
        ("company_card", "Amex 1001", PostingType.COMPANY_CARD, "2200"),  # an unlisted card: the default
        ("reimbursable", None, PostingType.REIMBURSABLE, "2100"),
        ("cash", None, PostingType.CASH, "1010"),
        ("bank", None, PostingType.BANK, "1000"),
    ],
)
def test_payment_method_decides_the_credit(payment: str, card: str | None, posting: PostingType, credit: str) -> None:
    """Who paid picks the posting type and the credit account (ACCOUNTING.md table)."""
    outcome = code_expense(version(), (), view(payment=payment, card=card, employee="Ann", fields={"vehicle_id": "T12"}))
    assert outcome.coded is not None
    assert (outcome.coded.posting_type, outcome.coded.credit_account) == (posting, credit)


def test_reimbursable_credit_is_booked_against_the_employee() -> None:
    """Employee-paid spend credits the payable with the employee as entity."""
    outcome = code_expense(version(), (), view("55.00", category="Meals", payment="reimbursable", employee="Ann Driver"))
    assert outcome.coded is not None
    assert outcome.coded.credit_entity is not None
    assert (outcome.coded.credit_entity.name, outcome.coded.credit_entity.kind) == ("Ann Driver", EntityKind.EMPLOYEE)


def test_unlisted_card_without_default_is_a_problem() -> None:
    """No account for the card and no default card account: the problem names the card."""
    spec = fleet_spec(credit_accounts=CreditAccounts(reimbursable="2100", cards={"Visa 4444": "2210"}))
    outcome = code_expense(version(spec), (), view(card="Amex 1001", fields={"vehicle_id": "T12"}))
    assert outcome.coded is None
    assert [(p.kind, p.subject) for p in outcome.problems] == [(ProblemKind.NO_CREDIT_ACCOUNT, "card 'Amex 1001'")]


def test_capitalised_tyres_on_a_bill() -> None:
    """An asset mapping crediting A/P gives asset lines, the asset posting type and the vendor entity."""
    spec = fleet_spec(mappings=(
        MappingSpec("Tyres", "1600", posting_type=PostingType.ASSET, credit_account="2000", dimension_fields={"class": "vehicle_id"}),
    ))
    outcome = code_expense(version(spec), (), view("1234.56", category="Tyres", vendor="Bridgestone", payment="bank",
                                                   fields={"vehicle_id": "Truck 12"}))
    coded = outcome.coded
    assert coded is not None and coded.posting_type is PostingType.ASSET and coded.credit_account == "2000"
    assert coded.lines[0].kind is LineKind.ASSET and coded.lines[0].dimensions == {"class": "Truck 12"}
    assert coded.credit_entity is not None and coded.credit_entity.kind is EntityKind.VENDOR


def test_driver_pay_credits_payroll_clearing_without_entity() -> None:
    """An explicit credit account that is not A/P or the payable carries no entity."""
    outcome = code_expense(version(), (), view("1500.00", category="Driver pay", payment="reimbursable", employee="Ann"))
    assert outcome.coded is not None
    assert (outcome.coded.posting_type, outcome.coded.credit_account) == (PostingType.EXPENSE, "2300")
    assert outcome.coded.credit_entity is None


def test_mapping_tax_code_and_recoverable_override() -> None:
    """Meals get VAT10 with the mapping's 50 % recoverable: 55.00 → 52.50 + 2.50 (example 7)."""
    outcome = code_expense(version(), (), view("55.00", category="Meals", payment="reimbursable", employee="Ann"))
    assert outcome.coded is not None
    line = outcome.coded.lines[0]
    assert line.tax is not None and (line.tax.code, line.tax.recoverable, line.tax.recoverable_account) == ("VAT10", D("0.5"), "1400")
    split = split_line_tax(line.amount, line.tax, "USD")
    assert (split.expense, split.recoverable) == (D("52.50"), D("2.50"))


def test_exclusive_tax_line_is_net_of_the_stated_tax() -> None:
    """With an exclusive tax code the line is paid minus stated tax, and the credit is the paid total."""
    spec = fleet_spec(
        tax_codes={"ST825": TaxCodeSpec("ST825", D("0.0825"), TaxMode.EXCLUSIVE)},
        mappings=(MappingSpec("Office supplies", "6600", tax_code="ST825"),),
    )
    expense = replace(view("108.25", category="Office supplies"), tax=Money(D("8.25"), "USD"))
    outcome = code_expense(version(spec), (), expense)
    assert outcome.coded is not None
    assert outcome.coded.lines[0].amount == D("100.00") and outcome.coded.amount == D("108.25")
    assert outcome.review_flags == ()


def test_unknown_tax_code_is_a_problem() -> None:
    """A mapping naming a tax code the template lacks cannot code."""
    spec = fleet_spec(mappings=(MappingSpec("Meals", "6200", tax_code="GST"),))
    outcome = code_expense(version(spec), (), view(category="Meals"))
    assert [p.kind for p in outcome.problems] == [ProblemKind.UNKNOWN_TAX_CODE]


def test_mileage_is_priced_from_the_miles_field() -> None:
    """120 miles at 0.70 is 84.00 with memo "120 mi @ 0.70" (example 3)."""
    outcome = code_expense(version(), (), view("84.00", category="Mileage", payment="reimbursable", employee="Ann", fields={"miles": "120"}))
    assert outcome.coded is not None
    line = outcome.coded.lines[0]
    assert (line.amount, line.memo, line.quantity, line.unit) == (D("84.00"), "120 mi @ 0.70", D("120"), "mi")
    assert outcome.review_flags == ()


def test_mileage_that_disagrees_with_the_source_is_flagged() -> None:
    """When miles × rate differs from the amount the source claimed, the line uses miles × rate and flags it."""
    outcome = code_expense(version(), (), view("90.00", category="Mileage", payment="reimbursable", fields={"miles": "120"}))
    assert outcome.coded is not None and outcome.coded.amount == D("84.00")
    assert any("differs from the source amount 90.00" in flag for flag in outcome.review_flags)


def test_missing_quantity_field_is_a_problem() -> None:
    """A priced quantity needs its field: without miles the expense cannot be coded."""
    outcome = code_expense(version(), (), view("84.00", category="Mileage", payment="reimbursable"))
    assert [(p.kind, p.subject) for p in outcome.problems] == [(ProblemKind.MISSING_FIELD, "miles")]


def test_fuel_litres_kept_as_quantity_and_vehicle_as_class() -> None:
    """Fuel keeps the amount paid, litres as quantity/memo, and the vehicle id as the class."""
    outcome = code_expense(version(), (), view("85.40", fields={"litres": "45.5", "vehicle_id": "Truck 12"}))
    assert outcome.coded is not None
    line = outcome.coded.lines[0]
    assert (line.amount, line.quantity, line.unit, line.memo) == (D("85.40"), D("45.5"), "L", "45.5 L")
    assert line.dimensions == {"class": "Truck 12"}


def test_field_line_adds_its_own_line() -> None:
    """A field line turns trip miles into an extra mileage line beside the driver pay."""
    spec = fleet_spec(mappings=(
        MappingSpec("Driver pay", "6400", posting_type=PostingType.EXPENSE, credit_account="2300",
                    field_lines=(FieldLineSpec("miles", "mi", "6300", rate=D("0.70")),)),
    ))
    outcome = code_expense(version(spec), (), view("1500.00", category="Driver pay", payment="bank", fields={"miles": "100"}))
    assert outcome.coded is not None
    assert [(l.account, l.amount) for l in outcome.coded.lines] == [("6400", D("1500.00")), ("6300", D("70.00"))]
    assert outcome.coded.amount == D("1570.00")


def test_unmapped_category_is_grouped_by_what_is_missing() -> None:
    """Three Tolls expenses give one actionable line naming the category, template and version."""
    v4 = version(number=4)
    outcomes = [code_expense(v4, (), view("5.00", category="Tolls", ident=str(i))) for i in range(3)]
    outcomes.append(code_expense(v4, (), view("5.00", category="Parking", ident="9")))
    groups = group_problems(outcomes)
    assert [g.message for g in groups] == [
        "3 expenses: category 'Tolls' has no account in template 'Fleet', version 4",
        "1 expense: category 'Parking' has no account in template 'Fleet', version 4",
    ]
    assert groups[0].expense_ids == ("0", "1", "2")
    assert all(o.coded is None for o in outcomes)


def test_expense_without_category_is_a_problem() -> None:
    """An expense with no category and no rule giving one cannot be coded."""
    outcome = code_expense(version(), (), view(category=None))
    assert [p.kind for p in outcome.problems] == [ProblemKind.NO_CATEGORY]


def test_version_in_effect_is_the_newest_effective_on_the_date() -> None:
    """Each expense gets the highest-numbered version effective on or before its date."""
    v1 = TemplateVersionSpec(1, fleet_spec(effective_from=date(2026, 1, 1)))
    v2 = TemplateVersionSpec(2, fleet_spec(effective_from=date(2026, 3, 1)))
    v3 = TemplateVersionSpec(3, fleet_spec(effective_from=date(2026, 2, 1)))  # back-dated correction
    versions = [v1, v2, v3]
    assert select_version(versions, date(2026, 1, 15)) is v1
    assert select_version(versions, date(2026, 2, 15)) is v3
    assert select_version(versions, date(2026, 3, 15)) is v3
    assert select_version(versions, date(2025, 12, 31)) is None


def test_coding_records_the_version_and_rules() -> None:
    """The coded expense carries the version number that coded it."""
    versions = [TemplateVersionSpec(1, fleet_spec()), TemplateVersionSpec(2, fleet_spec(effective_from=date(2026, 2, 1)))]
    early = code_with_versions(versions, view(day=date(2026, 1, 20), fields={"vehicle_id": "T1"}))
    late = code_with_versions(versions, view(day=date(2026, 2, 20), fields={"vehicle_id": "T1"}))
    assert (early.template_version, early.coded.template_version) == (1, 1)  # type: ignore[union-attr]
    assert (late.template_version, late.coded.template_version) == (2, 2)  # type: ignore[union-attr]


def test_expense_before_every_version_is_a_problem() -> None:
    """An expense dated before the first effective date cannot be coded and says why."""
    outcome = code_with_versions([version()], view(day=date(2025, 6, 1)))
    assert outcome.problems[0].kind is ProblemKind.NO_TEMPLATE_VERSION
    assert "2025-06-01" in outcome.problems[0].message
