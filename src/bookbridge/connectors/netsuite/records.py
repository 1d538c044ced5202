"""SuiteQL rows (every value text) to our reference DTOs, and the statements that read them.

Each list is one :class:`Listing`: the table, the columns Bookbridge reads (dates through
``TO_CHAR`` so they arrive in ISO form whatever the user's date format), and a parser. Booleans
arrive as ``"T"``/``"F"``; currencies are referenced by internal id, so parsers take the id →
ISO code map read once per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from bookbridge.connectors.dto import (
    AccountClass,
    AccountRecord,
    ChangeOperation,
    ChangeRecord,
    DimensionRecord,
    DocumentKind,
    TaxCodeRecord,
    TaxRateRecord,
    VendorRecord,
)
from bookbridge.connectors.netsuite.config import ACCOUNT_TIMEZONE
from bookbridge.connectors.netsuite.suiteql import iso_date, iso_datetime

Row = Mapping[str, Any]
CurrencyCodes = Mapping[str, str]

# accttype ids → the names NetSuite shows (and QBO shares), their classification, and our class
# (None: non-posting and statistical accounts carry no money).
ACCOUNT_TYPES: dict[str, tuple[str, str, AccountClass | None]] = {
    "Bank": ("Bank", "Asset", AccountClass.BANK),
    "AcctRec": ("Accounts Receivable", "Asset", AccountClass.ASSET),
    "OthCurrAsset": ("Other Current Asset", "Asset", AccountClass.ASSET),
    "FixedAsset": ("Fixed Asset", "Asset", AccountClass.ASSET),
    "OthAsset": ("Other Asset", "Asset", AccountClass.ASSET),
    "DeferExpense": ("Deferred Expense", "Asset", AccountClass.ASSET),
    "UnbilledRec": ("Unbilled Receivable", "Asset", AccountClass.ASSET),
    "AcctPay": ("Accounts Payable", "Liability", AccountClass.PAYABLE),
    "CredCard": ("Credit Card", "Liability", AccountClass.CREDIT_CARD),
    "OthCurrLiab": ("Other Current Liability", "Liability", AccountClass.LIABILITY),
    "LongTermLiab": ("Long Term Liability", "Liability", AccountClass.LIABILITY),
    "DeferRevenue": ("Deferred Revenue", "Liability", AccountClass.LIABILITY),
    "Equity": ("Equity", "Equity", AccountClass.EQUITY),
    "RetainedEarnings": ("Retained Earnings", "Equity", AccountClass.EQUITY),
    "Income": ("Income", "Revenue", AccountClass.INCOME),
    "OthIncome": ("Other Income", "Revenue", AccountClass.INCOME),
    "COGS": ("Cost of Goods Sold", "Expense", AccountClass.EXPENSE),
    "Expense": ("Expense", "Expense", AccountClass.EXPENSE),
    "OthExpense": ("Other Expense", "Expense", AccountClass.EXPENSE),
    "NonPosting": ("Non Posting", "", None),
    "Stat": ("Statistical", "", None),
}

# SuiteQL recordtype of the transactions we post → our document kinds.
TRANSACTION_KINDS: dict[str, DocumentKind] = {
    "journalentry": DocumentKind.JOURNAL_ENTRY,
    "vendorbill": DocumentKind.BILL,
    "expensereport": DocumentKind.PURCHASE,
}


def flag(value: Any) -> bool:
    """A SuiteQL boolean (``"T"``/``"F"``; JSON booleans accepted too)."""
    return value is True or str(value).upper() in ("T", "TRUE")


def text(row: Row, name: str) -> str | None:
    value = row.get(name)
    return None if value is None or value == "" else str(value)


def parse_date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def parse_datetime(value: Any) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` in the account's time zone, as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=ACCOUNT_TIMEZONE)


def parse_rate(value: Any) -> Decimal:
    """A tax rate as SuiteQL shows it (``"6.25%"``) as a percentage Decimal."""
    try:
        return Decimal(str(value or "0").strip().rstrip("%") or "0")
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True, slots=True)
class Listing:
    """One SuiteQL table Bookbridge reads: which columns, and how a row becomes a DTO."""

    kind: str
    table: str
    columns: str
    parse: Callable[[Row, CurrencyCodes], object] | None = None

    def statement(self, where: str | None = None) -> str:
        clause = f" WHERE {where}" if where else ""
        return f"SELECT {self.columns} FROM {self.table}{clause} ORDER BY id"


def account(row: Row, codes: CurrencyCodes) -> AccountRecord:
    type_id = text(row, "accttype") or ""
    name, classification, account_class = ACCOUNT_TYPES.get(type_id, (type_id, "", None))
    currency = text(row, "currency")
    return AccountRecord(
        id=str(row["id"]), name=text(row, "acctname") or text(row, "fullname") or "", active=not flag(row.get("isinactive")),
        type=name, subtype=type_id, classification=classification, number=text(row, "acctnumber"),
        currency=codes.get(currency, currency) if currency else None, full_name=text(row, "fullname"),
        parent_id=text(row, "parent"), account_class=account_class,
    )


def vendor(row: Row, codes: CurrencyCodes) -> VendorRecord:
    currency = text(row, "currency")
    return VendorRecord(
        id=str(row["id"]), name=text(row, "companyname") or text(row, "entityid") or "",
        active=not flag(row.get("isinactive")), currency=codes.get(currency, currency) if currency else None,
        email=text(row, "email"),
    )


def dimension(kind: str) -> Callable[[Row, CurrencyCodes], DimensionRecord]:
    def parse(row: Row, codes: CurrencyCodes) -> DimensionRecord:
        return DimensionRecord(kind=kind, id=str(row["id"]), name=text(row, "name") or "",
                               active=not flag(row.get("isinactive")), full_name=text(row, "fullname"),
                               parent_id=text(row, "parent"))

    return parse


def tax_code(row: Row, codes: CurrencyCodes) -> TaxCodeRecord:
    rate = parse_rate(row.get("rate"))
    return TaxCodeRecord(id=str(row["id"]), name=text(row, "itemid") or "", active=not flag(row.get("isinactive")),
                         description=text(row, "description") or "", taxable=rate != 0,
                         purchase_rate_ids=(str(row["id"]),), sales_rate_ids=(str(row["id"]),))


def tax_rate(row: Row, codes: CurrencyCodes) -> TaxRateRecord:
    # Legacy tax: each tax code carries its own rate, so the rate shares the code's id.
    return TaxRateRecord(id=str(row["id"]), name=text(row, "itemid") or "", rate=parse_rate(row.get("rate")),
                         active=not flag(row.get("isinactive")))


_MODIFIED = iso_datetime("lastmodifieddate")
ACCOUNTS = Listing("account", "account", "id, acctnumber, accountsearchdisplaynamecopy AS acctname, fullname, accttype, "
                   f"isinactive, currency, parent, {_MODIFIED}", account)
VENDORS = Listing("vendor", "vendor", f"id, entityid, companyname, isinactive, currency, email, "
                  f"{iso_datetime('datecreated')}, {_MODIFIED}", vendor)
DIMENSIONS = tuple(
    Listing(kind, table, f"id, name, fullname, isinactive, parent, {_MODIFIED}", dimension(kind))
    for kind, table in (("department", "department"), ("class", "classification"), ("location", "location"))
)
TAX_CODES = Listing("tax_code", "salestaxitem", f"id, itemid, description, rate, isinactive, {_MODIFIED}", tax_code)
SUBSIDIARIES = Listing("subsidiary", "subsidiary", "id, name, fullname, currency, country, parent, iselimination, isinactive")
CURRENCIES = Listing("currency", "currency", "id, symbol, name, isbasecurrency, isinactive")
CATEGORIES = Listing("expense_category", "expensecategory", "id, name, expenseacct, isinactive")
PERIODS = Listing("accounting_period", "accountingperiod",
                  f"id, periodname, {iso_date('startdate')}, {iso_date('enddate')}, closed, alllocked, aplocked, "
                  "isyear, isquarter, isadjust")
TRANSACTIONS = Listing("transaction", "transaction", f"id, recordtype, tranid, externalid, "
                       f"{iso_datetime('createddate')}, {_MODIFIED}")
# Reference lists followed by changes_since, by our kind.
CHANGE_LISTINGS: dict[str, Listing] = {listing.kind: listing for listing in (ACCOUNTS, VENDORS, *DIMENSIONS, TAX_CODES)}


def version(row: Row) -> str | None:
    """A record's version mark: its ``lastmodifieddate`` exactly as SuiteQL writes it.

    Posts and the change feed both read it through SuiteQL, in the same column format, so the
    marks compare as text without guessing the account's time zone (REST shows UTC instead).
    """
    return text(row, "lastmodifieddate")


def reference_change(listing: Listing, row: Row, codes: CurrencyCodes) -> ChangeRecord:
    """A changed list entry (created when it was created no earlier than it was modified)."""
    modified = parse_datetime(row.get("lastmodifieddate"))
    created = parse_datetime(row.get("datecreated"))
    operation = ChangeOperation.CREATED if created is not None and created == modified else ChangeOperation.UPDATED
    record = listing.parse(row, codes) if listing.parse else None
    return ChangeRecord(listing.kind, str(row["id"]), operation, modified, record, dict(row), version=version(row))


def transaction_change(row: Row) -> ChangeRecord:
    kind = TRANSACTION_KINDS[str(row["recordtype"]).lower()]
    modified, created = parse_datetime(row.get("lastmodifieddate")), parse_datetime(row.get("createddate"))
    operation = ChangeOperation.CREATED if created is not None and created == modified else ChangeOperation.UPDATED
    return ChangeRecord(kind.value, str(row["id"]), operation, modified, None, dict(row), version=version(row))


def deletion(row: Row) -> ChangeRecord | None:
    """A ``deletedrecord`` row for a kind we follow, else ``None``."""
    record_type = str(row.get("recordtype") or "").lower()
    kind = TRANSACTION_KINDS.get(record_type)
    name = kind.value if kind else {"classification": "class", "salestaxitem": "tax_code"}.get(record_type, record_type)
    if kind is None and name not in CHANGE_LISTINGS:
        return None
    return ChangeRecord(name, str(row["recordid"]), ChangeOperation.DELETED, parse_datetime(row.get("deleteddate")),
                        None, dict(row))
