"""The sample company every fresh sandbox starts with: a small US trucking business.

The chart of accounts covers what Bookbridge's demo and tests code to: expense accounts for
fuel, tolls, repairs and driver pay; liabilities including credit cards, "Employee
reimbursements payable" and "Payroll clearing"; fixed assets including "Vehicles - equipment";
bank accounts; and A/P. Each list has one inactive record so "inactive reference" (610) can be
exercised. Books are closed through 2024-12-31.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

SEED_TIME = "2024-01-02T09:00:00-08:00"
HOME_CURRENCY = "USD"
CURRENCY_NAMES = {"USD": "United States Dollar", "CAD": "Canadian Dollar", "EUR": "Euro"}
BOOK_CLOSE_DATE = "2024-12-31"

# Home-currency units per foreign unit, used when a foreign-currency write omits ExchangeRate.
EXCHANGE_RATES = {"CAD": Decimal("0.73"), "EUR": Decimal("1.08")}

_CLASSIFICATION = {
    "Bank": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense",
}

# (Id, AcctNum, Name, AccountType, AccountSubType, Active, currency)
_ACCOUNTS = [
    ("35", "1000", "Checking", "Bank", "Checking", True, "USD"),
    ("36", "1010", "Savings", "Bank", "Savings", True, "USD"),
    ("37", "1200", "Prepaid expenses", "Other Current Asset", "PrepaidExpenses", True, "USD"),
    ("60", "1500", "Vehicles - equipment", "Fixed Asset", "Vehicles", True, "USD"),
    ("61", "1590", "Accumulated depreciation", "Fixed Asset", "AccumulatedDepreciation", True, "USD"),
    ("33", "2000", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", True, "USD"),
    ("41", "2100", "Fuel card (Comdata)", "Credit Card", "CreditCard", True, "USD"),
    ("42", "2110", "Company Visa", "Credit Card", "CreditCard", True, "USD"),
    ("44", "2120", "Company Amex (EUR)", "Credit Card", "CreditCard", True, "EUR"),
    ("43", "2190", "Old fuel card", "Credit Card", "CreditCard", False, "USD"),
    ("50", "2300", "Employee reimbursements payable", "Other Current Liability", "OtherCurrentLiabilities", True, "USD"),
    ("51", "2310", "Payroll clearing", "Other Current Liability", "PayrollClearing", True, "USD"),
    ("52", "2400", "Sales tax payable", "Other Current Liability", "SalesTaxPayable", True, "USD"),
    ("70", "3000", "Opening Balance Equity", "Equity", "OpeningBalanceEquity", True, "USD"),
    ("79", "4000", "Freight revenue", "Income", "ServiceFeeIncome", True, "USD"),
    ("7", "6100", "Travel", "Expense", "Travel", True, "USD"),
    ("8", "6110", "Meals and entertainment", "Expense", "EntertainmentMeals", True, "USD"),
    ("18", "6120", "Lodging", "Expense", "Travel", True, "USD"),
    ("10", "6200", "Fuel", "Expense", "Auto", True, "USD"),
    ("11", "6210", "Tolls and parking", "Expense", "Auto", True, "USD"),
    ("12", "6220", "Repairs and maintenance", "Expense", "RepairMaintenance", True, "USD"),
    ("16", "6230", "Permits and licenses", "Expense", "TaxesPaid", True, "USD"),
    ("15", "6300", "Insurance", "Expense", "Insurance", True, "USD"),
    ("14", "6400", "Driver pay", "Expense", "PayrollExpenses", True, "USD"),
    ("13", "6500", "Office supplies", "Expense", "OfficeGeneralAdministrativeExpenses", True, "USD"),
    ("17", "6510", "Telephone", "Expense", "Utilities", True, "USD"),
    ("19", "6600", "Bank charges", "Expense", "BankCharges", True, "USD"),
    ("20", "6900", "Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost", True, "USD"),
    ("21", "6950", "Old truck lease", "Expense", "EquipmentRental", False, "USD"),
]

# (Id, DisplayName, Active, currency)
_VENDORS = [
    ("56", "Pilot Flying J", True, "USD"),
    ("57", "Love's Travel Stops", True, "USD"),
    ("58", "E-ZPass", True, "USD"),
    ("59", "Speedco Truck Lube", True, "USD"),
    ("62", "Staples", True, "USD"),
    ("63", "Marriott", True, "USD"),
    ("64", "Comdata", True, "USD"),
    ("65", "Jorge Alvarez (driver)", True, "USD"),
    ("66", "Petro-Canada", True, "CAD"),
    ("67", "Old Tire Shop", False, "USD"),
]

# Shippers whose freight jobs expenses can be billed to (CustomerRef on expense lines).
_CUSTOMERS = [
    ("9", "Acme Foods Distribution", True),
    ("26", "Great Lakes Paper Co", True),
]

_CLASSES = [
    ("5000000000000142240", "Truck 7", True),
    ("5000000000000142241", "Truck 12", True),
    ("5000000000000142242", "Truck 15", True),
    ("5000000000000142243", "Truck 3 (sold)", False),
]

_DEPARTMENTS = [
    ("1", "Chicago terminal", True),
    ("2", "Dallas terminal", True),
    ("3", "Head office", True),
    ("4", "Memphis terminal (closed)", False),
]


def _meta() -> dict[str, str]:
    return {"CreateTime": SEED_TIME, "LastUpdatedTime": SEED_TIME}


def _common(object_id: str) -> dict[str, Any]:
    return {"Id": object_id, "SyncToken": "0", "domain": "QBO", "sparse": False, "MetaData": _meta()}


def currency_ref(code: str) -> dict[str, str]:
    return {"value": code, "name": CURRENCY_NAMES.get(code, code)}


def _account(row: tuple) -> dict[str, Any]:
    object_id, number, name, account_type, sub_type, active, currency = row
    return {
        "Name": name,
        "AcctNum": number,
        "FullyQualifiedName": name,
        "SubAccount": False,
        "Active": active,
        "Classification": _CLASSIFICATION[account_type],
        "AccountType": account_type,
        "AccountSubType": sub_type,
        "CurrentBalance": Decimal(0),
        "CurrentBalanceWithSubAccounts": Decimal(0),
        "CurrencyRef": currency_ref(currency),
        **_common(object_id),
    }


def _vendor(row: tuple) -> dict[str, Any]:
    object_id, name, active, currency = row
    return {
        "DisplayName": name,
        "CompanyName": name,
        "PrintOnCheckName": name,
        "Active": active,
        "Vendor1099": False,
        "Balance": Decimal(0),
        "CurrencyRef": currency_ref(currency),
        **_common(object_id),
    }


def _customer(row: tuple) -> dict[str, Any]:
    object_id, name, active = row
    return {
        "DisplayName": name,
        "CompanyName": name,
        "FullyQualifiedName": name,
        "Active": active,
        "Balance": Decimal(0),
        "CurrencyRef": currency_ref(HOME_CURRENCY),
        **_common(object_id),
    }


def _named(row: tuple, **extra: Any) -> dict[str, Any]:
    object_id, name, active = row
    return {"Name": name, "FullyQualifiedName": name, "Active": active, **extra, **_common(object_id)}


def _tax_codes() -> list[dict[str, Any]]:
    return [
        {
            "Name": "TAX",
            "Description": "TAX",
            "Active": True,
            "Taxable": True,
            "TaxGroup": False,
            **_common("TAX"),
        },
        {
            "Name": "NON",
            "Description": "NON",
            "Active": True,
            "Taxable": False,
            "TaxGroup": False,
            **_common("NON"),
        },
        {
            "Name": "Illinois sales tax",
            "Description": "Illinois state sales tax",
            "Active": True,
            "Taxable": True,
            "TaxGroup": True,
            "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "1", "name": "IL state"}}]},
            "PurchaseTaxRateList": {"TaxRateDetail": []},
            **_common("5"),
        },
    ]


def _tax_rates() -> list[dict[str, Any]]:
    return [
        {
            "Name": "IL state",
            "Description": "Illinois state sales tax",
            "Active": True,
            "RateValue": Decimal("6.25"),
            "AgencyRef": {"value": "1"},
            "SpecialTaxType": "NONE",
            "DisplayType": "ReadOnly",
            "EffectiveTaxRate": [{"RateValue": Decimal("6.25"), "EffectiveDate": "2020-01-01T00:00:00-08:00"}],
            **_common("1"),
        }
    ]


def _currencies() -> list[dict[str, Any]]:
    return [
        {"Code": code, "Name": CURRENCY_NAMES[code], "Active": True, **_common(object_id)}
        for object_id, code in (("1", "CAD"), ("2", "EUR"))
    ]


def _preferences() -> dict[str, Any]:
    return {
        "AccountingInfoPrefs": {
            "UseAccountNumbers": True,
            "TrackDepartments": True,
            "DepartmentTerminology": "Location",
            "ClassTrackingPerTxn": False,
            "ClassTrackingPerTxnLine": True,
            "CustomerTerminology": "Customers",
            "FirstMonthOfFiscalYear": "January",
            "TaxYearMonth": "January",
            "BookCloseDate": BOOK_CLOSE_DATE,
        },
        "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": HOME_CURRENCY}},
        "TaxPrefs": {"UsingSalesTax": True},
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": False, "BillableExpenseTracking": False},
        **_common("1"),
    }


def _company_info(realm_id: str) -> dict[str, Any]:
    address = {"Line1": "2100 S Canal St", "City": "Chicago", "CountrySubDivisionCode": "IL", "PostalCode": "60616"}
    return {
        "CompanyName": "Sandbox Trucking LLC",
        "LegalName": "Sandbox Trucking LLC",
        "CompanyAddr": {"Id": "1", **address},
        "LegalAddr": {"Id": "1", **address},
        "Country": "US",
        "CompanyStartDate": "2020-01-01",
        "FiscalYearStartMonth": "January",
        "SupportedLanguages": "en",
        "Email": {"Address": "books@sandbox-trucking.example"},
        "NameValue": [{"Name": "OfferingSku", "Value": "QuickBooks Online Plus"}],
        **_common(realm_id),
    }


def seed_company(realm_id: str) -> dict[str, dict[str, dict[str, Any]]]:
    """All seeded objects by entity name and Id."""
    lists: dict[str, list[dict[str, Any]]] = {
        "Account": [_account(row) for row in _ACCOUNTS],
        "Vendor": [_vendor(row) for row in _VENDORS],
        "Customer": [_customer(row) for row in _CUSTOMERS],
        "Class": [_named(row, SubClass=False) for row in _CLASSES],
        "Department": [_named(row, SubDepartment=False) for row in _DEPARTMENTS],
        "TaxCode": _tax_codes(),
        "TaxRate": _tax_rates(),
        "CompanyCurrency": _currencies(),
        "Preferences": [_preferences()],
        "CompanyInfo": [_company_info(realm_id)],
    }
    return {name: {obj["Id"]: obj for obj in objects} for name, objects in lists.items()}
