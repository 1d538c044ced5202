"""Every worked example of ACCOUNTING.md, each as its own test, expected figures copied from the primer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from journal_helpers import D, coded, home_rows, rows

from bookbridge.coding.perdiem import ExcessPolicy, PerDiemRate, apply_per_diem, split_line_for_per_diem
from bookbridge.core.money import Money, allocate
from bookbridge.journal.builder import build_entries
from bookbridge.journal.model import (
    CodedLine,
    Entity,
    EntityKind,
    FxRate,
    Grouping,
    LineKind,
    LineRole,
    PostingType,
    TaxMode,
    TaxTreatment,
    quantity_line,
)
from bookbridge.journal.settlement import SettlementAccounts, build_fx_settlement

ANN = Entity("Ann Driver", EntityKind.EMPLOYEE)


def only(entries: list) -> object:
    assert len(entries) == 1
    return entries[0]


def test_example_1_fuel_on_company_card() -> None:
    """Fuel 85.40 on the card: Dr Fuel [class Truck 12] / Cr Visa 4444."""
    expense = coded("fuel", "85.40", CodedLine("Fuel expense", D("85.40"), {"class": "Truck 12"}))
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [("Fuel expense", "85.40", "0.00"), ("Visa 4444", "0.00", "85.40")]
    assert entry.lines[0].dimensions == {"class": "Truck 12"}
    assert entry.lines[1].dimensions == {}


def test_example_2_refund_reverses_the_sides() -> None:
    """A -23.99 card refund: Dr Visa 4444 / Cr Office supplies."""
    expense = coded("refund", "-23.99", CodedLine("Office supplies", D("-23.99")))
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [("Visa 4444", "23.99", "0.00"), ("Office supplies", "0.00", "23.99")]


def test_example_3_mileage_reimbursable() -> None:
    """120 mi x 0.70 reimbursable: Dr Mileage 84.00 / Cr Employee payable, memo '120 mi @ 0.70'."""
    line = quantity_line("Mileage", D("120"), "mi", D("0.70"), "USD")
    expense = coded("miles", "84.00", line, posting=PostingType.REIMBURSABLE,
                    credit="Employee reimbursements payable", entity=ANN)
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [("Mileage", "84.00", "0.00"), ("Employee reimbursements payable", "0.00", "84.00")]
    assert entry.lines[0].memo == "120 mi @ 0.70"
    assert (entry.lines[0].quantity, entry.lines[0].unit) == (D("120"), "mi")
    assert entry.lines[1].entity == ANN


def test_example_4_driver_pay_to_payroll_clearing() -> None:
    """Driver pay 1,500.00 from the TMS: Dr Driver wages / Cr Payroll clearing."""
    expense = coded("pay", "1500.00", CodedLine("Driver wages", D("1500.00")),
                    posting=PostingType.EXPENSE, credit="Payroll clearing")
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [("Driver wages", "1500.00", "0.00"), ("Payroll clearing", "0.00", "1500.00")]


def test_example_5_tyre_set_capitalised_on_a_bill() -> None:
    """Tyres 1,234.56: Dr Vehicles - equipment [class Truck 12] / Cr A/P [vendor Bridgestone]."""
    bridgestone = Entity("Bridgestone", EntityKind.VENDOR)
    line = CodedLine("Vehicles - equipment", D("1234.56"), {"class": "Truck 12"}, kind=LineKind.ASSET)
    expense = coded("tyres", "1234.56", line, posting=PostingType.ASSET, credit="Accounts payable",
                    entity=bridgestone)
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [("Vehicles - equipment", "1234.56", "0.00"), ("Accounts payable", "0.00", "1234.56")]
    assert entry.lines[0].role is LineRole.ASSET
    assert entry.lines[1].entity == bridgestone


def _meal(recoverable: str) -> object:
    vat = TaxTreatment("VAT10", D("0.10"), TaxMode.INCLUSIVE, D(recoverable), "VAT receivable")
    return coded("meal", "55.00", CodedLine("Meals", D("55.00"), tax=vat), posting=PostingType.REIMBURSABLE,
                 credit="Employee payable", entity=ANN)


def test_example_6_inclusive_vat_fully_recoverable() -> None:
    """55.00 incl. 10 % VAT, all recoverable: Dr Meals 50.00, Dr VAT receivable 5.00 / Cr 55.00."""
    entry = only(build_entries([_meal("1")], "USD"))
    assert rows(entry) == [
        ("Meals", "50.00", "0.00"),
        ("VAT receivable", "5.00", "0.00"),
        ("Employee payable", "0.00", "55.00"),
    ]


def test_example_7_inclusive_vat_half_recoverable() -> None:
    """Same meal, 50 % recoverable: Dr Meals 52.50, Dr VAT receivable 2.50 / Cr 55.00."""
    entry = only(build_entries([_meal("0.5")], "USD"))
    assert rows(entry) == [
        ("Meals", "52.50", "0.00"),
        ("VAT receivable", "2.50", "0.00"),
        ("Employee payable", "0.00", "55.00"),
    ]


def test_example_8_exclusive_sales_tax_not_recoverable() -> None:
    """100.00 + 8.25 % not recoverable: Dr Supplies 108.25 / Cr Visa 4444 108.25."""
    tax = TaxTreatment("ST", D("0.0825"), TaxMode.EXCLUSIVE, D("0"))
    expense = coded("supplies", "108.25", CodedLine("Supplies", D("100.00"), tax=tax))
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [("Supplies", "108.25", "0.00"), ("Visa 4444", "0.00", "108.25")]


def test_example_8_exclusive_sales_tax_recoverable() -> None:
    """100.00 + 8.25 % recoverable: Dr Supplies 100.00, Dr Tax receivable 8.25 / Cr 108.25."""
    tax = TaxTreatment("ST", D("0.0825"), TaxMode.EXCLUSIVE, D("1"), "Tax receivable")
    expense = coded("supplies", "108.25", CodedLine("Supplies", D("100.00"), tax=tax))
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [
        ("Supplies", "100.00", "0.00"),
        ("Tax receivable", "8.25", "0.00"),
        ("Visa 4444", "0.00", "108.25"),
    ]


PARIS_RATE = FxRate("EUR", "USD", D("1.076923"), date(2024, 3, 11), "ECB")


def _paris_hotel() -> object:
    return coded("paris", "195.00", CodedLine("Lodging", D("195.00")), posting=PostingType.REIMBURSABLE,
                 credit="Employee payable", entity=ANN, currency="EUR", rate=PARIS_RATE, on=date(2024, 3, 11))


def test_example_9_foreign_hotel_carries_home_amounts() -> None:
    """EUR 195.00 at 1.076923: Dr Lodging EUR 195.00 (USD 210.00) / Cr Employee payable the same."""
    entry = only(build_entries([_paris_hotel()], "USD"))
    assert (entry.currency, entry.home_currency) == ("EUR", "USD")
    assert rows(entry) == [("Lodging", "195.00", "0.00"), ("Employee payable", "0.00", "195.00")]
    assert home_rows(entry) == [("Lodging", "210.00", "0.00"), ("Employee payable", "0.00", "210.00")]
    assert {(l.rate, l.rate_source, l.rate_date) for l in entry.lines} == {(D("1.076923"), "ECB", date(2024, 3, 11))}


def test_example_10_reimbursed_later_realised_fx_loss() -> None:
    """Paid at 1.085: Dr Employee payable 210.00, Dr Realised FX loss 1.58 / Cr Bank 211.58."""
    hotel = only(build_entries([_paris_hotel()], "USD"))
    booked = hotel.lines[1].home_credit
    accounts = SettlementAccounts("Employee payable", "Bank", "Realised FX gain", "Realised FX loss")
    entry = build_fx_settlement(
        accounts=accounts, foreign_amount=D("195.00"), booked_home=booked,
        settlement_rate=FxRate("EUR", "USD", D("1.085"), date(2024, 4, 2), "ECB"), on=date(2024, 4, 2),
        entity=ANN, source_expense_keys=("paris",),
    )
    assert entry.currency == "USD"
    assert rows(entry) == [
        ("Employee payable", "210.00", "0.00"),
        ("Realised FX loss", "1.58", "0.00"),
        ("Bank", "0.00", "211.58"),
    ]


def test_example_10_rate_moving_the_other_way_is_a_gain() -> None:
    """Paid at 1.07 (USD 208.65): Dr Employee payable 210.00 / Cr Bank 208.65, Cr Realised FX gain 1.35."""
    accounts = SettlementAccounts("Employee payable", "Bank", "Realised FX gain", "Realised FX loss")
    entry = build_fx_settlement(
        accounts=accounts, foreign_amount=D("195.00"), booked_home=D("210.00"),
        settlement_rate=FxRate("EUR", "USD", D("1.07"), date(2024, 4, 2), "manual"), on=date(2024, 4, 2),
        entity=ANN, source_expense_keys=("paris",),
    )
    assert rows(entry) == [
        ("Employee payable", "210.00", "0.00"),
        ("Bank", "0.00", "208.65"),
        ("Realised FX gain", "0.00", "1.35"),
    ]


def test_example_11_per_diem_excess_to_its_own_account() -> None:
    """Limit 59.00, actual 75.00: Dr Meals 59.00, Dr Meals over per-diem 16.00 / Cr Employee payable 75.00."""
    line = CodedLine("Meals", D("75.00"))
    outcome = apply_per_diem(D("75.00"), PerDiemRate("Chicago", D("59.00"), "USD"), "USD",
                             ExcessPolicy.POST_TO_OWN_ACCOUNT)
    lines = split_line_for_per_diem(line, outcome, ExcessPolicy.POST_TO_OWN_ACCOUNT,
                                    "Meals over per-diem (non-deductible)")
    expense = coded("mie", "75.00", *lines, posting=PostingType.REIMBURSABLE, credit="Employee payable", entity=ANN)
    entry = only(build_entries([expense], "USD"))
    assert rows(entry) == [
        ("Meals", "59.00", "0.00"),
        ("Meals over per-diem (non-deductible)", "16.00", "0.00"),
        ("Employee payable", "0.00", "75.00"),
    ]


def test_example_11_per_diem_excess_flagged_instead() -> None:
    """With the flag policy the 75.00 stays on Meals and 16.00 is flagged for approval."""
    outcome = apply_per_diem(D("75.00"), PerDiemRate("Chicago", D("59.00"), "USD"), "USD",
                             ExcessPolicy.FLAG_FOR_APPROVAL)
    lines = split_line_for_per_diem(CodedLine("Meals", D("75.00")), outcome, ExcessPolicy.FLAG_FOR_APPROVAL, None)
    expense = coded("mie", "75.00", *lines, posting=PostingType.REIMBURSABLE, credit="Employee payable", entity=ANN)
    entry = only(build_entries([expense], "USD"))
    assert (outcome.needs_approval, outcome.excess) == (True, D("16.00"))
    assert rows(entry) == [("Meals", "75.00", "0.00"), ("Employee payable", "0.00", "75.00")]


def test_example_12_split_60_40() -> None:
    """62.10 fuel split 60 % Truck 12 / 40 % Truck 7: 37.26 and 24.84 / Cr card 62.10."""
    shares = allocate(Money(D("62.10"), "USD"), [60, 40])
    lines = [CodedLine("Fuel", share.amount, {"class": truck}) for share, truck in zip(shares, ["Truck 12", "Truck 7"])]
    entry = only(build_entries([coded("split", "62.10", *lines)], "USD"))
    assert rows(entry) == [("Fuel", "37.26", "0.00"), ("Fuel", "24.84", "0.00"), ("Visa 4444", "0.00", "62.10")]


def test_example_12_split_residue_goes_to_the_larger_share() -> None:
    """0.99 split 50/30/20 rounds to 0.50+0.30+0.20; the -0.01 residue lands on the 50 % share."""
    shares = allocate(Money(D("0.99"), "USD"), [50, 30, 20])
    lines = [CodedLine("Fuel", share.amount, {"class": f"Truck {n}"}) for n, share in enumerate(shares, start=1)]
    entry = only(build_entries([coded("split", "0.99", *lines)], "USD"))
    assert rows(entry) == [
        ("Fuel", "0.49", "0.00"), ("Fuel", "0.30", "0.00"), ("Fuel", "0.20", "0.00"), ("Visa 4444", "0.00", "0.99"),
    ]


def test_example_13_monthly_batch_sums_by_account_and_dimensions() -> None:
    """A month of card fuel batches into one line per account+class and one card credit, with lineage."""
    truck12, truck7 = {"class": "Truck 12"}, {"class": "Truck 7"}
    expenses = [
        coded("f1", "85.40", CodedLine("Fuel", D("85.40"), truck12), on=date(2024, 3, 1)),
        coded("f2", "62.10", CodedLine("Fuel", D("62.10"), truck7), on=date(2024, 3, 9)),
        coded("f3", "90.00", CodedLine("Fuel", D("90.00"), truck12), on=date(2024, 3, 20)),
    ]
    entry = only(build_entries(expenses, "USD", Grouping.MONTH))
    assert entry.date == date(2024, 3, 31)
    assert rows(entry) == [("Fuel", "175.40", "0.00"), ("Fuel", "62.10", "0.00"), ("Visa 4444", "0.00", "237.50")]
    assert [line.source_expense_keys for line in entry.lines] == [("f1", "f3"), ("f2",), ("f1", "f2", "f3")]
    assert entry.source_expense_keys == ("f1", "f2", "f3")


def test_example_13_foreign_batch_balances_after_rounding() -> None:
    """Three EUR 0.05 lines at 1.1 round to USD 0.06 each; the card credit (0.165 -> 0.17) takes the residue: 0.18."""
    rate = FxRate("EUR", "USD", D("1.1"), date(2024, 3, 1), "ECB")
    expenses = [
        coded(f"e{n}", "0.05", CodedLine("Tolls", D("0.05"), {"class": f"Truck {n}"}), currency="EUR", rate=rate,
              on=date(2024, 3, n))
        for n in (1, 2, 3)
    ]
    entry = only(build_entries(expenses, "USD", Grouping.MONTH))
    assert home_rows(entry) == [
        ("Tolls", "0.06", "0.00"), ("Tolls", "0.06", "0.00"), ("Tolls", "0.06", "0.00"), ("Visa 4444", "0.00", "0.18"),
    ]
    assert entry.lines[3].credit == Decimal("0.15")
