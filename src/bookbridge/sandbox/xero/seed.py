"""The organisation every fresh Xero sandbox starts with: the same small US trucking business as
the QBO sandbox, in Xero's terms.

Accounts keep the QBO sandbox's codes (so one mapping template serves both), with Xero's account
types: credit cards are BANK accounts of bank-account type CREDITCARD; A/P, A/R, sales tax and
retained earnings are system accounts (which manual journals may not use). Dimensions are two
tracking categories, Truck and Terminal. Each list has archived entries, so "archived reference"
refusals can be exercised. Lock dates: end of year 2024-06-30, period 2024-12-31.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from bookbridge.sandbox.xero.timefmt import ms_date, ms_datetime

SEED_TIME = datetime(2024, 1, 2, 17, 0, tzinfo=timezone.utc)
BASE_CURRENCY = "USD"
CURRENCY_NAMES = {"USD": "United States Dollar", "CAD": "Canadian Dollar", "EUR": "Euro"}
PERIOD_LOCK_DATE = date(2024, 12, 31)
END_OF_YEAR_LOCK_DATE = date(2024, 6, 30)
_NAMESPACE = uuid.UUID("6c1d2b8e-45f0-4b7e-9a57-2d8c1f0e9b11")

# (Code, Name, Type, Status, BankAccountType, SystemAccount, CurrencyCode, Class)
_ACCOUNTS = [
    ("1000", "Checking", "BANK", "ACTIVE", "BANK", "", "USD", "ASSET"),
    ("1010", "Savings", "BANK", "ACTIVE", "BANK", "", "USD", "ASSET"),
    ("1100", "Accounts Receivable", "CURRENT", "ACTIVE", "", "DEBTORS", "", "ASSET"),
    ("1200", "Prepaid expenses", "PREPAYMENT", "ACTIVE", "", "", "", "ASSET"),
    ("1500", "Vehicles - equipment", "FIXED", "ACTIVE", "", "", "", "ASSET"),
    ("1590", "Accumulated depreciation", "FIXED", "ACTIVE", "", "", "", "ASSET"),
    ("2000", "Accounts Payable", "CURRLIAB", "ACTIVE", "", "CREDITORS", "", "LIABILITY"),
    ("2100", "Fuel card (Comdata)", "BANK", "ACTIVE", "CREDITCARD", "", "USD", "LIABILITY"),
    ("2110", "Company Visa", "BANK", "ACTIVE", "CREDITCARD", "", "USD", "LIABILITY"),
    ("2120", "Company Amex (EUR)", "BANK", "ACTIVE", "CREDITCARD", "", "EUR", "LIABILITY"),
    ("2190", "Old fuel card", "BANK", "ARCHIVED", "CREDITCARD", "", "USD", "LIABILITY"),
    ("2300", "Employee reimbursements payable", "CURRLIAB", "ACTIVE", "", "", "", "LIABILITY"),
    ("2310", "Payroll clearing", "CURRLIAB", "ACTIVE", "", "", "", "LIABILITY"),
    ("2400", "Sales tax payable", "CURRLIAB", "ACTIVE", "", "GST", "", "LIABILITY"),
    ("3000", "Owner's equity", "EQUITY", "ACTIVE", "", "", "", "EQUITY"),
    ("3200", "Retained earnings", "EQUITY", "ACTIVE", "", "RETAINEDEARNINGS", "", "EQUITY"),
    ("4000", "Freight revenue", "REVENUE", "ACTIVE", "", "", "", "REVENUE"),
    ("6100", "Travel", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6110", "Meals and entertainment", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6120", "Lodging", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6200", "Fuel", "DIRECTCOSTS", "ACTIVE", "", "", "", "EXPENSE"),
    ("6210", "Tolls and parking", "DIRECTCOSTS", "ACTIVE", "", "", "", "EXPENSE"),
    ("6220", "Repairs and maintenance", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6230", "Permits and licenses", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6300", "Insurance", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6400", "Driver pay", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6500", "Office supplies", "OVERHEADS", "ACTIVE", "", "", "", "EXPENSE"),
    ("6600", "Bank charges", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6900", "Uncategorized Expense", "EXPENSE", "ACTIVE", "", "", "", "EXPENSE"),
    ("6950", "Old truck lease", "EXPENSE", "ARCHIVED", "", "", "", "EXPENSE"),
]

# (Name, ContactStatus, IsSupplier, IsCustomer, DefaultCurrency, EmailAddress)
_CONTACTS = [
    ("Pilot Flying J", "ACTIVE", True, False, "USD", "ap@pilotflyingj.example"),
    ("Love's Travel Stops", "ACTIVE", True, False, "USD", ""),
    ("E-ZPass", "ACTIVE", True, False, "USD", ""),
    ("Speedco Truck Lube", "ACTIVE", True, False, "USD", ""),
    ("Staples", "ACTIVE", True, False, "USD", ""),
    ("Marriott", "ACTIVE", True, False, "USD", ""),
    ("Comdata", "ACTIVE", True, False, "USD", ""),
    ("Jorge Alvarez (driver)", "ACTIVE", True, False, "USD", ""),
    ("Petro-Canada", "ACTIVE", True, False, "CAD", ""),
    ("Old Tire Shop", "ARCHIVED", True, False, "USD", ""),
    ("Acme Foods Distribution", "ACTIVE", False, True, "USD", ""),
    ("Great Lakes Paper Co", "ACTIVE", False, True, "USD", ""),
]

# (Category, Status, [(Option, Status)])
_TRACKING = [
    ("Truck", "ACTIVE", [("Truck 7", "ACTIVE"), ("Truck 12", "ACTIVE"), ("Truck 15", "ACTIVE"),
                         ("Truck 3 (sold)", "ARCHIVED")]),
    ("Terminal", "ACTIVE", [("Chicago terminal", "ACTIVE"), ("Dallas terminal", "ACTIVE"), ("Head office", "ACTIVE"),
                            ("Memphis terminal (closed)", "ARCHIVED")]),
    ("Region (old)", "ARCHIVED", [("North", "ACTIVE")]),
]

# (TaxType, Name, Status, ReportTaxType, [(component, rate)], CanApplyToExpenses, CanApplyToRevenue)
_TAX_RATES = [
    ("NONE", "No Tax", "ACTIVE", "NONE", [("No Tax", "0.0000")], True, True),
    ("INPUT", "Tax on Purchases", "ACTIVE", "INPUT", [("State tax", "6.2500"), ("County tax", "2.0000")], True, False),
    ("OUTPUT", "Tax on Sales", "ACTIVE", "OUTPUT", [("State tax", "6.2500"), ("County tax", "2.0000")], False, True),
    ("EXEMPTEXPENSES", "Tax Exempt Expenses", "ACTIVE", "EXEMPTEXPENSES", [("Exempt", "0.0000")], True, False),
    ("TAX002", "Old county tax", "ARCHIVED", "INPUT", [("County tax (old)", "7.5000")], True, False),
]


def stable_id(tenant_id: str, kind: str, name: str) -> str:
    """A UUID that is the same for the same tenant and name in every run (seeded objects)."""
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}/{kind}/{name}"))


def _account(tenant_id: str, row: tuple) -> dict[str, Any]:
    code, name, account_type, status, bank_type, system, currency, account_class = row
    account: dict[str, Any] = {
        "AccountID": stable_id(tenant_id, "account", code), "Code": code, "Name": name, "Status": status,
        "Type": account_type, "TaxType": "NONE", "Class": account_class, "EnablePaymentsToAccount": False,
        "ShowInExpenseClaims": account_type in ("EXPENSE", "OVERHEADS", "DIRECTCOSTS"), "ReportingCode": "",
        "HasAttachments": False, "UpdatedDateUTC": ms_datetime(SEED_TIME), "AddToWatchlist": False,
    }
    if bank_type:
        account.update({"BankAccountType": bank_type, "BankAccountNumber": f"12-3456-{code}", "CurrencyCode": currency})
    if system:
        account["SystemAccount"] = system
    return account


def _contact(tenant_id: str, row: tuple) -> dict[str, Any]:
    name, status, supplier, customer, currency, email = row
    return {
        "ContactID": stable_id(tenant_id, "contact", name), "ContactStatus": status, "Name": name,
        "EmailAddress": email, "IsSupplier": supplier, "IsCustomer": customer, "DefaultCurrency": currency,
        "Addresses": [], "Phones": [], "UpdatedDateUTC": ms_datetime(SEED_TIME), "HasAttachments": False,
    }


def _tracking(tenant_id: str, row: tuple) -> dict[str, Any]:
    name, status, options = row
    category_id = stable_id(tenant_id, "tracking", name)
    return {
        "TrackingCategoryID": category_id, "Name": name, "Status": status,
        "Options": [{"TrackingOptionID": stable_id(tenant_id, f"tracking/{name}", option), "Name": option,
                     "Status": option_status, "TrackingCategoryID": category_id}
                    for option, option_status in options],
    }


def _tax_rate(row: tuple) -> dict[str, Any]:
    tax_type, name, status, report_type, components, expenses, revenue = row
    rate = sum((Decimal(r) for _, r in components), Decimal(0))
    return {
        "Name": name, "TaxType": tax_type, "Status": status, "ReportTaxType": report_type,
        "CanApplyToAssets": True, "CanApplyToEquity": True, "CanApplyToExpenses": expenses,
        "CanApplyToLiabilities": True, "CanApplyToRevenue": revenue, "DisplayTaxRate": rate, "EffectiveRate": rate,
        "TaxComponents": [{"Name": c, "Rate": Decimal(r), "IsCompound": False, "IsNonRecoverable": False}
                          for c, r in components],
    }


def organisation(tenant_id: str, name: str) -> dict[str, Any]:
    return {
        "OrganisationID": stable_id(tenant_id, "organisation", name), "Name": name, "LegalName": name,
        "PaysTax": True, "Version": "US", "OrganisationType": "COMPANY", "BaseCurrency": BASE_CURRENCY,
        "CountryCode": "US", "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31, "FinancialYearEndMonth": 12, "SalesTaxBasis": "ACCRUALS",
        "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Exclusive",
        "PeriodLockDate": ms_date(PERIOD_LOCK_DATE), "EndOfYearLockDate": ms_date(END_OF_YEAR_LOCK_DATE),
        "CreatedDateUTC": ms_datetime(SEED_TIME), "OrganisationEntityType": "COMPANY", "Timezone": "CENTRALSTANDARDTIME",
        "ShortCode": "!bB7xQ", "Edition": "BUSINESS", "Class": "PREMIUM", "Addresses": [], "Phones": [],
        "ExternalLinks": [], "PaymentTerms": {},
    }


def seed_organisation(tenant_id: str, name: str) -> dict[str, Any]:
    """The collections of a fresh organisation, keyed by Xero id (tax rates by TaxType)."""
    accounts = [_account(tenant_id, row) for row in _ACCOUNTS]
    contacts = [_contact(tenant_id, row) for row in _CONTACTS]
    tracking = [_tracking(tenant_id, row) for row in _TRACKING]
    return {
        "Organisation": organisation(tenant_id, name),
        "Accounts": {a["AccountID"]: a for a in accounts},
        "Contacts": {c["ContactID"]: c for c in contacts},
        "TrackingCategories": {t["TrackingCategoryID"]: t for t in tracking},
        "TaxRates": {row[0]: _tax_rate(row) for row in _TAX_RATES},
        "Currencies": {code: {"Code": code, "Description": CURRENCY_NAMES[code]} for code in CURRENCY_NAMES},
        "ManualJournals": {},
        "Invoices": {},
        "BankTransactions": {},
    }
