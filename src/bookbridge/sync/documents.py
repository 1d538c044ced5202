"""Outgoing connector documents to JSON and back, exactly, for the outbox.

The outbox keeps each document as our own DTO (so the connector can send it again, with the same
key, after a crash) beside the vendor payload it produced. Amounts travel as decimal strings and
dates as ISO text, so a document read back is equal to the one written.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    Document,
    EntityKind,
    EntityRef,
    ExpenseLine,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
    TaxMode,
)
from bookbridge.core.keys import canonical_json

_DOCUMENT_TYPES: dict[str, type] = {
    "journal_entry": JournalDocument,
    "purchase": PurchaseDocument,
    "bill": BillDocument,
}
_LINE_TYPES: dict[type, type] = {JournalDocument: JournalLine, PurchaseDocument: ExpenseLine, BillDocument: ExpenseLine}
_DATE_FIELDS = frozenset({"date", "due_date"})
_DECIMAL_FIELDS = frozenset({"debit", "credit", "amount", "tax_amount", "exchange_rate"})
_REF_FIELDS = frozenset({"account", "tax_code", "customer", "vendor", "paying_account", "ap_account"})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (EntityKind, PaymentType, TaxMode)):
        return value.value
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def document_to_data(doc: Document) -> dict[str, Any]:
    """A JSON-ready dict of ``doc`` with its kind."""
    return {"kind": doc.kind.value, **_plain(doc)}


def document_to_json(doc: Document) -> str:
    return canonical_json(document_to_data(doc))


def _ref(data: dict[str, Any] | None) -> Ref | None:
    return None if data is None else Ref(data["id"], data.get("name"))


def _dimensions(items: list[dict[str, Any]] | None) -> tuple[DimensionRef, ...]:
    return tuple(DimensionRef(d["kind"], d["id"], d.get("name")) for d in items or ())


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATE_FIELDS:
        return date.fromisoformat(value)
    if name in _DECIMAL_FIELDS:
        return Decimal(value)
    if name in _REF_FIELDS:
        return _ref(value)
    if name == "dimensions":
        return _dimensions(value)
    if name == "entity":
        return EntityRef(EntityKind(value["kind"]), value["id"], value.get("name"))
    if name == "payment_type":
        return PaymentType(value)
    if name == "tax_mode":
        return TaxMode(value)
    return value


def _line(line_type: type, data: dict[str, Any]) -> Any:
    return line_type(**{name: _value(name, value) for name, value in data.items()})


def document_from_data(data: dict[str, Any]) -> Document:
    """The document :func:`document_to_data` wrote."""
    doc_type = _DOCUMENT_TYPES[data["kind"]]
    line_type = _LINE_TYPES[doc_type]
    values = {}
    for name, value in data.items():
        if name == "kind":
            continue
        values[name] = tuple(_line(line_type, line) for line in value) if name == "lines" else _value(name, value)
    return doc_type(**values)


def document_from_json(text: str) -> Document:
    return document_from_data(json.loads(text))
