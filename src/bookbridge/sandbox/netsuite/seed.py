"""The account every fresh NetSuite sandbox starts with: the same small US trucking business as the
QBO sandbox, as a OneWorld account.

Account numbers, vendor names and classes match ``sandbox/qbo/seed.py``, so one mapping template
codes to either sandbox. Subsidiaries: the US parent (USD), a Canadian subsidiary (CAD) and an
elimination subsidiary. Each list has an inactive record, so "invalid reference" answers can be
exercised; accounting periods run monthly from 2023 to 2028 and are closed through 2024-12-31.
Values are typed here (bool, date, datetime, Decimal); the SuiteQL layer shows them as NetSuite
does (``T``/``F``, the user's date format).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

SEED_TIME = datetime(2024, 1, 2, 17, 0, tzinfo=timezone.utc)
CLOSED_THROUGH = date(2024, 12, 31)
FIRST_YEAR, LAST_YEAR = 2023, 2028
ROOT_SUBSIDIARY = "1"
CURRENCY_IDS = {"USD": "1", "GBP": "2", "CAD": "3", "EUR": "4"}

# (id, number, name, accttype, inactive, currency id)
_ACCOUNTS = [
    ("1", "1000", "Checking", "Bank", False, "1"),
    ("2", "1010", "Savings", "Bank", False, "1"),
    ("3", "1200", "Prepaid expenses", "OthCurrAsset", False, "1"),
    ("4", "1500", "Vehicles - equipment", "FixedAsset", False, "1"),
    ("5", "1590", "Accumulated depreciation", "FixedAsset", False, "1"),
    ("25", "2000", "Accounts Payable", "AcctPay", False, "1"),
    ("26", "2100", "Fuel card (Comdata)", "CredCard", False, "1"),
    ("27", "2110", "Company Visa", "CredCard", False, "1"),
    ("28", "2120", "Company Amex (EUR)", "CredCard", False, "4"),
    ("29", "2190", "Old fuel card", "CredCard", True, "1"),
    ("30", "2300", "Employee reimbursements payable", "OthCurrLiab", False, "1"),
    ("31", "2310", "Payroll clearing", "OthCurrLiab", False, "1"),
    ("32", "2400", "Sales tax payable", "OthCurrLiab", False, "1"),
    ("40", "3000", "Opening Balance Equity", "Equity", False, "1"),
    ("50", "4000", "Freight revenue", "Income", False, "1"),
    ("58", "6100", "Travel", "Expense", False, "1"),
    ("59", "6110", "Meals and entertainment", "Expense", False, "1"),
    ("60", "6120", "Lodging", "Expense", False, "1"),
    ("61", "6200", "Fuel", "Expense", False, "1"),
    ("62", "6210", "Tolls and parking", "Expense", False, "1"),
    ("63", "6220", "Repairs and maintenance", "Expense", False, "1"),
    ("64", "6230", "Permits and licenses", "Expense", False, "1"),
    ("65", "6300", "Insurance", "Expense", False, "1"),
    ("66", "6400", "Driver pay", "Expense", False, "1"),
    ("67", "6500", "Office supplies", "Expense", False, "1"),
    ("68", "6510", "Telephone", "Expense", False, "1"),
    ("69", "6600", "Bank charges", "Expense", False, "1"),
    ("70", "6900", "Uncategorized Expense", "Expense", False, "1"),
    ("71", "6950", "Old truck lease", "Expense", True, "1"),
]

# (id, name, inactive, currency id)
_VENDORS = [
    ("101", "Pilot Flying J", False, "1"),
    ("102", "Love's Travel Stops", False, "1"),
    ("103", "E-ZPass", False, "1"),
    ("104", "Speedco Truck Lube", False, "1"),
    ("105", "Staples", False, "1"),
    ("106", "Marriott", False, "1"),
    ("107", "Comdata", False, "1"),
    ("108", "Jorge Alvarez (driver)", False, "1"),
    ("109", "Petro-Canada", False, "3"),
    ("110", "Old Tire Shop", True, "1"),
]
# (id, first, last, inactive)
_EMPLOYEES = [("201", "Jorge", "Alvarez", False), ("202", "Dana", "Whitfield", False), ("203", "Sam", "Ortiz", True)]
_CUSTOMERS = [("301", "Acme Foods Distribution", False), ("302", "Great Lakes Paper Co", False)]
_CLASSES = [("1", "Truck 7", False), ("2", "Truck 12", False), ("3", "Truck 15", False), ("4", "Truck 3 (sold)", True)]
_DEPARTMENTS = [("1", "Operations", False), ("2", "Maintenance", False), ("3", "Administration", False),
                ("4", "Brokerage (closed)", True)]
_LOCATIONS = [("1", "Chicago terminal", False), ("2", "Dallas terminal", False), ("3", "Head office", False),
              ("4", "Memphis terminal (closed)", True)]
# (id, itemid, description, rate, inactive)
_TAX_ITEMS = [("5", "-Not Taxable-", "Not taxable", "0.00%", False), ("6", "IL", "Illinois state sales tax", "6.25%", False),
              ("7", "CA-GST", "Canada GST", "5.00%", False), ("8", "OLD-TX", "Retired tax code", "8.00%", True)]
# (id, name, expense account id, inactive)
_CATEGORIES = [("1", "Fuel", "61", False), ("2", "Tolls", "62", False), ("3", "Meals", "59", False),
               ("4", "Lodging", "60", False), ("5", "Repairs", "63", False), ("6", "Travel", "58", False),
               ("7", "Old lease", "71", True)]


def _stamp() -> dict[str, Any]:
    return {"datecreated": SEED_TIME, "lastmodifieddate": SEED_TIME}


def _named(rows: list[tuple]) -> list[dict[str, Any]]:
    return [{"id": i, "name": name, "fullname": name, "isinactive": inactive, "parent": None,
             "subsidiary": ROOT_SUBSIDIARY, **_stamp()} for i, name, inactive in rows]


def _periods() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    next_id = 1
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        spans = [(f"FY {year}", date(year, 1, 1), date(year, 12, 31), "isyear")]
        for quarter in range(4):
            first, last = date(year, 3 * quarter + 1, 1), _month_end(year, 3 * quarter + 3)
            spans.append((f"Q{quarter + 1} {year}", first, last, "isquarter"))
        spans += [(date(year, m, 1).strftime("%b %Y"), date(year, m, 1), _month_end(year, m), "") for m in range(1, 13)]
        for name, start, end, summary in spans:
            closed = end <= CLOSED_THROUGH
            rows.append({"id": str(next_id), "periodname": name, "startdate": start, "enddate": end,
                         "isyear": summary == "isyear", "isquarter": summary == "isquarter", "isadjust": False,
                         "isposting": not summary, "closed": closed, "alllocked": closed, "aplocked": closed,
                         "arlocked": closed, "lastmodifieddate": SEED_TIME})
            next_id += 1
    return rows


def _month_end(year: int, month: int) -> date:
    """The last day of ``month``: the day before the first of the next month."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(first_of_next.toordinal() - 1)


def seed_tables() -> dict[str, list[dict[str, Any]]]:
    """Every seeded SuiteQL table as typed rows."""
    return {
        "subsidiary": [
            {"id": "1", "name": "Sandbox Trucking Inc.", "fullname": "Sandbox Trucking Inc.", "currency": "1",
             "country": "US", "parent": None, "iselimination": False, "isinactive": False, **_stamp()},
            {"id": "2", "name": "Sandbox Trucking Canada", "fullname": "Sandbox Trucking Inc. : Sandbox Trucking Canada",
             "currency": "3", "country": "CA", "parent": "1", "iselimination": False, "isinactive": False, **_stamp()},
            {"id": "3", "name": "Elimination", "fullname": "Sandbox Trucking Inc. : Elimination", "currency": "1",
             "country": "US", "parent": "1", "iselimination": True, "isinactive": False, **_stamp()},
        ],
        "currency": [
            {"id": cid, "symbol": code, "name": name, "isbasecurrency": code in ("USD", "CAD"),
             "isinactive": code == "GBP", "exchangerate": rate, **_stamp()}
            for code, cid, name, rate in (("USD", "1", "US Dollar", Decimal("1")), ("GBP", "2", "British pound", Decimal("1.27")),
                                          ("CAD", "3", "Canadian Dollar", Decimal("0.73")), ("EUR", "4", "Euro", Decimal("1.08")))
        ],
        "currencyrate": [
            {"id": "1", "basecurrency": "1", "transactioncurrency": "3", "exchangerate": Decimal("0.73"),
             "effectivedate": date(2024, 1, 1)},
            {"id": "2", "basecurrency": "1", "transactioncurrency": "4", "exchangerate": Decimal("1.08"),
             "effectivedate": date(2024, 1, 1)},
            {"id": "3", "basecurrency": "1", "transactioncurrency": "3", "exchangerate": Decimal("0.74"),
             "effectivedate": date(2026, 1, 1)},
            {"id": "4", "basecurrency": "3", "transactioncurrency": "1", "exchangerate": Decimal("1.37"),
             "effectivedate": date(2024, 1, 1)},
        ],
        "account": [
            {"id": i, "acctnumber": number, "accountsearchdisplaynamecopy": name, "fullname": name, "accttype": kind,
             "isinactive": inactive, "currency": currency, "parent": None, "subsidiary": ROOT_SUBSIDIARY,
             "issummary": False, **_stamp()}
            for i, number, name, kind, inactive, currency in _ACCOUNTS
        ],
        "vendor": [
            {"id": i, "entityid": name, "companyname": name, "isinactive": inactive, "currency": currency,
             "email": None, "subsidiary": ROOT_SUBSIDIARY, "externalid": None, **_stamp()}
            for i, name, inactive, currency in _VENDORS
        ],
        "employee": [
            {"id": i, "entityid": f"{first} {last}", "firstname": first, "lastname": last, "isinactive": inactive,
             "email": f"{first.lower()}@sandbox-trucking.example", "subsidiary": ROOT_SUBSIDIARY, **_stamp()}
            for i, first, last, inactive in _EMPLOYEES
        ],
        "customer": [
            {"id": i, "entityid": name, "companyname": name, "isinactive": inactive, "subsidiary": ROOT_SUBSIDIARY,
             **_stamp()}
            for i, name, inactive in _CUSTOMERS
        ],
        "classification": _named(_CLASSES),
        "department": _named(_DEPARTMENTS),
        "location": _named(_LOCATIONS),
        "salestaxitem": [
            {"id": i, "itemid": item, "description": text, "rate": rate, "isinactive": inactive, **_stamp()}
            for i, item, text, rate, inactive in _TAX_ITEMS
        ],
        "expensecategory": [
            {"id": i, "name": name, "expenseacct": account, "isinactive": inactive, **_stamp()}
            for i, name, account, inactive in _CATEGORIES
        ],
        "accountingperiod": _periods(),
        "transaction": [],
        "deletedrecord": [],
    }
