"""The company every fresh Intacct sandbox starts with: the same small US trucking business as the
QBO sandbox (same account numbers and names), so one mapping template codes for both.

Intacct keys lists by their own ids (ACCOUNTNO, VENDORID, CLASSID...) and numbers every record
with RECORDNO. Each list has one inactive entry, so "inactive reference" can be exercised; the
books are closed through 12/31/2024. Values are text, as Intacct's XML carries them.
"""

from __future__ import annotations

from typing import Any

SEED_TIME = "01/02/2024 17:00:00"
COMPANY_NAME = "Sandbox Trucking LLC"
HOME_CURRENCY = "USD"
CLOSED_THROUGH = "12/31/2024"

# (ACCOUNTNO, TITLE, ACCOUNTTYPE, NORMALBALANCE, CATEGORY, active)
_ACCOUNTS = [
    ("1000", "Checking", "balancesheet", "debit", "Cash and Cash Equivalents", True),
    ("1010", "Savings", "balancesheet", "debit", "Cash and Cash Equivalents", True),
    ("1200", "Prepaid expenses", "balancesheet", "debit", "Other Current Assets", True),
    ("1500", "Vehicles - equipment", "balancesheet", "debit", "Fixed Assets", True),
    ("2000", "Accounts Payable", "balancesheet", "credit", "Accounts Payable", True),
    ("2100", "Fuel card (Comdata)", "balancesheet", "credit", "Credit Card", True),
    ("2110", "Company Visa", "balancesheet", "credit", "Credit Card", True),
    ("2190", "Old fuel card", "balancesheet", "credit", "Credit Card", False),
    ("2300", "Employee reimbursements payable", "balancesheet", "credit", "Other Current Liabilities", True),
    ("2310", "Payroll clearing", "balancesheet", "credit", "Other Current Liabilities", True),
    ("3000", "Opening Balance Equity", "balancesheet", "credit", "Equity", True),
    ("4000", "Freight revenue", "incomestatement", "credit", "Revenue", True),
    ("6100", "Travel", "incomestatement", "debit", "Travel", True),
    ("6110", "Meals and entertainment", "incomestatement", "debit", "Meals", True),
    ("6120", "Lodging", "incomestatement", "debit", "Travel", True),
    ("6200", "Fuel", "incomestatement", "debit", "Vehicle", True),
    ("6210", "Tolls and parking", "incomestatement", "debit", "Vehicle", True),
    ("6220", "Repairs and maintenance", "incomestatement", "debit", "Vehicle", True),
    ("6300", "Insurance", "incomestatement", "debit", "Insurance", True),
    ("6400", "Driver pay", "incomestatement", "debit", "Payroll", True),
    ("6500", "Office supplies", "incomestatement", "debit", "Office", True),
    ("6900", "Uncategorized Expense", "incomestatement", "debit", "Other Expenses", True),
    ("6950", "Old truck lease", "incomestatement", "debit", "Equipment Rental", False),
]

# (VENDORID, NAME, active, currency)
_VENDORS = [
    ("V100", "Pilot Flying J", True, "USD"),
    ("V101", "Love's Travel Stops", True, "USD"),
    ("V102", "E-ZPass", True, "USD"),
    ("V103", "Speedco Truck Lube", True, "USD"),
    ("V104", "Staples", True, "USD"),
    ("V105", "Marriott", True, "USD"),
    ("V106", "Comdata", True, "USD"),
    ("V107", "Jorge Alvarez (driver)", True, "USD"),
    ("V108", "Petro-Canada", True, "CAD"),
    ("V199", "Old Tire Shop", False, "USD"),
]

_CLASSES = [("T7", "Truck 7", True), ("T12", "Truck 12", True), ("T15", "Truck 15", True),
            ("T3", "Truck 3 (sold)", False)]
_DEPARTMENTS = [("CHI", "Chicago terminal", True), ("DAL", "Dallas terminal", True), ("HQ", "Head office", True),
                ("MEM", "Memphis terminal (closed)", False)]
_LOCATIONS = [("US", "United States", True), ("CA", "Canada", True), ("MX", "Mexico (closed)", False)]
_PROJECTS = [("P-ACME", "Acme Foods lanes", True), ("P-GLP", "Great Lakes Paper lanes", True),
             ("P-OLD", "Old contract", False)]
_CUSTOMERS = [("C100", "Acme Foods Distribution", True), ("C101", "Great Lakes Paper Co", True)]
_EMPLOYEES = [("E100", "Jorge Alvarez", True), ("E101", "Dana Whitfield", True), ("E199", "Former Driver", False)]
# (DETAILID, TAXTYPE, VALUE %, active)
_TAX_DETAILS = [("IL State Sales Tax", "Sale", "6.25", True), ("IL Use Tax", "Purchase", "6.25", True),
                ("Exempt purchase", "Purchase", "0", True), ("Old county tax", "Purchase", "1.00", False)]
_CURRENCIES = [("CAD", "Canadian Dollar"), ("EUR", "Euro")]
# Home-currency units per foreign unit (FROM → USD), by effective start date.
_RATES = [("CAD", "01/01/2025", "0.73"), ("CAD", "01/01/2026", "0.74"), ("EUR", "01/01/2025", "1.08"),
          ("EUR", "01/01/2026", "1.10")]
# (NAME, non-reimbursable, offset account)
_PAYMENT_TYPES = [("Company Visa", True, "2110"), ("Fuel card", True, "2100"), ("Personal card", False, "")]


def _status(active: bool) -> str:
    return "active" if active else "inactive"


def _stamped(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "WHENCREATED": SEED_TIME, "WHENMODIFIED": SEED_TIME, "CREATEDBY": "1", "MODIFIEDBY": "1"}


def seed_objects() -> dict[str, list[dict[str, Any]]]:
    """Every seeded record by object name, without RECORDNO (the store numbers them)."""
    return {
        "GLACCOUNT": [_stamped({"ACCOUNTNO": no, "TITLE": title, "ACCOUNTTYPE": kind, "NORMALBALANCE": normal,
                                "CLOSINGTYPE": "non-closing account" if kind == "balancesheet" else "closing account",
                                "CATEGORY": category, "STATUS": _status(active), "REQUIREDEPT": "false",
                                "REQUIRELOC": "false", "REQUIRECLASS": "false"})
                      for no, title, kind, normal, category, active in _ACCOUNTS],
        "VENDOR": [_stamped({"VENDORID": vid, "NAME": name, "STATUS": _status(active), "CURRENCY": currency,
                             "PARENTKEY": "", "PARENTID": "", "PARENTNAME": "", "NAME1099": "",
                             "DISPLAYCONTACT": {"PRINTAS": name, "EMAIL1": ""}})
                   for vid, name, active, currency in _VENDORS],
        "CLASS": [_stamped({"CLASSID": cid, "NAME": name, "STATUS": _status(active), "PARENTID": ""})
                  for cid, name, active in _CLASSES],
        "DEPARTMENT": [_stamped({"DEPARTMENTID": did, "TITLE": name, "STATUS": _status(active), "PARENTID": ""})
                       for did, name, active in _DEPARTMENTS],
        "LOCATION": [_stamped({"LOCATIONID": lid, "NAME": name, "STATUS": _status(active), "PARENTID": ""})
                     for lid, name, active in _LOCATIONS],
        "PROJECT": [_stamped({"PROJECTID": pid, "NAME": name, "STATUS": _status(active), "PARENTID": ""})
                    for pid, name, active in _PROJECTS],
        "CUSTOMER": [_stamped({"CUSTOMERID": cid, "NAME": name, "STATUS": _status(active)})
                     for cid, name, active in _CUSTOMERS],
        "EMPLOYEE": [_stamped({"EMPLOYEEID": eid, "PERSONALINFO.CONTACTNAME": name, "STATUS": _status(active)})
                     for eid, name, active in _EMPLOYEES],
        "TAXDETAIL": [_stamped({"DETAILID": did, "TAXTYPE": kind, "VALUE": value, "STATUS": _status(active),
                                "DESCRIPTION": did, "TAXAUTHORITY": "Illinois Department of Revenue"})
                      for did, kind, value, active in _TAX_DETAILS],
        "TRXCURRENCIES": [_stamped({"CODE": code, "DESCRIPTION": name, "STATUS": "active"})
                          for code, name in _CURRENCIES],
        "EXCHANGERATEENTRY": [_stamped({"FROM_CURRENCY": code, "TO_CURRENCY": HOME_CURRENCY,
                                        "EFFECTIVE_START_DATE": start, "RATE": rate, "STATUS": "active"})
                              for code, start, rate in _RATES],
        "EXPENSEPAYMENTTYPE": [_stamped({"NAME": name, "NONREIMBURSABLE": "true" if nonreimb else "false",
                                         "OFFSETACCTNO": offset, "STATUS": "active"})
                               for name, nonreimb, offset in _PAYMENT_TYPES],
        "GLJOURNAL": [_stamped({"SYMBOL": "GJ", "TITLE": "General Journal", "STATUS": "active"}),
                      _stamped({"SYMBOL": "ADJ", "TITLE": "Adjustments", "STATUS": "active"})],
        "GLBATCH": [],
        "APBILL": [],
        "EEXPENSES": [],
    }


def company_preferences() -> dict[str, dict[str, str]]:
    """``get_companyprefs`` answers by application (names as the connector reads them)."""
    return {
        "GEN": {"COMPANYNAME": COMPANY_NAME, "BASECURRENCY": HOME_CURRENCY, "MULTICURRENCY": "T", "COUNTRY": "US"},
        "GL": {"BOOKSCLOSEDTHROUGH": CLOSED_THROUGH, "EMPLOYEEDIMENSION": "T"},
        "AP": {"DUPLICATEBILLNUMBERCHECK": "T"},
    }


# Fields each object can be queried on, besides those its records carry.
EXTRA_FIELDS = {
    "GLBATCH": {"RECORDNO", "BATCHNO", "JOURNAL", "BATCH_DATE", "BATCH_TITLE", "REFERENCENO", "STATE", "SUPDOCID",
                "MODULE", "WHENCREATED", "WHENMODIFIED", "CREATEDBY", "MODIFIEDBY"},
    "APBILL": {"RECORDNO", "RECORDID", "VENDORID", "VENDORNAME", "WHENCREATED", "WHENPOSTED", "WHENDUE",
               "DESCRIPTION", "CURRENCY", "BASECURR", "TOTALENTERED", "STATE", "SUPDOCID", "WHENMODIFIED"},
    "EEXPENSES": {"RECORDNO", "RECORDID", "EMPLOYEEID", "WHENCREATED", "WHENPOSTED", "DESCRIPTION", "STATE",
                  "CURRENCY", "BASECURR", "TOTALENTERED", "SUPDOCID", "WHENMODIFIED"},
}
