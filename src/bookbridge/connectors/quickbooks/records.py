"""QuickBooks Online entities (parsed JSON, numbers as Decimal) to our reference DTOs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Mapping

from bookbridge.connectors.dto import (
    AccountClass,
    AccountRecord,
    ChangeOperation,
    ChangeRecord,
    CompanyRecord,
    CurrencyRecord,
    DimensionRecord,
    DocumentKind,
    ExchangeRateRecord,
    PostResult,
    TaxCodeRecord,
    TaxRateRecord,
    VendorRecord,
)

# Our document kinds and QBO's entity names.
ENTITY_NAMES: dict[DocumentKind, str] = {
    DocumentKind.JOURNAL_ENTRY: "JournalEntry",
    DocumentKind.PURCHASE: "Purchase",
    DocumentKind.BILL: "Bill",
    DocumentKind.VENDOR: "Vendor",
    DocumentKind.ATTACHMENT: "Attachable",
}

# QBO AccountType values [Q7, Q13] folded into our neutral classes; types no class fits stay None.
ACCOUNT_CLASSES: dict[str, AccountClass] = {
    "Expense": AccountClass.EXPENSE, "Other Expense": AccountClass.EXPENSE,
    "Cost of Goods Sold": AccountClass.EXPENSE,
    "Bank": AccountClass.BANK, "Credit Card": AccountClass.CREDIT_CARD, "Accounts Payable": AccountClass.PAYABLE,
    "Income": AccountClass.INCOME, "Other Income": AccountClass.INCOME, "Equity": AccountClass.EQUITY,
    "Fixed Asset": AccountClass.ASSET, "Other Current Asset": AccountClass.ASSET, "Other Asset": AccountClass.ASSET,
    "Accounts Receivable": AccountClass.ASSET,
    "Other Current Liability": AccountClass.LIABILITY, "Long Term Liability": AccountClass.LIABILITY,
}


def _ref_id(obj: Mapping[str, Any], name: str) -> str | None:
    ref = obj.get(name)
    return str(ref["value"]) if isinstance(ref, dict) and ref.get("value") is not None else None


def _active(obj: Mapping[str, Any]) -> bool:
    value = obj.get("Active", True)
    return value if isinstance(value, bool) else str(value).lower() == "true"


def parse_datetime(text: str | None) -> datetime | None:
    """QBO timestamps (``2015-06-29T12:33:57-07:00``, sometimes with milliseconds)."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def account(obj: Mapping[str, Any]) -> AccountRecord:
    return AccountRecord(
        id=str(obj["Id"]),
        name=str(obj.get("Name", "")),
        active=_active(obj),
        type=str(obj.get("AccountType", "")),
        subtype=str(obj.get("AccountSubType", "")),
        classification=str(obj.get("Classification", "")),
        number=obj.get("AcctNum") or None,
        currency=_ref_id(obj, "CurrencyRef"),
        full_name=obj.get("FullyQualifiedName"),
        parent_id=_ref_id(obj, "ParentRef"),
        account_class=ACCOUNT_CLASSES.get(str(obj.get("AccountType", ""))),
    )


def vendor(obj: Mapping[str, Any]) -> VendorRecord:
    email = obj.get("PrimaryEmailAddr")
    return VendorRecord(
        id=str(obj["Id"]),
        name=str(obj.get("DisplayName") or obj.get("CompanyName") or ""),
        active=_active(obj),
        currency=_ref_id(obj, "CurrencyRef"),
        email=email.get("Address") if isinstance(email, dict) else None,
    )


def dimension(kind: str) -> Callable[[Mapping[str, Any]], DimensionRecord]:
    """A parser for Class (``kind="class"``) or Department (``kind="department"``) objects."""

    def parse(obj: Mapping[str, Any]) -> DimensionRecord:
        return DimensionRecord(
            kind=kind,
            id=str(obj["Id"]),
            name=str(obj.get("Name", "")),
            active=_active(obj),
            full_name=obj.get("FullyQualifiedName"),
            parent_id=_ref_id(obj, "ParentRef"),
        )

    return parse


def _rate_ids(obj: Mapping[str, Any], list_name: str) -> tuple[str, ...]:
    details = (obj.get(list_name) or {}).get("TaxRateDetail") or []
    return tuple(d["TaxRateRef"]["value"] for d in details if isinstance(d.get("TaxRateRef"), dict))


def tax_code(obj: Mapping[str, Any]) -> TaxCodeRecord:
    taxable = obj.get("Taxable")
    return TaxCodeRecord(
        id=str(obj["Id"]),
        name=str(obj.get("Name", "")),
        active=_active(obj),
        description=str(obj.get("Description", "")),
        taxable=taxable if isinstance(taxable, bool) else None,
        purchase_rate_ids=_rate_ids(obj, "PurchaseTaxRateList"),
        sales_rate_ids=_rate_ids(obj, "SalesTaxRateList"),
    )


def tax_rate(obj: Mapping[str, Any]) -> TaxRateRecord:
    return TaxRateRecord(
        id=str(obj["Id"]),
        name=str(obj.get("Name", "")),
        rate=Decimal(str(obj.get("RateValue", 0))),
        active=_active(obj),
        agency_id=_ref_id(obj, "AgencyRef"),
    )


def company_currency(obj: Mapping[str, Any]) -> CurrencyRecord:
    return CurrencyRecord(code=str(obj.get("Code") or obj.get("Id")), name=str(obj.get("Name", "")), active=_active(obj))


def exchange_rate(obj: Mapping[str, Any]) -> ExchangeRateRecord:
    return ExchangeRateRecord(
        source_currency=str(obj["SourceCurrencyCode"]),
        target_currency=str(obj.get("TargetCurrencyCode", "")),
        rate=Decimal(str(obj["Rate"])),
        as_of=date.fromisoformat(str(obj["AsOfDate"])[:10]),
    )


def company(realm_id: str, info: Mapping[str, Any] | None, prefs: Mapping[str, Any] | None) -> CompanyRecord:
    """CompanyInfo plus Preferences: name, home currency, multicurrency, BookCloseDate [Q13]."""
    info = info or {}
    prefs = prefs or {}
    currency_prefs = prefs.get("CurrencyPrefs") or {}
    accounting = prefs.get("AccountingInfoPrefs") or {}
    multicurrency = currency_prefs.get("MultiCurrencyEnabled", False)
    return CompanyRecord(
        company_id=realm_id,
        name=str(info.get("CompanyName") or info.get("LegalName") or ""),
        home_currency=_ref_id(currency_prefs, "HomeCurrency"),
        multicurrency=multicurrency if isinstance(multicurrency, bool) else str(multicurrency).lower() == "true",
        closed_books_date=parse_date(accounting.get("BookCloseDate")),
        country=info.get("Country") or None,
    )


def post_result(kind: DocumentKind, key: str, entity: Mapping[str, Any], *, attempts: int = 1) -> PostResult:
    """A successful create answer's entity as our :class:`PostResult`."""
    meta = entity.get("MetaData") or {}
    return PostResult(
        kind=kind,
        key=key,
        remote_id=str(entity["Id"]),
        doc_number=entity.get("DocNumber"),
        raw=dict(entity),
        attempts=attempts,
        updated_at=parse_datetime(meta.get("LastUpdatedTime")),
        version=_sync_token(entity),
    )


def _sync_token(obj: Mapping[str, Any]) -> str | None:
    token = obj.get("SyncToken")
    return str(token) if token is not None else None


# QBO entity name -> (our kind, parser or None when we only report the change).
CHANGE_KINDS: dict[str, tuple[str, Callable[[Mapping[str, Any]], object] | None]] = {
    "Account": ("account", account),
    "Vendor": ("vendor", vendor),
    "Class": ("class", dimension("class")),
    "Department": ("department", dimension("department")),
    "TaxCode": ("tax_code", tax_code),
    "TaxRate": ("tax_rate", tax_rate),
    "JournalEntry": (DocumentKind.JOURNAL_ENTRY.value, None),
    "Purchase": (DocumentKind.PURCHASE.value, None),
    "Bill": (DocumentKind.BILL.value, None),
}


def change(entity_name: str, obj: Mapping[str, Any]) -> ChangeRecord:
    """One CDC object as a :class:`ChangeRecord` (deleted objects carry ``status: Deleted``)."""
    kind, parser = CHANGE_KINDS.get(entity_name, (entity_name, None))
    meta = obj.get("MetaData") or {}
    updated = parse_datetime(meta.get("LastUpdatedTime"))
    if str(obj.get("status", "")).lower() == "deleted":
        return ChangeRecord(kind, str(obj["Id"]), ChangeOperation.DELETED, updated, None, dict(obj))
    created = parse_datetime(meta.get("CreateTime"))
    operation = ChangeOperation.CREATED if created is not None and created == updated else ChangeOperation.UPDATED
    record = parser(obj) if parser else None
    return ChangeRecord(kind, str(obj["Id"]), operation, updated, record, dict(obj), version=_sync_token(obj))
