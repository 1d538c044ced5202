"""Xero objects (parsed JSON, numbers as Decimal) to our reference DTOs, and Xero's date format.

Xero writes timestamps the Microsoft JSON way, ``/Date(1552521600000+0000)/`` (milliseconds since
the epoch, UTC, with an optional offset), and some fields as ISO text; both are read here.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from bookbridge.connectors.dto import (
    AccountClass,
    AccountRecord,
    ChangeOperation,
    ChangeRecord,
    CompanyRecord,
    CurrencyRecord,
    DimensionRecord,
    DocumentKind,
    PostResult,
    TaxCodeRecord,
    TaxRateRecord,
    VendorRecord,
)

_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")
TRACKING_PREFIX = "tracking:"

# Our document kinds and Xero's collection and id names.
COLLECTIONS: dict[DocumentKind, tuple[str, str]] = {
    DocumentKind.JOURNAL_ENTRY: ("ManualJournals", "ManualJournalID"),
    DocumentKind.BILL: ("Invoices", "InvoiceID"),
    DocumentKind.PURCHASE: ("BankTransactions", "BankTransactionID"),
    DocumentKind.VENDOR: ("Contacts", "ContactID"),
}
_DELETED_STATUSES = frozenset({"DELETED", "VOIDED"})

# Xero account Type -> our neutral class (Xero's AccountType enum in its OpenAPI description).
# BANK splits on BankAccountType and CURRLIAB on SystemAccount below: a card is a bank account in
# Xero, and Accounts Payable is the current liability flagged CREDITORS.
_ACCOUNT_CLASSES: dict[str, AccountClass] = {
    "BANK": AccountClass.BANK,
    "CURRENT": AccountClass.ASSET, "FIXED": AccountClass.ASSET, "INVENTORY": AccountClass.ASSET,
    "NONCURRENT": AccountClass.ASSET, "PREPAYMENT": AccountClass.ASSET,
    "CURRLIAB": AccountClass.LIABILITY, "LIABILITY": AccountClass.LIABILITY, "TERMLIAB": AccountClass.LIABILITY,
    "PAYGLIABILITY": AccountClass.LIABILITY, "SUPERANNUATIONLIABILITY": AccountClass.LIABILITY,
    "WAGESPAYABLELIABILITY": AccountClass.LIABILITY,
    "EQUITY": AccountClass.EQUITY,
    "REVENUE": AccountClass.INCOME, "SALES": AccountClass.INCOME, "OTHERINCOME": AccountClass.INCOME,
    "EXPENSE": AccountClass.EXPENSE, "DIRECTCOSTS": AccountClass.EXPENSE, "OVERHEADS": AccountClass.EXPENSE,
    "DEPRECIATN": AccountClass.EXPENSE, "SUPERANNUATIONEXPENSE": AccountClass.EXPENSE,
    "WAGESEXPENSE": AccountClass.EXPENSE,
}


def account_class(obj: Mapping[str, Any]) -> AccountClass | None:
    """Our class for a Xero account: cards and A/P told apart from other bank and liability accounts."""
    if str(obj.get("SystemAccount") or "").upper() == "CREDITORS":
        return AccountClass.PAYABLE
    kind = str(obj.get("Type") or "").upper()
    if kind == "BANK" and str(obj.get("BankAccountType") or "").upper() == "CREDITCARD":
        return AccountClass.CREDIT_CARD
    return _ACCOUNT_CLASSES.get(kind)


def version(obj: Mapping[str, Any]) -> str | None:
    """Xero's mark of one version of an object: its ``UpdatedDateUTC`` (ISO text, UTC, milliseconds).

    Xero has no revision counter; every edit moves ``UpdatedDateUTC`` on, so a later change with
    another time is someone else's edit.
    """
    moment = parse_datetime(obj.get("UpdatedDateUTC"))
    return moment.isoformat(timespec="milliseconds") if moment is not None else None


def parse_datetime(value: Any) -> datetime | None:
    """A Xero timestamp: ``/Date(ms+hhmm)/`` or ISO 8601 (taken as UTC when it has no offset)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    match = _MS_DATE.match(text)
    if match:
        # The milliseconds are UTC; the offset only says which zone the value was written for.
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=int(match["ms"]))
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_date(value: Any) -> date | None:
    """A Xero date (``/Date(...)/`` at midnight UTC, or ``2025-01-31[T00:00:00]``)."""
    moment = parse_datetime(value)
    return moment.date() if moment is not None else None


def _status_active(obj: Mapping[str, Any], field: str = "Status") -> bool:
    return str(obj.get(field) or "ACTIVE").upper() == "ACTIVE"


def account(obj: Mapping[str, Any]) -> AccountRecord:
    """``/Accounts`` entry. The id is the AccountID (stable when a code is renamed); the code is ``number``."""
    return AccountRecord(
        id=str(obj["AccountID"]),
        name=str(obj.get("Name", "")),
        active=_status_active(obj),
        type=str(obj.get("Type", "")),
        subtype=str(obj.get("BankAccountType") or obj.get("SystemAccount") or ""),
        classification=str(obj.get("Class", "")),
        number=str(obj["Code"]) if obj.get("Code") not in (None, "") else None,
        currency=obj.get("CurrencyCode") or None,
        full_name=None,
        parent_id=None,
        account_class=account_class(obj),
    )


def is_system_account(obj: Mapping[str, Any]) -> bool:
    """System accounts (A/P, A/R, GST...) cannot take manual journal lines in Xero."""
    return bool(obj.get("SystemAccount"))


def contact(obj: Mapping[str, Any]) -> VendorRecord:
    """``/Contacts`` entry as a vendor (Xero has one contact list for suppliers and customers)."""
    return VendorRecord(
        id=str(obj["ContactID"]),
        name=str(obj.get("Name", "")),
        active=_status_active(obj, "ContactStatus"),
        currency=obj.get("DefaultCurrency") or None,
        email=obj.get("EmailAddress") or None,
    )


def is_vendor(obj: Mapping[str, Any]) -> bool:
    """A contact we offer as a vendor: a supplier, or anyone who is not only a customer."""
    return obj.get("IsSupplier") is True or obj.get("IsCustomer") is not True


def tracking_kind(category_name: str) -> str:
    """Our dimension kind for a tracking category (``tracking:Region``)."""
    return f"{TRACKING_PREFIX}{category_name}"


def tracking_options(category: Mapping[str, Any]) -> list[DimensionRecord]:
    """The options of one ``/TrackingCategories`` entry, each a dimension value."""
    name = str(category.get("Name", ""))
    category_active = _status_active(category)
    return [
        DimensionRecord(
            kind=tracking_kind(name),
            id=str(option["TrackingOptionID"]),
            name=str(option.get("Name", "")),
            active=category_active and _status_active(option),
            full_name=f"{name}: {option.get('Name', '')}",
            parent_id=str(category.get("TrackingCategoryID", "")) or None,
        )
        for option in category.get("Options") or []
        if isinstance(option, Mapping) and option.get("TrackingOptionID")
    ]


def _rate(obj: Mapping[str, Any]) -> Decimal:
    value = obj.get("EffectiveRate", obj.get("DisplayTaxRate", 0))
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def tax_code(obj: Mapping[str, Any]) -> TaxCodeRecord:
    """``/TaxRates`` entry as a tax code: Xero's ``TaxType`` is what a line names."""
    tax_type = str(obj["TaxType"])
    return TaxCodeRecord(
        id=tax_type,
        name=str(obj.get("Name", "")),
        active=_status_active(obj),
        description=str(obj.get("ReportTaxType", "")),
        taxable=_rate(obj) != 0,
        purchase_rate_ids=(tax_type,) if obj.get("CanApplyToExpenses", True) else (),
        sales_rate_ids=(tax_type,) if obj.get("CanApplyToRevenue", True) else (),
    )


def tax_rate(obj: Mapping[str, Any]) -> TaxRateRecord:
    """``/TaxRates`` entry as a rate (the effective rate over its components)."""
    return TaxRateRecord(id=str(obj["TaxType"]), name=str(obj.get("Name", "")), rate=_rate(obj),
                         active=_status_active(obj))


def currency(obj: Mapping[str, Any]) -> CurrencyRecord:
    return CurrencyRecord(code=str(obj["Code"]), name=str(obj.get("Description") or obj["Code"]), active=True)


def lock_date(org: Mapping[str, Any]) -> date | None:
    """The last locked day: the later of the period lock date and the end-of-year lock date.

    Xero refuses documents dated on or before a lock date; which one applies depends on the user's
    role (advisers may post before the period lock), so the later one is the safe answer.
    """
    dates = [d for d in (parse_date(org.get("PeriodLockDate")), parse_date(org.get("EndOfYearLockDate"))) if d]
    return max(dates) if dates else None


def company(tenant_id: str, org: Mapping[str, Any], currencies: Iterable[CurrencyRecord]) -> CompanyRecord:
    """``/Organisation`` plus ``/Currencies``: Xero has no multicurrency switch, only added currencies."""
    codes = {c.code for c in currencies}
    base = org.get("BaseCurrency") or None
    return CompanyRecord(
        company_id=tenant_id,
        name=str(org.get("Name") or org.get("LegalName") or ""),
        home_currency=base,
        multicurrency=len(codes - {base}) > 0,
        closed_books_date=lock_date(org),
        country=org.get("CountryCode") or None,
    )


def document_number(kind: DocumentKind, obj: Mapping[str, Any]) -> str | None:
    """The number a person sees: InvoiceNumber of a bill, Reference of a bank transaction."""
    if kind is DocumentKind.BILL:
        return obj.get("InvoiceNumber") or None
    if kind is DocumentKind.PURCHASE:
        return obj.get("Reference") or None
    return None


def post_result(
    kind: DocumentKind, key: str, obj: Mapping[str, Any], *, doc_number: str | None = None, attempts: int = 1
) -> PostResult:
    """A created document as our :class:`PostResult` (manual journals have no number: ours is kept)."""
    _collection, id_field = COLLECTIONS[kind]
    return PostResult(
        kind=kind,
        key=key,
        remote_id=str(obj[id_field]),
        doc_number=document_number(kind, obj) or doc_number,
        raw=dict(obj),
        attempts=attempts,
        updated_at=parse_datetime(obj.get("UpdatedDateUTC")),
        version=version(obj),
    )


# Our change kinds -> (Xero collection, id field, parser or None when we only report the change).
CHANGE_KINDS: dict[str, tuple[str, str, Callable[[Mapping[str, Any]], object] | None]] = {
    "account": ("Accounts", "AccountID", account),
    "vendor": ("Contacts", "ContactID", contact),
    DocumentKind.JOURNAL_ENTRY.value: ("ManualJournals", "ManualJournalID", None),
    DocumentKind.BILL.value: ("Invoices", "InvoiceID", None),
    DocumentKind.PURCHASE.value: ("BankTransactions", "BankTransactionID", None),
}


def change(kind: str, obj: Mapping[str, Any]) -> ChangeRecord:
    """One object returned for ``If-Modified-Since`` as a :class:`ChangeRecord`.

    Xero does not say whether an object was created or edited since the time asked, only when it
    last changed, so live objects are ``UPDATED``; deleted and voided ones are ``DELETED``.
    """
    _collection, id_field, parser = CHANGE_KINDS[kind]
    status = str(obj.get("Status") or obj.get("ContactStatus") or "").upper()
    updated = parse_datetime(obj.get("UpdatedDateUTC"))
    if status in _DELETED_STATUSES:
        return ChangeRecord(kind, str(obj[id_field]), ChangeOperation.DELETED, updated, None, dict(obj),
                            version=version(obj))
    record = parser(obj) if parser else None
    return ChangeRecord(kind, str(obj[id_field]), ChangeOperation.UPDATED, updated, record, dict(obj),
                        version=version(obj))
