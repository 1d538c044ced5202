"""Golden test: March 2024 of a small trucking firm, batched monthly, every line worked out by hand.

Northwind Haulage (home currency USD) runs Truck 7 and Truck 12 (vehicle -> class). Drivers Ann
Diaz and Bob Lee. 33 coded expenses: fuel (card, gallons), tolls, driver pay from the TMS,
maintenance bills (one with 8.25 % sales tax on top), meals (one over the per-diem), lodging,
mileage at 0.67 per mile, parking from petty cash, a permit paid from the bank, an office
supplies refund, a capitalised tyre set, and a hotel plus a meal in Montreal in CAD.

The expected figures below were added up by hand from the list of expenses; none is computed by
the code under test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from journal_helpers import D, coded

from bookbridge.coding.perdiem import ExcessPolicy, PerDiemRate, apply_per_diem, split_line_for_per_diem
from bookbridge.core.money import Money, allocate
from bookbridge.journal.builder import build_entries
from bookbridge.journal.model import (
    CodedLine,
    Entity,
    EntityKind,
    FxRate,
    Grouping,
    JournalEntry,
    LineKind,
    PostingType,
    TaxMode,
    TaxTreatment,
    quantity_line,
)

ANN = Entity("Ann Diaz", EntityKind.EMPLOYEE)
BOB = Entity("Bob Lee", EntityKind.EMPLOYEE)
SPEEDY = Entity("Speedy Lube", EntityKind.VENDOR)
FLEET_PARTS = Entity("Fleet Parts Co", EntityKind.VENDOR)
BRIDGESTONE = Entity("Bridgestone", EntityKind.VENDOR)
T7, T12 = {"class": "Truck 7"}, {"class": "Truck 12"}
PAYABLE = "Employee reimbursements payable"
SALES_TAX = TaxTreatment("TX-ST", D("0.0825"), TaxMode.EXCLUSIVE, D("0"))
CAD_RATE = FxRate("CAD", "USD", D("0.7391"), date(2024, 3, 20), "ECB (derived)")
MILEAGE_RATE = D("0.67")


def _on(day: int) -> date:
    return date(2024, 3, day)


def _fuel(key: str, day: int, amount: str, gallons: str, truck: dict[str, str]):
    return coded(key, amount, CodedLine("Fuel", D(amount), truck, quantity=D(gallons), unit="gal"), on=_on(day))


def _card(key: str, day: int, account: str, amount: str, dims: dict[str, str] | None = None):
    return coded(key, amount, CodedLine(account, D(amount), dims or {}), on=_on(day))


def _reimbursed(key: str, day: int, who: Entity, *lines: CodedLine, amount: str, **extra):
    return coded(key, amount, *lines, posting=PostingType.REIMBURSABLE, credit=PAYABLE, entity=who, on=_on(day),
                 employee=who.name, **extra)


def _bill(key: str, day: int, vendor: Entity, line: CodedLine, amount: str, posting=PostingType.BILL, **extra):
    return coded(key, amount, line, posting=posting, credit="Accounts payable", entity=vendor, on=_on(day), **extra)


def _pay(key: str, day: int, who: Entity, amount: str, truck: dict[str, str]):
    return coded(key, amount, CodedLine("Driver wages", D(amount), truck), posting=PostingType.EXPENSE,
                 credit="Payroll clearing", on=_on(day), employee=who.name)


def _split_fuel():
    """62.10 shared by both trucks 60/40 (ACCOUNTING.md example 12), 15.0 gal split 9.0/6.0."""
    t12, t7 = allocate(Money(D("62.10"), "USD"), [60, 40])
    return coded("fuel-5", "62.10",
                 CodedLine("Fuel", t12.amount, T12, quantity=D("9.0"), unit="gal"),
                 CodedLine("Fuel", t7.amount, T7, quantity=D("6.0"), unit="gal"), on=_on(15))


def _meal_over_per_diem():
    """Ann's 75.00 dinner in Chicago against a 59.00 M&IE limit; policy: post the excess apart."""
    outcome = apply_per_diem(D("75.00"), PerDiemRate("Chicago", D("59.00"), "USD"), "USD",
                             ExcessPolicy.POST_TO_OWN_ACCOUNT)
    lines = split_line_for_per_diem(CodedLine("Meals", D("75.00"), T12, memo="Dinner Chicago"), outcome,
                                    ExcessPolicy.POST_TO_OWN_ACCOUNT, "Meals over per-diem")
    return _reimbursed("meal-3", 19, ANN, *lines, amount="75.00")


def march_expenses() -> list:
    """The 33 coded expenses of March 2024 (31 in USD, 2 in CAD), template version 4 unless noted."""
    expenses = [
        _fuel("fuel-1", 1, "312.45", "78.5", T12),
        _fuel("fuel-2", 4, "298.10", "74.2", T7),
        _reimbursed("meal-1", 5, ANN, CodedLine("Meals", D("23.40"), T12), amount="23.40"),
        _card("toll-1", 5, "Tolls", "18.50", T7),
        _card("office-1", 6, "Office supplies", "64.17"),
        _bill("maint-1", 7, SPEEDY, CodedLine("Repairs & maintenance", D("189.99"), T12), "189.99"),
        _fuel("fuel-3", 8, "305.77", "76.0", T12),
        _reimbursed("miles-1", 8, ANN, quantity_line("Mileage", D("120"), "mi", MILEAGE_RATE, "USD", dimensions=T12),
                    amount="80.40"),
        coded("parking-1", "12.00", CodedLine("Parking", D("12.00"), T7), posting=PostingType.CASH,
              credit="Petty cash", on=_on(9)),
        _card("toll-2", 11, "Tolls", "22.75", T12),
        _fuel("fuel-4", 12, "287.64", "71.9", T7),
        _reimbursed("lodging-1", 12, BOB, CodedLine("Lodging", D("89.00"), T7), amount="89.00"),
        _reimbursed("meal-2", 12, BOB, CodedLine("Meals", D("31.85"), T7), amount="31.85"),
        _bill("maint-2", 13, FLEET_PARTS, CodedLine("Repairs & maintenance", D("420.00"), T7, tax=SALES_TAX), "454.65"),
        _bill("tyres-1", 14, BRIDGESTONE,
              CodedLine("Vehicles - equipment", D("1234.56"), T12, kind=LineKind.ASSET), "1234.56",
              posting=PostingType.ASSET, template_version=5),
        _split_fuel(),
        _pay("pay-1", 15, ANN, "1500.00", T12),
        _pay("pay-2", 15, BOB, "1425.50", T7),
        _card("toll-3", 18, "Tolls", "18.50", T7),
        _fuel("fuel-6", 19, "318.92", "79.3", T12),
        _meal_over_per_diem(),
        _reimbursed("hotel-ca", 20, ANN, CodedLine("Lodging", D("189.00"), T12), amount="189.00",
                    currency="CAD", rate=CAD_RATE),
        _reimbursed("meal-ca", 20, ANN, CodedLine("Meals", D("47.24"), T12), amount="47.24",
                    currency="CAD", rate=CAD_RATE),
        _card("office-2", 21, "Office supplies", "-23.99"),
        _fuel("fuel-7", 22, "301.55", "75.0", T7),
        _reimbursed("miles-2", 22, BOB, quantity_line("Mileage", D("46.3"), "mi", MILEAGE_RATE, "USD", dimensions=T7),
                    amount="31.02"),
        _card("toll-4", 25, "Tolls", "31.20", T12),
        _bill("maint-3", 26, SPEEDY, CodedLine("Repairs & maintenance", D("76.40"), T12), "76.40"),
        _reimbursed("meal-4", 26, BOB, CodedLine("Meals", D("18.20"), T7), amount="18.20"),
        _fuel("fuel-8", 27, "296.38", "73.7", T12),
        coded("permit-1", "150.00", CodedLine("Permits & licences", D("150.00"), T12), posting=PostingType.BANK,
              credit="Operating bank", on=_on(28)),
        _pay("pay-3", 29, ANN, "1500.00", T12),
        _pay("pay-4", 29, BOB, "1380.25", T7),
    ]
    return [replace(e, template_version=e.template_version or 4) for e in expenses]


def _view(entry: JournalEntry) -> list[tuple[str, str, str | None, str, str, str, str]]:
    """(account, class, entity, debit, credit, home debit, home credit) per line."""
    return [
        (l.account, l.dimensions.get("class", ""), l.entity.name if l.entity else None,
         str(l.debit), str(l.credit), str(l.home_debit), str(l.home_credit))
        for l in entry.lines
    ]


# USD batch. Debits in order of first appearance (expenses sorted by date, then key), then credits.
USD_LINES = [
    # fuel-1 312.45 + fuel-3 305.77 + fuel-5 60 % share 37.26 + fuel-6 318.92 + fuel-8 296.38
    ("Fuel", "Truck 12", None, "1270.78", "0.00", "1270.78", "0.00"),
    # fuel-2 298.10 + fuel-4 287.64 + fuel-5 40 % share 24.84 + fuel-7 301.55
    ("Fuel", "Truck 7", None, "912.13", "0.00", "912.13", "0.00"),
    # meal-1 23.40 + the 59.00 within the per-diem from meal-3 (the 16.00 excess has its own line)
    ("Meals", "Truck 12", None, "82.40", "0.00", "82.40", "0.00"),
    ("Tolls", "Truck 7", None, "37.00", "0.00", "37.00", "0.00"),  # toll-1 18.50 + toll-3 18.50
    # office-1 64.17 less the office-2 refund of 23.99: the refund nets into the same line
    ("Office supplies", "", None, "40.18", "0.00", "40.18", "0.00"),
    ("Repairs & maintenance", "Truck 12", None, "266.39", "0.00", "266.39", "0.00"),  # 189.99 + 76.40
    ("Mileage", "Truck 12", None, "80.40", "0.00", "80.40", "0.00"),  # 120 mi x 0.67
    ("Parking", "Truck 7", None, "12.00", "0.00", "12.00", "0.00"),
    ("Tolls", "Truck 12", None, "53.95", "0.00", "53.95", "0.00"),  # toll-2 22.75 + toll-4 31.20
    ("Lodging", "Truck 7", None, "89.00", "0.00", "89.00", "0.00"),
    ("Meals", "Truck 7", None, "50.05", "0.00", "50.05", "0.00"),  # meal-2 31.85 + meal-4 18.20
    # 420.00 net + 8.25 % sales tax 34.65, not recoverable, so it stays in the expense
    ("Repairs & maintenance", "Truck 7", None, "454.65", "0.00", "454.65", "0.00"),
    ("Vehicles - equipment", "Truck 12", None, "1234.56", "0.00", "1234.56", "0.00"),  # tyres capitalised
    ("Driver wages", "Truck 12", None, "3000.00", "0.00", "3000.00", "0.00"),  # Ann 1500.00 x 2
    ("Driver wages", "Truck 7", None, "2805.75", "0.00", "2805.75", "0.00"),  # Bob 1425.50 + 1380.25
    ("Meals over per-diem", "Truck 12", None, "16.00", "0.00", "16.00", "0.00"),  # 75.00 - 59.00
    # 46.3 mi x 0.67 = 31.021, rounded half-up to 31.02
    ("Mileage", "Truck 7", None, "31.02", "0.00", "31.02", "0.00"),
    ("Permits & licences", "Truck 12", None, "150.00", "0.00", "150.00", "0.00"),
    # fuel 2182.91 + tolls 90.95 + office supplies net 40.18
    ("Visa 4444", "", None, "0.00", "2314.04", "0.00", "2314.04"),
    # meal-1 23.40 + miles-1 80.40 + meal-3 75.00 (the whole dinner is owed to Ann)
    (PAYABLE, "", "Ann Diaz", "0.00", "178.80", "0.00", "178.80"),
    ("Accounts payable", "", "Speedy Lube", "0.00", "266.39", "0.00", "266.39"),  # two bills, one vendor
    ("Petty cash", "", None, "0.00", "12.00", "0.00", "12.00"),
    # lodging-1 89.00 + meal-2 31.85 + miles-2 31.02 + meal-4 18.20
    (PAYABLE, "", "Bob Lee", "0.00", "170.07", "0.00", "170.07"),
    ("Accounts payable", "", "Fleet Parts Co", "0.00", "454.65", "0.00", "454.65"),
    ("Accounts payable", "", "Bridgestone", "0.00", "1234.56", "0.00", "1234.56"),
    ("Payroll clearing", "", None, "0.00", "5805.75", "0.00", "5805.75"),  # 1500 + 1425.50 + 1500 + 1380.25
    ("Operating bank", "", None, "0.00", "150.00", "0.00", "150.00"),
]

# CAD batch at 0.7391 USD/CAD. 189.00 x 0.7391 = 139.6899 -> 139.69; 47.24 x 0.7391 = 34.915084
# -> 34.92; the payable, 236.24 x 0.7391 = 174.604984, rounds to 174.60, one cent short of the
# debits (174.61). Credits are the short side, so the cent goes to the largest credit line.
CAD_LINES = [
    ("Lodging", "Truck 12", None, "189.00", "0.00", "139.69", "0.00"),
    ("Meals", "Truck 12", None, "47.24", "0.00", "34.92", "0.00"),
    (PAYABLE, "", "Ann Diaz", "0.00", "236.24", "0.00", "174.61"),
]


def _month() -> list[JournalEntry]:
    return build_entries(march_expenses(), "USD", Grouping.MONTH)


def test_golden_month_gives_one_entry_per_currency() -> None:
    """The March batch is one CAD and one USD entry, both dated 31 March."""
    entries = _month()
    assert [(e.currency, e.date, len(e.source_expense_keys)) for e in entries] == [
        ("CAD", date(2024, 3, 31), 2), ("USD", date(2024, 3, 31), 31)]


def test_golden_month_usd_lines() -> None:
    """Every line of the USD batch equals the hand-worked figure, in order."""
    usd = next(e for e in _month() if e.currency == "USD")
    assert _view(usd) == USD_LINES
    # Hand total of the debit column above: 10586.26, and the credits add up to the same.
    assert (usd.total_debit, usd.total_credit) == (D("10586.26"), D("10586.26"))


def test_golden_month_cad_lines_with_home_residue() -> None:
    """The CAD batch keeps CAD amounts, carries USD home amounts and puts the rounding cent on the payable."""
    cad = next(e for e in _month() if e.currency == "CAD")
    assert _view(cad) == CAD_LINES
    assert {(l.rate, l.rate_source, l.rate_date) for l in cad.lines} == {(D("0.7391"), "ECB (derived)", date(2024, 3, 20))}


def test_golden_month_keeps_quantities_memos_and_versions() -> None:
    """Gallons sum per truck, mileage memos survive, tyres' template version 5 is recorded next to 4."""
    usd = next(e for e in _month() if e.currency == "USD")
    fuel12, fuel7 = usd.lines[0], usd.lines[1]
    assert (fuel12.quantity, fuel12.unit, fuel7.quantity) == (Decimal("316.5"), "gal", Decimal("227.1"))
    assert [l.memo for l in usd.lines if l.account == "Mileage"] == ["120 mi @ 0.67", "46.3 mi @ 0.67"]
    assert usd.template_versions == (4, 5)


def test_golden_month_lineage_of_the_card_line() -> None:
    """The Visa line traces back to the 8 fuel, 4 toll and 2 office-supplies expenses."""
    usd = next(e for e in _month() if e.currency == "USD")
    visa = next(l for l in usd.lines if l.account == "Visa 4444")
    assert visa.source_expense_keys == (
        "fuel-1", "fuel-2", "fuel-3", "fuel-4", "fuel-5", "fuel-6", "fuel-7", "fuel-8",
        "office-1", "office-2", "toll-1", "toll-2", "toll-3", "toll-4")


def test_golden_month_per_expense_gives_33_balanced_entries() -> None:
    """Built one entry per expense instead, the month is 33 entries, each balanced in both currencies."""
    entries = build_entries(march_expenses(), "USD", Grouping.PER_EXPENSE)
    assert len(entries) == 33
    assert all(entry.is_balanced() for entry in entries)
