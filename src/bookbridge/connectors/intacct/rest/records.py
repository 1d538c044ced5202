"""Sage Intacct REST rows turned into our reference DTOs, results and changes.

Query rows carry requested fields under their dotted names (``audit.modifiedDateTime``,
``parent.id``); a fetched object nests them. :func:`value` reads either. Status is
``active``/``inactive``; dates are ISO (``2024-01-31``), times ISO 8601 UTC (``...Z``). Numbers
arrive as strings or JSON numbers parsed as Decimal, never float. ``audit.modifiedDateTime`` is
the version mark of :attr:`PostResult.version` and :attr:`ChangeRecord.version`. Field names other
than the journal entry's are UNCONFIRMED (see :mod:`.config`).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping

from bookbridge.connectors.dto import (
    AccountClass,
    AccountRecord,
    ChangeOperation,
    ChangeRecord,
    CurrencyRecord,
    DimensionRecord,
    DocumentKind,
    ExchangeRateRecord,
    PostResult,
    TaxCodeRecord,
    TaxRateRecord,
    VendorRecord,
)
from bookbridge.core.money import parse_decimal

MODIFIED = "audit.modifiedDateTime"
CREATED = "audit.createdDateTime"
ACCOUNT_FIELDS = ("key", "id", "name", "accountType", "normalBalance", "category", "status", MODIFIED, CREATED)
VENDOR_FIELDS = ("key", "id", "name", "status", "currency", "contacts.default.email1", MODIFIED, CREATED)
DIMENSION_FIELDS = ("key", "id", "name", "status", "parent.id", MODIFIED, CREATED)
TAX_FIELDS = ("key", "id", "description", "taxType", "taxRate", "status", "taxAuthority", MODIFIED, CREATED)
CURRENCY_FIELDS = ("key", "id", "name", "status")
RATE_FIELDS = ("key", "fromCurrency", "toCurrency", "rate", "effectiveDate")
COMPANY_FIELDS = ("id", "name", "country", "baseCurrency", "isMultiCurrency", "booksClosedThroughDate")
_DOCUMENT_COMMON = ("key", "id", "description", "state", MODIFIED, CREATED)
DOCUMENT_FIELDS = {"general-ledger/journal-entry": _DOCUMENT_COMMON + ("referenceNumber", "postingDate"),
                   "accounts-payable/bill": _DOCUMENT_COMMON + ("billNumber", "createdDate", "vendor.id")}


def value(row: Mapping[str, Any], path: str) -> Any:
    """A field by dotted name, flat (query rows) or nested (fetched objects); ``None`` if absent."""
    if path in row:
        return row[path]
    node: Any = row
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def text(row: Mapping[str, Any], path: str) -> str:
    found = value(row, path)
    return str(found).strip() if found is not None and not isinstance(found, (dict, list)) else ""


def optional(row: Mapping[str, Any], path: str) -> str | None:
    return text(row, path) or None


def is_active(row: Mapping[str, Any]) -> bool:
    return text(row, "status").lower() != "inactive"


def parse_day(raw: str | None) -> date | None:
    return date.fromisoformat(raw[:10]) if raw else None


def parse_time(raw: str | None) -> datetime | None:
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def number(row: Mapping[str, Any], path: str) -> Decimal:
    found = value(row, path)
    if isinstance(found, (Decimal, int)):
        return Decimal(found)
    return parse_decimal(text(row, path) or "0")


def account_class(row: Mapping[str, Any]) -> AccountClass | None:
    """Intacct's account type, normal balance and category folded into one neutral class."""
    category = text(row, "category").lower()
    kind = text(row, "accountType").lower().replace("_", "")
    normal = text(row, "normalBalance").lower()
    if "credit card" in category:
        return AccountClass.CREDIT_CARD
    if "accounts payable" in category:
        return AccountClass.PAYABLE
    if "cash" in category or "bank" in category:
        return AccountClass.BANK
    if "equity" in category:
        return AccountClass.EQUITY
    if kind == "balancesheet":
        return AccountClass.ASSET if normal == "debit" else AccountClass.LIABILITY if normal == "credit" else None
    if kind == "incomestatement":
        return AccountClass.EXPENSE if normal == "debit" else AccountClass.INCOME if normal == "credit" else None
    return None


def account(row: Mapping[str, Any]) -> AccountRecord:
    account_no = text(row, "id")
    return AccountRecord(id=account_no, name=text(row, "name") or account_no, active=is_active(row),
                         type=text(row, "accountType"), subtype=text(row, "category"),
                         classification=text(row, "normalBalance"), number=account_no,
                         full_name=optional(row, "name"), account_class=account_class(row))


def vendor(row: Mapping[str, Any]) -> VendorRecord:
    vendor_id = text(row, "id")
    return VendorRecord(id=vendor_id, name=text(row, "name") or vendor_id, active=is_active(row),
                        currency=optional(row, "currency"), email=optional(row, "contacts.default.email1"))


def dimension(kind: str) -> Callable[[Mapping[str, Any]], DimensionRecord]:
    def parse(row: Mapping[str, Any]) -> DimensionRecord:
        value_id = text(row, "id")
        return DimensionRecord(kind=kind, id=value_id, name=text(row, "name") or value_id, active=is_active(row),
                               parent_id=optional(row, "parent.id"))
    return parse


def tax_code(row: Mapping[str, Any]) -> TaxCodeRecord:
    """A tax detail as a tax code: Intacct applies tax details directly."""
    detail_id = text(row, "id")
    purchase = text(row, "taxType").lower() == "purchase"
    return TaxCodeRecord(id=detail_id, name=detail_id, active=is_active(row), description=text(row, "description"),
                         taxable=number(row, "taxRate") != 0, purchase_rate_ids=(detail_id,) if purchase else (),
                         sales_rate_ids=() if purchase else (detail_id,))


def tax_rate(row: Mapping[str, Any]) -> TaxRateRecord:
    detail_id = text(row, "id")
    return TaxRateRecord(id=detail_id, name=detail_id, rate=number(row, "taxRate"), active=is_active(row),
                         agency_id=optional(row, "taxAuthority"))


def currency(row: Mapping[str, Any]) -> CurrencyRecord:
    code = text(row, "id").upper()
    return CurrencyRecord(code=code, name=text(row, "name") or code, active=is_active(row))


def exchange_rate(row: Mapping[str, Any]) -> ExchangeRateRecord:
    return ExchangeRateRecord(source_currency=text(row, "fromCurrency").upper(),
                              target_currency=text(row, "toCurrency").upper(), rate=number(row, "rate"),
                              as_of=parse_day(optional(row, "effectiveDate")) or date.min)


def post_result(kind: DocumentKind, key: str, row: Mapping[str, Any], *, doc_number: str | None,
                attempts: int = 1) -> PostResult:
    """A posted document (``key`` is Intacct's record key; the version is its last modification time)."""
    modified = optional(row, MODIFIED)
    return PostResult(kind=kind, key=key, remote_id=text(row, "key"), doc_number=doc_number, raw=dict(row),
                      attempts=attempts, updated_at=parse_time(modified), version=modified)


def change(kind: str, row: Mapping[str, Any], parser: Callable[[Mapping[str, Any]], object] | None) -> ChangeRecord:
    """One modified row; Intacct keeps no deletions, so it is a creation when created == modified.

    Lists are identified by their own id (ACCOUNTNO, VENDORID...), documents by their record key.
    """
    modified_text = optional(row, MODIFIED)
    modified, created = parse_time(modified_text), parse_time(optional(row, CREATED))
    operation = ChangeOperation.CREATED if created is not None and created == modified else ChangeOperation.UPDATED
    remote_id = text(row, "key") if parser is None else text(row, "id")
    return ChangeRecord(kind, remote_id, operation, modified, parser(row) if parser else None, dict(row),
                        version=modified_text)
