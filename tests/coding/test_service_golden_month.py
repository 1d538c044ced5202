"""End to end: a realistic month coded, approved and previewed through the real `bookbridge` CLI.

38 expenses of a small haulage firm (home currency USD) for March 2026 are put in a real book as
the import pipeline leaves them; template v1 and v2 (v2, effective 20 March, moves tolls to
6115), the approval policy, an ECB rate file and a manual rate are set up through the services;
then the real command line runs `code`, one rejection, three approvers and `journal preview --json`.

The expected journal lines below were worked out by hand from ACCOUNTING.md (rounding half-up
per line; split residue to the largest share); nothing in them is computed by Bookbridge.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from bookbridge.coding.rates import import_ecb_file, set_rate

from coding_book import add_expense, publish_template, set_policy

RATES_FILE = Path(__file__).resolve().parents[1] / "data" / "rates" / "ecb-handwritten.csv"

TEMPLATE_V1 = """\
template: Fleet
description: Haulage fleet, US chart of accounts
effective_from: 2026-01-01
credit_accounts: {company_card: "2200", reimbursable: "2100", bank: "1000", bill: "2000"}
cards: {Visa 4444: "2210", Amex 1001: "2220"}
tax_codes:
  MEALS10: {rate: 0.10, mode: inclusive, recoverable: 0.5, account: "1400"}
  ST825: {rate: 0.0825, mode: exclusive, recoverable: 0}
mappings:
  - {category: Fuel, account: "6100", dimension_fields: {class: vehicle_id}, quantity: {field: litres, unit: L}}
  - {category: Tolls, account: "6110", dimension_fields: {class: vehicle_id}}
  - {category: Driver Pay, account: "6200", posting_type: expense, credit_account: "2300",
     dimensions: {department: Drivers}}
  - {category: Maintenance, account: "6300", tax_code: ST825, dimension_fields: {class: vehicle_id}}
  - {category: Tyres, account: "1510", posting_type: asset, credit_account: "2000",
     dimension_fields: {class: vehicle_id}}
  - {category: Meals, account: "6400", tax_code: MEALS10}
  - {category: Travel Meals, account: "6420"}
  - {category: Lodging, account: "6500"}
  - {category: Mileage, account: "6600", quantity: {field: miles, unit: mi, rate: 0.70}}
  - {category: Office Supplies, account: "6700"}
rules:
  - id: skip-personal
    precedence: 5
    stop: true
    when: {memo: {contains: personal}}
    then: [{skip: personal spend on the company card}]
  - id: fuel-over-300-litres
    precedence: 10
    when: {all: [{category: {equals: Fuel}}, {field: {name: litres, min: 300.001}}]}
    then: [{require_approval: fleet manager}]
  - id: shared-fuel-three-trucks
    precedence: 20
    when: {all: [{category: {equals: Fuel}}, {field: {name: shared, equals: "yes"}}]}
    then:
      - split:
          by: percent
          parts:
            - {share: 50, dimensions: {class: Truck 12}}
            - {share: 25, dimensions: {class: Truck 7}}
            - {share: 25, dimensions: {class: Truck 9}}
  - id: road-meals-per-diem
    precedence: 30
    when: {category: {equals: Travel Meals}}
    then:
      - per_diem: {table: M&IE 2026, currency: USD, location_field: city, rates: {Chicago: 59.00},
                   default: 55.00, excess: post, excess_account: "6410"}
"""
# Version 2 only moves tolls to the electronic-tolls account, from 20 March on.
TEMPLATE_V2 = TEMPLATE_V1.replace("effective_from: 2026-01-01", "effective_from: 2026-03-20").replace(
    'account: "6110"', 'account: "6115"'
)

POLICY = """\
levels:
  - name: manager
    approvers: {roles: [manager]}
  - name: second approver
    when: {amount_over: "500.00"}
    approvers: {roles: [finance]}
  - name: fleet manager
    when: {category: [Fuel], fields: [{name: litres, op: ">", value: "300"}]}
    approvers: {names: [Dana Fleet]}
people:
  Alice Manager: [manager]
  Bob Finance: [finance]
"""

SAM, LEE, PAT = "Sam Driver", "Lee Driver", "Pat Sales"
VISA, AMEX = "Visa 4444", "Amex 1001"


def _d(day: int) -> date:
    return date(2026, 3, day)


# (day, category, amount, currency, vendor, payment, employee, card, fields, memo, stated tax)
MONTH = [
    (2, "Fuel", "85.40", "USD", "Shell", "company_card", None, VISA, {"vehicle_id": "Truck 12", "litres": "45.5"}, "Fuel Truck 12", None),
    (2, "Tolls", "12.75", "USD", "E-ZPass", "company_card", None, VISA, {"vehicle_id": "Truck 12"}, "Tolls I-90 Truck 12", None),
    (3, "Fuel", "90.02", "USD", "Pilot", "company_card", None, AMEX, {"vehicle_id": "Truck 12", "litres": "48.0", "shared": "yes"}, "Shared fill three trucks", None),
    (3, "Driver Pay", "1500.00", "USD", "TMS", "bank", SAM, None, {}, "Driver pay week 9 Sam", None),
    (3, "Driver Pay", "1380.00", "USD", "TMS", "bank", LEE, None, {}, "Driver pay week 9 Lee", None),
    (4, "Maintenance", "108.25", "USD", "Joe's Garage", "bank", None, None, {"vehicle_id": "Truck 7"}, "Brake pads Truck 7", "8.25"),
    (5, "Meals", "55.00", "USD", "Diner", "reimbursable", SAM, None, {}, "Lunch with customer", None),
    (5, "Mileage", "84.00", "USD", None, "reimbursable", PAT, None, {"miles": "120"}, "Customer visit Springfield", None),
    (6, "Tyres", "1234.56", "USD", "Bridgestone", "bank", None, None, {"vehicle_id": "Truck 12"}, "Tyre set Truck 12", None),
    (6, "Fuel", "412.50", "USD", "Shell", "company_card", None, VISA, {"vehicle_id": "Truck 9", "litres": "340"}, "Fuel Truck 9 long haul", None),
    (7, "Lodging", "89.00", "USD", "Motel 6", "reimbursable", LEE, None, {}, "Motel Gary IN", None),
    (8, "Travel Meals", "75.00", "USD", None, "reimbursable", LEE, None, {"city": "Chicago"}, "Road meals Chicago", None),
    (9, "Tolls", "8.40", "USD", "E-ZPass", "company_card", None, VISA, {"vehicle_id": "Truck 7"}, "Tolls I-80 Truck 7", None),
    (9, "Fuel", "150.25", "USD", "Love's", "company_card", None, VISA, {"vehicle_id": "Truck 7", "litres": "80.2"}, "Fuel Truck 7", None),
    (10, "Office Supplies", "-23.99", "USD", "Staples", "company_card", None, VISA, {}, "Refund toner", None),
    (10, "Driver Pay", "1500.00", "USD", "TMS", "bank", SAM, None, {}, "Driver pay week 10 Sam", None),
    (10, "Driver Pay", "1380.00", "USD", "TMS", "bank", LEE, None, {}, "Driver pay week 10 Lee", None),
    (11, "Maintenance", "270.63", "USD", "Quick Lube", "company_card", None, VISA, {"vehicle_id": "Truck 12"}, "Oil change Truck 12", None),
    (12, "Meals", "36.30", "USD", "Cafe", "reimbursable", PAT, None, {}, "Sales lunch", None),
    (13, "Fuel", "98.76", "USD", "Shell", "company_card", None, VISA, {"vehicle_id": "Truck 12", "litres": "52.3"}, "Fuel Truck 12 again", None),
    (15, "Meals", "48.00", "EUR", "Chez Paul", "reimbursable", PAT, None, {}, "Dinner Paris", None),
    (16, "Lodging", "195.00", "EUR", "Hotel Lutetia", "reimbursable", PAT, None, {}, "Hotel Paris", None),
    (16, "Tolls", "22.10", "USD", "E-ZPass", "company_card", None, VISA, {"vehicle_id": "Truck 9"}, "Tolls I-94 Truck 9", None),
    (17, "Driver Pay", "1500.00", "USD", "TMS", "bank", SAM, None, {}, "Driver pay week 11 Sam", None),
    (17, "Driver Pay", "1380.00", "USD", "TMS", "bank", LEE, None, {}, "Driver pay week 11 Lee", None),
    (18, "Fuel", "176.40", "USD", "Pilot", "company_card", None, AMEX, {"vehicle_id": "Truck 7", "litres": "94.0"}, "Fuel Truck 7 Amex", None),
    (19, "Travel Meals", "52.00", "USD", None, "reimbursable", SAM, None, {"city": "Columbus"}, "Road meals Columbus", None),
    (20, "Tolls", "9.60", "USD", "E-ZPass", "company_card", None, VISA, {"vehicle_id": "Truck 12"}, "Tolls I-90 Truck 12 later", None),
    (20, "Mileage", "32.55", "USD", None, "reimbursable", PAT, None, {"miles": "46.5"}, "Customer visit Peoria", None),
    (23, "Maintenance", "541.25", "USD", "Joe's Garage", "bank", None, None, {"vehicle_id": "Truck 9"}, "Clutch Truck 9", "41.25"),
    (24, "Driver Pay", "1500.00", "USD", "TMS", "bank", SAM, None, {}, "Driver pay week 12 Sam", None),
    (24, "Driver Pay", "1380.00", "USD", "TMS", "bank", LEE, None, {}, "Driver pay week 12 Lee", None),
    (25, "Parking", "15.00", "USD", "City Parking", "company_card", None, VISA, {}, "Parking depot", None),
    (26, "Parking", "18.00", "USD", "City Parking", "company_card", None, VISA, {}, "Parking customer", None),
    (27, "Meals", "64.00", "USD", "Bistro", "company_card", None, VISA, {}, "personal dinner", None),
    (27, "Meals", "120.00", "USD", "Steakhouse", "reimbursable", SAM, None, {}, "Team dinner", None),
    (30, "Fuel", "101.01", "USD", "Shell", "company_card", None, VISA, {"vehicle_id": "Truck 12", "litres": "54.0"}, "Fuel Truck 12 month end", None),
    (31, "Tolls", "14.20", "USD", "E-ZPass", "company_card", None, VISA, {"vehicle_id": "Truck 7"}, "Tolls I-80 Truck 7 later", None),
]
REJECTED_MEMO = "Team dinner"

T12, T7, T9 = {"class": "Truck 12"}, {"class": "Truck 7"}, {"class": "Truck 9"}
DRV = {"department": "Drivers"}
N: dict[str, str] = {}  # no dimensions: balance-sheet (who-paid) lines carry none


def dr(account: str, amount: str, dims: dict[str, str] = N, home: str | None = None) -> tuple:
    return (account, amount, "0.00", home or amount, "0.00", dims)


def cr(account: str, amount: str, dims: dict[str, str] = N, home: str | None = None) -> tuple:
    return (account, "0.00", amount, "0.00", home or amount, dims)


def pay(amount: str) -> list[tuple]:
    # Driver pay from the TMS: expense to driver wages, credit payroll clearing (ACCOUNTING.md ex. 4).
    return [dr("6200", amount, DRV), cr("2300", amount)]


# memo -> (date, currency, template version, lines), worked out by hand.
GOLDEN: dict[str, tuple[str, str, int, list[tuple]]] = {
    "Fuel Truck 12": ("2026-03-02", "USD", 1, [dr("6100", "85.40", T12), cr("2210", "85.40")]),
    "Tolls I-90 Truck 12": ("2026-03-02", "USD", 1, [dr("6110", "12.75", T12), cr("2210", "12.75")]),
    "Shared fill three trucks": ("2026-03-03", "USD", 1, [
        # 50/25/25 of 90.02: 45.01 + 22.505→22.51 + 22.505→22.51 = 90.03, one cent too many;
        # the residue (-0.01) goes to the largest share, Truck 12: 45.00.
        dr("6100", "45.00", T12), dr("6100", "22.51", T7), dr("6100", "22.51", T9),
        cr("2220", "90.02"),  # paid with the Amex: its own liability account
    ]),
    "Driver pay week 9 Sam": ("2026-03-03", "USD", 1, pay("1500.00")),
    "Driver pay week 9 Lee": ("2026-03-03", "USD", 1, pay("1380.00")),
    # Exclusive 8.25 % sales tax stated as 8.25 on 100.00 net, not recoverable: it stays in the
    # expense, 108.25 in all; paid from the bank (ACCOUNTING.md ex. 8).
    "Brake pads Truck 7": ("2026-03-04", "USD", 1, [dr("6300", "108.25", T7), cr("1000", "108.25")]),
    # 55.00 with 10 % inclusive tax: 5.00 tax, half recoverable → 52.50 meals + 2.50 VAT (ex. 7).
    "Lunch with customer": ("2026-03-05", "USD", 1, [dr("6400", "52.50"), dr("1400", "2.50"), cr("2100", "55.00")]),
    # 120 mi × 0.70 = 84.00, reimbursable (ex. 3).
    "Customer visit Springfield": ("2026-03-05", "USD", 1, [dr("6600", "84.00"), cr("2100", "84.00")]),
    # Capitalised tyre set on a supplier bill: asset 1510 / accounts payable 2000 (ex. 5).
    "Tyre set Truck 12": ("2026-03-06", "USD", 1, [dr("1510", "1234.56", T12), cr("2000", "1234.56")]),
    "Fuel Truck 9 long haul": ("2026-03-06", "USD", 1, [dr("6100", "412.50", T9), cr("2210", "412.50")]),
    "Motel Gary IN": ("2026-03-07", "USD", 1, [dr("6500", "89.00"), cr("2100", "89.00")]),
    # Chicago per-diem 59.00; the 16.00 above it goes to meals over per-diem, 6410 (ex. 11).
    "Road meals Chicago": ("2026-03-08", "USD", 1, [dr("6420", "59.00"), dr("6410", "16.00"), cr("2100", "75.00")]),
    "Tolls I-80 Truck 7": ("2026-03-09", "USD", 1, [dr("6110", "8.40", T7), cr("2210", "8.40")]),
    "Fuel Truck 7": ("2026-03-09", "USD", 1, [dr("6100", "150.25", T7), cr("2210", "150.25")]),
    # A refund reverses the purchase: the card is debited, supplies credited (ex. 2).
    "Refund toner": ("2026-03-10", "USD", 1, [dr("2210", "23.99"), cr("6700", "23.99")]),
    "Driver pay week 10 Sam": ("2026-03-10", "USD", 1, pay("1500.00")),
    "Driver pay week 10 Lee": ("2026-03-10", "USD", 1, pay("1380.00")),
    # No tax stated: net = 270.63 / 1.0825 = 250.0046 → 250.00, tax 20.625 → 20.63, gross 270.63,
    # all of it expense (not recoverable).
    "Oil change Truck 12": ("2026-03-11", "USD", 1, [dr("6300", "270.63", T12), cr("2210", "270.63")]),
    # 36.30 incl. 10 %: tax 3.30, half recoverable 1.65 → meals 34.65.
    "Sales lunch": ("2026-03-12", "USD", 1, [dr("6400", "34.65"), dr("1400", "1.65"), cr("2100", "36.30")]),
    "Fuel Truck 12 again": ("2026-03-13", "USD", 1, [dr("6100", "98.76", T12), cr("2210", "98.76")]),
    # EUR 48.00 on Sunday 15 March takes the ECB rate of the 14th, 1.0850 USD/EUR.
    # Tax 48 × 10/110 = 4.3636 → 4.36, recoverable half 2.18, meals 45.82.
    # Home: 45.82 × 1.085 = 49.7147 → 49.71; 2.18 × 1.085 = 2.3653 → 2.37; 48.00 × 1.085 = 52.08.
    "Dinner Paris": ("2026-03-15", "EUR", 1, [
        dr("6400", "45.82", home="49.71"), dr("1400", "2.18", home="2.37"), cr("2100", "48.00", home="52.08"),
    ]),
    # EUR 195.00 at the manual rate 1.076923 of the 16th (newer than the ECB's): 209.999985 → 210.00 (ex. 9).
    "Hotel Paris": ("2026-03-16", "EUR", 1, [dr("6500", "195.00", home="210.00"), cr("2100", "195.00", home="210.00")]),
    "Tolls I-94 Truck 9": ("2026-03-16", "USD", 1, [dr("6110", "22.10", T9), cr("2210", "22.10")]),
    "Driver pay week 11 Sam": ("2026-03-17", "USD", 1, pay("1500.00")),
    "Driver pay week 11 Lee": ("2026-03-17", "USD", 1, pay("1380.00")),
    "Fuel Truck 7 Amex": ("2026-03-18", "USD", 1, [dr("6100", "176.40", T7), cr("2220", "176.40")]),
    # Columbus is not in the table: the default 55.00 applies and 52.00 is within it.
    "Road meals Columbus": ("2026-03-19", "USD", 1, [dr("6420", "52.00"), cr("2100", "52.00")]),
    # From 20 March version 2 is in effect: tolls go to 6115.
    "Tolls I-90 Truck 12 later": ("2026-03-20", "USD", 2, [dr("6115", "9.60", T12), cr("2210", "9.60")]),
    # 46.5 mi × 0.70 = 32.55.
    "Customer visit Peoria": ("2026-03-20", "USD", 2, [dr("6600", "32.55"), cr("2100", "32.55")]),
    # 500.00 net + 41.25 stated tax (8.25 %) = 541.25, over 500: needed the second approver.
    "Clutch Truck 9": ("2026-03-23", "USD", 2, [dr("6300", "541.25", T9), cr("1000", "541.25")]),
    "Driver pay week 12 Sam": ("2026-03-24", "USD", 2, pay("1500.00")),
    "Driver pay week 12 Lee": ("2026-03-24", "USD", 2, pay("1380.00")),
    # Parking (no mapping), the personal dinner (skipped) and the team dinner (rejected) are absent.
    "Fuel Truck 12 month end": ("2026-03-30", "USD", 2, [dr("6100", "101.01", T12), cr("2210", "101.01")]),
    "Tolls I-80 Truck 7 later": ("2026-03-31", "USD", 2, [dr("6115", "14.20", T7), cr("2210", "14.20")]),
}


def _expected() -> list[dict]:
    return sorted(
        (
            {"date": day, "memo": memo, "currency": currency, "template_version": version,
             "lines": [dict(zip(("account", "debit", "credit", "home_debit", "home_credit", "dimensions"), line))
                       for line in lines]}
            for memo, (day, currency, version, lines) in GOLDEN.items()
        ),
        key=lambda e: (e["date"], e["memo"]),
    )


def _cli_ok(run_cli, *args: object, code: int = 0):
    result = run_cli(*args)
    assert result.returncode == code, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_golden_month_through_the_cli(book, book_path: Path, run_cli) -> None:
    """38 expenses → template, rules, rates, approvals → preview equals the hand-worked lines."""
    ids: dict[str, int] = {}
    with book.unit_of_work() as session:
        for day, category, amount, cur, vendor, pay_method, employee, card, fields, memo, tax in MONTH:
            ids[memo] = add_expense(session, day=_d(day), category=category, amount=amount, currency=cur,
                                    vendor=vendor, payment=pay_method, employee=employee, card=card,
                                    fields=fields, memo=memo, tax=tax)
    # Set-up through the services the `mapping`, `approval-policy` and `rates` commands call (their
    # own CLI tests cover the commands); coding, approvals and the preview go through the CLI.
    publish_template(book, TEMPLATE_V1, note="first chart")
    publish_template(book, TEMPLATE_V2, note="electronic tolls")
    set_policy(book, POLICY)
    import_ecb_file(book, RATES_FILE, actor="Olga Owner")
    set_rate(book, "EUR", "USD", Decimal("1.076923"), _d(16), actor="Olga Owner")

    coded = json.loads(_cli_ok(run_cli, "code", book_path, "--json", code=1).stdout)
    assert [p["message"] for p in coded["problems"]] == [
        "2 expenses: category 'Parking' has no account in template 'Fleet', version 2"
    ]
    # 38 = 2 blocked (imported) + 1 skipped + 35 awaiting approval.
    assert coded["statuses"] == {"awaiting_approval": 35, "imported": 2, "skipped": 1}

    _cli_ok(run_cli, "reject", book_path, "--id", ids[REJECTED_MEMO], "--as", "Alice Manager",
            "--reason", "No receipt for the team dinner")
    alice = json.loads(_cli_ok(run_cli, "approve", book_path, "--all-eligible", "--as", "Alice Manager",
                               "--json").stdout)
    bob = json.loads(_cli_ok(run_cli, "approve", book_path, "--all-eligible", "--as", "Bob Finance",
                             "--json").stdout)
    dana = json.loads(_cli_ok(run_cli, "approve", book_path, "--all-eligible", "--as", "Dana Fleet",
                              "--json").stdout)
    # Alice gives the manager level to all 34; Bob the second level to the 8 pays, the tyre set
    # and the clutch (over 500); Dana the fleet level to the 340-litre fill.
    assert (alice["approved"], bob["approved"], dana["approved"]) == (34, 10, 1)
    assert json.loads(_cli_ok(run_cli, "approvals", book_path, "--awaiting-only", "--json").stdout) == []

    preview = _cli_ok(run_cli, "journal", "preview", book_path, "--period", "2026-03", "--json")
    entries = json.loads(preview.stdout)
    keys = [entry.pop("key") for entry in entries]
    assert len(set(keys)) == len(entries) and all(len(k) == 32 for k in keys)
    assert sorted(entries, key=lambda e: (e["date"], e["memo"])) == _expected()
