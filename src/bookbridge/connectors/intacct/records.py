"""Sage Intacct records (as parsed by :mod:`.xmlwire`) turned into our reference DTOs.

Field names are those of the generic objects [I4, I9]: ``GLACCOUNT`` (ACCOUNTNO, TITLE,
ACCOUNTTYPE, NORMALBALANCE, CATEGORY, ALTERNATIVEACCOUNT, STATUS), ``VENDOR`` (VENDORID, NAME, STATUS, CURRENCY), the dimension
objects (``DEPARTMENT``, ``LOCATION``, ``CLASS``, ``PROJECT``: an id field, a name, STATUS,
PARENTID) and ``TAXDETAIL`` (DETAILID, TAXTYPE, VALUE, STATUS). Intacct writes status as
``active``/``inactive``, dates as ``MM/DD/YYYY`` and timestamps as ``MM/DD/YYYY HH:MM:SS``.
Money is parsed with :func:`bookbridge.core.money.parse_decimal`, never through float.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from bookbridge.connectors.intacct.config import DATE_FORMAT, TIMESTAMP_FORMAT
from bookbridge.core.money import parse_decimal


def text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(fields: Mapping[str, Any], name: str) -> str | None:
    return text(fields, name) or None


def nested(fields: Mapping[str, Any], *path: str) -> str | None:
    """A value inside related records (``DISPLAYCONTACT/EMAIL1``), or ``None``."""
    node: Any = fields
    for name in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(name)
    return (node.strip() or None) if isinstance(node, str) else None


def is_active(fields: Mapping[str, Any]) -> bool:
    return text(fields, "STATUS").lower() != "inactive"


def parse_date(value: str | None) -> date | None:
    """``MM/DD/YYYY`` (or ISO ``YYYY-MM-DD``) to a date; ``None`` when empty."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        return date.fromisoformat(value[:10])


def parse_timestamp(value: str | None) -> datetime | None:
    """``MM/DD/YYYY HH:MM:SS`` (taken as UTC) or ISO 8601 to an aware datetime; ``None`` when empty."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def amount(value: str | None) -> Decimal:
    return parse_decimal(value or "0")


# Balance-sheet categories (CATEGORY, or the ALTERNATIVEACCOUNT role) that name a more precise
# class than the side of the balance sheet; matched on words, as companies can rename categories.
_CATEGORY_WORDS: tuple[tuple[str, AccountClass], ...] = (
    ("payable", AccountClass.PAYABLE),
    ("credit card", AccountClass.CREDIT_CARD),
    ("cash", AccountClass.BANK),
    ("bank", AccountClass.BANK),
    ("equity", AccountClass.EQUITY),
    ("retained earnings", AccountClass.EQUITY),
)


def account_class(fields: Mapping[str, Any]) -> AccountClass | None:
    """Our class for a GLACCOUNT, from ACCOUNTTYPE, NORMALBALANCE and its category.

    Intacct has no account type list like QBO's: ``ACCOUNTTYPE`` says which statement the account
    is on (``incomestatement``/``balancesheet``) and ``NORMALBALANCE`` its usual side
    (``debit``/``credit``). An income-statement account is an expense on the debit side and
    income on the credit side; a balance-sheet account is made precise by its category (cash,
    credit card, payables, equity) or else is an asset (debit) or a liability (credit).
    """
    statement = text(fields, "ACCOUNTTYPE").lower().replace(" ", "")
    side = text(fields, "NORMALBALANCE").lower()
    if statement == "incomestatement":
        return {"debit": AccountClass.EXPENSE, "credit": AccountClass.INCOME}.get(side)
    if statement != "balancesheet":
        return None
    for category in (text(fields, "ALTERNATIVEACCOUNT"), text(fields, "CATEGORY")):
        folded = category.lower()
        for word, found in _CATEGORY_WORDS:
            if word in folded:
                return found
    return {"debit": AccountClass.ASSET, "credit": AccountClass.LIABILITY}.get(side)


def account(fields: Mapping[str, Any]) -> AccountRecord:
    number = text(fields, "ACCOUNTNO")
    return AccountRecord(
        id=number, name=text(fields, "TITLE") or number, active=is_active(fields),
        type=text(fields, "ACCOUNTTYPE"), subtype=text(fields, "CATEGORY"),
        classification=text(fields, "NORMALBALANCE"), number=number, full_name=optional(fields, "TITLE"),
        account_class=account_class(fields),
    )


def vendor(fields: Mapping[str, Any]) -> VendorRecord:
    vendor_id = text(fields, "VENDORID")
    return VendorRecord(
        id=vendor_id, name=text(fields, "NAME") or vendor_id, active=is_active(fields),
        currency=optional(fields, "CURRENCY"), email=nested(fields, "DISPLAYCONTACT", "EMAIL1"),
    )


@dataclass(frozen=True, slots=True)
class DimensionObject:
    """How one Intacct dimension object is read."""

    kind: str  # ours: class, department, location, project
    object: str  # Intacct's: CLASS, DEPARTMENT...
    id_field: str
    name_field: str


DIMENSION_OBJECTS = (
    DimensionObject("class", "CLASS", "CLASSID", "NAME"),
    DimensionObject("department", "DEPARTMENT", "DEPARTMENTID", "TITLE"),
    DimensionObject("location", "LOCATION", "LOCATIONID", "NAME"),
    DimensionObject("project", "PROJECT", "PROJECTID", "NAME"),
)


def dimension(spec: DimensionObject) -> Callable[[Mapping[str, Any]], DimensionRecord]:
    def parse(fields: Mapping[str, Any]) -> DimensionRecord:
        value_id = text(fields, spec.id_field)
        return DimensionRecord(
            kind=spec.kind, id=value_id, name=text(fields, spec.name_field) or value_id, active=is_active(fields),
            parent_id=optional(fields, "PARENTID"),
        )

    return parse


def tax_code(fields: Mapping[str, Any]) -> TaxCodeRecord:
    """A TAXDETAIL as a tax code: Intacct applies tax details directly (``TAXENTRY/DETAILID``)."""
    detail_id = text(fields, "DETAILID")
    purchase = text(fields, "TAXTYPE").lower() == "purchase"
    return TaxCodeRecord(
        id=detail_id, name=detail_id, active=is_active(fields), description=text(fields, "DESCRIPTION"),
        taxable=amount(optional(fields, "VALUE")) != 0,
        purchase_rate_ids=(detail_id,) if purchase else (), sales_rate_ids=() if purchase else (detail_id,),
    )


def tax_rate(fields: Mapping[str, Any]) -> TaxRateRecord:
    detail_id = text(fields, "DETAILID")
    return TaxRateRecord(id=detail_id, name=detail_id, rate=amount(optional(fields, "VALUE")), active=is_active(fields),
                         agency_id=optional(fields, "TAXAUTHORITY"))


def currency(fields: Mapping[str, Any]) -> CurrencyRecord:
    code = text(fields, "CODE").upper()
    return CurrencyRecord(code=code, name=text(fields, "DESCRIPTION") or code, active=is_active(fields))


def exchange_rate(fields: Mapping[str, Any]) -> ExchangeRateRecord:
    as_of = parse_date(optional(fields, "EFFECTIVE_START_DATE"))
    return ExchangeRateRecord(
        source_currency=text(fields, "FROM_CURRENCY").upper(), target_currency=text(fields, "TO_CURRENCY").upper(),
        rate=amount(optional(fields, "RATE")), as_of=as_of or date.min,
    )


def version(fields: Mapping[str, Any]) -> str | None:
    """A record's version mark: its WHENMODIFIED, in ISO form so every read path gives the same text."""
    modified = parse_timestamp(optional(fields, "WHENMODIFIED"))
    return modified.isoformat() if modified is not None else None


def post_result(kind: DocumentKind, key: str, fields: Mapping[str, Any], *, doc_number: str | None,
                attempts: int = 1) -> PostResult:
    """A posted document as the protocol reports it (``RECORDNO`` is Intacct's own id)."""
    return PostResult(
        kind=kind, key=key, remote_id=text(fields, "RECORDNO"), doc_number=doc_number, raw=dict(fields),
        attempts=attempts, updated_at=parse_timestamp(optional(fields, "WHENMODIFIED")), version=version(fields),
    )


# Change tracking: our kind → (Intacct object, parser of reference records or None for documents).
CHANGE_OBJECTS: dict[str, tuple[str, Callable[[Mapping[str, Any]], object] | None]] = {
    "account": ("GLACCOUNT", account),
    "vendor": ("VENDOR", vendor),
    **{spec.kind: (spec.object, dimension(spec)) for spec in DIMENSION_OBJECTS},
    "tax_code": ("TAXDETAIL", tax_code),
    DocumentKind.JOURNAL_ENTRY.value: ("GLBATCH", None),
    DocumentKind.BILL.value: ("APBILL", None),
    DocumentKind.PURCHASE.value: ("EEXPENSES", None),
}
_ID_FIELDS = {"GLACCOUNT": "ACCOUNTNO", "VENDOR": "VENDORID", "TAXDETAIL": "DETAILID",
              **{spec.object: spec.id_field for spec in DIMENSION_OBJECTS}}


def change(kind: str, fields: Mapping[str, Any]) -> ChangeRecord:
    """One modified record as a change; documents are identified by RECORDNO, lists by their own id.

    Intacct keeps no deletions feed, so every change is a creation or an update: created when
    its WHENCREATED timestamp equals WHENMODIFIED (a date-only WHENCREATED counts as updated).
    """
    object_name, parser = CHANGE_OBJECTS[kind]
    remote_id = text(fields, _ID_FIELDS.get(object_name, "RECORDNO"))
    modified = parse_timestamp(optional(fields, "WHENMODIFIED"))
    created_text = optional(fields, "WHENCREATED")
    created = parse_timestamp(created_text) if created_text and " " in created_text else None
    operation = ChangeOperation.CREATED if created is not None and created == modified else ChangeOperation.UPDATED
    return ChangeRecord(kind, remote_id, operation, modified, parser(fields) if parser else None, dict(fields),
                        version=version(fields))
