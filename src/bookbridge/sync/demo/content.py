"""What the demo trucking company looks like: its template, rules, approval policy and spending habits.

The chart of accounts, vendors, classes and locations are those of the QBO sandbox's seeded
company (``bookbridge.sandbox.qbo.seed``), so the demo posts there without any mapping work.
Two things are wrong on purpose, so the exception queue has something to show: one expense is
coded to an account made inactive in QuickBooks ("Old truck lease"), and one late receipt is
dated in the period the books closed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

COMPANY = "Sandbox Trucking LLC"
HOME_CURRENCY = "USD"

TEMPLATE = """\
template: Sandbox Trucking
description: How Sandbox Trucking codes its drivers' and cards' spending (demo)
effective_from: 2024-01-01
credit_accounts: {company_card: "2110", reimbursable: "2300", bill: "2000", bank: "1000", cash: "1000"}
cards: {Comdata 0042: "2100", Visa 4444: "2110"}
mappings:
  - category: Fuel
    account: "6200"
    dimension_fields: {class: truck}
    quantity: {field: gallons, unit: gal}
  - category: Tolls
    account: "6210"
    dimension_fields: {class: truck}
  - category: Maintenance
    account: "6220"
    posting_type: bill
    dimension_fields: {class: truck}
  - category: Driver pay
    account: "6400"
    posting_type: expense
    credit_account: "2310"
    dimensions: {department: Chicago terminal}
  - category: Meals
    account: "6110"
  - category: Lodging
    account: "6120"
  - category: Mileage
    account: "6100"
    quantity: {field: miles, unit: mi, rate: 0.70}
  - category: Permits
    account: "6230"
  - category: Equipment lease
    account: "6950"
rules:
  - id: personal-spend
    description: Personal spend on a company card is not a company expense
    precedence: 10
    when:
      memo: {contains: personal}
    then:
      - skip: personal spend on the company card; the driver repays it
  - id: big-fuel-stop
    description: Fuel stops over 150 gallons need the fleet manager
    precedence: 20
    when:
      all:
        - category: {equals: Fuel}
        - field: {name: gallons, min: 150.01}
    then:
      - require_approval: fleet manager
"""

POLICY = """\
levels:
  - name: manager
    when: {amount_over: "750.00"}
    approvers: {roles: [manager]}
  - name: fleet manager
    approvers: {names: [Dana Fleet]}
    when: {category: [Fuel], fields: [{name: gallons, op: ">", value: "150"}]}
people:
  Alice Manager: [manager]
  Dana Fleet: [fleet]
"""

MANAGER = "Alice Manager"
FLEET_MANAGER = "Dana Fleet"

DRIVERS = ("Jorge Alvarez", "Mia Chen", "Sam Okafor")
TRUCKS = ("Truck 7", "Truck 12", "Truck 15")
FUEL_VENDORS = ("Pilot Flying J", "Love's Travel Stops")
CAD_RATE = Decimal("0.7312")  # USD per CAD, entered by hand for the Montreal hotel
# The sandbox company closed its books through 2024-12-31: a receipt from then arrives too late.
LATE_RECEIPT_DAY = date(2024, 12, 28)
