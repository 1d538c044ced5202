"""Provider-neutral documents to Xero payloads (ERP_FACTS.md §2.3), with Xero's own limits checked first.

Pure functions: no network. A journal entry becomes a ManualJournal (debits positive, credits
negative), a bill an ACCPAY Invoice, a purchase a SPEND BankTransaction (RECEIVE for a refund).

Every document carries our key in ``Url``, the field Xero keeps for "a link to the source
document": ``https://bookbridge.invalid/documents/<key>`` (``.invalid`` never resolves, RFC 2606).
:meth:`XeroConnector.find_by_key` recognises our documents by it once Xero's six-minute
``Idempotency-Key`` memory has passed.

Dimensions are tracking categories only: a :class:`DimensionRef` of kind ``tracking:<category>``
whose ``name`` is the option, at most two per line. Header-level dimensions of a bill or purchase
go on every line, since Xero tracks lines only.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    Document,
    ExpenseLine,
    Issue,
    JournalDocument,
    JournalLine,
    PurchaseDocument,
    Ref,
    Severity,
    TaxMode,
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.validation import check_document, errors_only
from bookbridge.connectors.xero.config import IDEMPOTENCY_KEY_MAX, LABEL, MAX_TRACKING_PER_LINE, PROVIDER
from bookbridge.connectors.xero.records import TRACKING_PREFIX
from bookbridge.core.keys import short_key

KEY_URL_PREFIX = "https://bookbridge.invalid/documents/"
MAX_TEXT = 4000
MAX_NUMBER = 255  # InvoiceNumber maxLength in Xero's schema
RATE_PLACES = Decimal("0.000001")
IDEMPOTENCY_KEY_LENGTH = 64

_TAX_MODES = {TaxMode.EXCLUSIVE: "Exclusive", TaxMode.INCLUSIVE: "Inclusive", TaxMode.NOT_APPLICABLE: "NoTax"}


def key_url(key: str) -> str:
    """The ``Url`` that marks a document as ours, posted under idempotency ``key``."""
    return KEY_URL_PREFIX + quote(key, safe="")


def idempotency_key(kind: str, *keys: str) -> str:
    """The ``Idempotency-Key`` for a write of one or more documents: deterministic, ≤ 128 characters.

    The same documents in the same order give the same key, so a resend inside Xero's replay
    window returns the first answer instead of creating anything twice.
    """
    value = short_key("xero", kind, *keys, length=IDEMPOTENCY_KEY_LENGTH)
    assert len(value) <= IDEMPOTENCY_KEY_MAX
    return value


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def account_ref(ref: Ref) -> dict[str, str]:
    """A line's account: by AccountID when we hold Xero's id, else by account code."""
    return {"AccountID": ref.id} if _is_uuid(ref.id) else {"AccountCode": ref.id}


def bank_account_ref(ref: Ref) -> dict[str, str]:
    return {"AccountID": ref.id} if _is_uuid(ref.id) else {"Code": ref.id}


def _tracking_issues(where: str, dims: tuple[DimensionRef, ...]) -> list[Issue]:
    issues = []
    for dim in dims:
        if not dim.kind.startswith(TRACKING_PREFIX) or not dim.kind[len(TRACKING_PREFIX):]:
            issues.append(Issue(Severity.ERROR, where, f"{LABEL} has no dimension {dim.kind!r}: it tracks with "
                                                       "tracking categories only (kind 'tracking:<category>')"))
        elif not dim.name:
            issues.append(Issue(Severity.ERROR, where, f"tracking category {dim.kind[len(TRACKING_PREFIX):]!r} "
                                                       "needs the option's name"))
    categories = [d.kind for d in dims]
    if len(set(categories)) > MAX_TRACKING_PER_LINE:
        issues.append(Issue(Severity.ERROR, where, f"{LABEL} allows at most {MAX_TRACKING_PER_LINE} tracking "
                                                   f"categories per line, not {len(set(categories))}"))
    if len(set(categories)) != len(categories):
        issues.append(Issue(Severity.ERROR, where, "a line can carry one option of each tracking category"))
    return issues


def _line_dims(line_dims: tuple[DimensionRef, ...], header: tuple[DimensionRef, ...]) -> tuple[DimensionRef, ...]:
    own = {d.kind for d in line_dims}
    return line_dims + tuple(d for d in header if d.kind not in own)


def check_for_xero(doc: Document, *, home_currency: str | None = None) -> list[Issue]:
    """Our generic checks plus Xero's own rules; ``home_currency`` is the organisation's, when known."""
    issues = check_document(doc)
    header = doc.dimensions if isinstance(doc, (PurchaseDocument, BillDocument)) else ()
    lines: tuple[JournalLine | ExpenseLine, ...] = doc.lines
    for n, line in enumerate(lines, 1):
        issues += _tracking_issues(f"lines[{n}]", _line_dims(line.dimensions, header))
    if doc.doc_number and len(doc.doc_number) > MAX_NUMBER:
        issues.append(Issue(Severity.ERROR, "doc_number", f"{LABEL} allows at most {MAX_NUMBER} characters in a number"))
    if isinstance(doc, JournalDocument):
        foreign = doc.exchange_rate is not None or (home_currency is not None and doc.currency != home_currency)
        if foreign:
            issues.append(Issue(Severity.ERROR, "currency", f"{LABEL} manual journals are in the organisation's base "
                                                            f"currency only; {doc.currency} amounts need a bill or "
                                                            "spend money, or converting before posting"))
        if any(line.entity is not None for line in doc.lines):
            issues.append(Issue(Severity.WARNING, "lines", f"{LABEL} manual journal lines have no contact: the "
                                                           "vendor is kept in the line description only"))
    if isinstance(doc, PurchaseDocument) and doc.vendor is None:
        issues.append(Issue(Severity.ERROR, "vendor", f"{LABEL} needs a contact on every spend money transaction"))
    return issues


def build_payload(doc: Document, *, home_currency: str | None = None) -> dict[str, Any]:
    """The Xero JSON body (one element, without the collection envelope) for ``doc``.

    Raises:
        DocumentRejected: the document fails our checks or Xero's rules (``issues`` lists why).
    """
    errors = errors_only(check_for_xero(doc, home_currency=home_currency))
    if errors:
        summary = "; ".join(f"{i.field}: {i.message}" for i in errors)
        raise DocumentRejected(
            f"Bookbridge did not send {doc.kind.value} {doc.doc_number or doc.key}: {summary}",
            provider=PROVIDER, code="local-check", issues=tuple(errors),
        )
    if isinstance(doc, JournalDocument):
        return _manual_journal(doc)
    if isinstance(doc, PurchaseDocument):
        return _bank_transaction(doc)
    return _bill(doc)


def _tracking(dims: tuple[DimensionRef, ...]) -> list[dict[str, str]]:
    return [{"Name": d.kind[len(TRACKING_PREFIX):], "Option": str(d.name)} for d in dims]


def _text(value: str, limit: int = MAX_TEXT) -> str:
    return value[:limit]


def _manual_journal(doc: JournalDocument) -> dict[str, Any]:
    lines = []
    for line in doc.lines:
        description = line.description
        if line.entity is not None and line.entity.name:
            # Manual journal lines have no contact; keep who it concerns where a person will see it.
            description = f"{description} ({line.entity.name})" if description else line.entity.name
        entry: dict[str, Any] = {"LineAmount": line.debit if line.debit > 0 else -line.credit, **account_ref(line.account)}
        if description:
            entry["Description"] = _text(description)
        if line.tax_code is not None:
            entry["TaxType"] = line.tax_code.id
            if line.tax_amount is not None:
                entry["TaxAmount"] = line.tax_amount
        if line.dimensions:
            entry["Tracking"] = _tracking(line.dimensions)
        lines.append(entry)
    narration = " ".join(part for part in (doc.doc_number or "", doc.memo) if part) or doc.key
    return {
        "Narration": _text(narration),
        "Date": doc.date.isoformat(),
        "Status": "POSTED",
        "LineAmountTypes": _TAX_MODES[doc.tax_mode] if doc.tax_mode else "NoTax",
        "Url": key_url(doc.key),
        "JournalLines": lines,
    }


def _line_items(lines: tuple[ExpenseLine, ...], header: tuple[DimensionRef, ...], fallback: str) -> list[dict[str, Any]]:
    items = []
    for line in lines:
        # Xero wants a description on every line item; the memo (or the account) stands in.
        item: dict[str, Any] = {"Description": _text(line.description or fallback or line.account.name or "Expense"),
                                "Quantity": Decimal(1), "UnitAmount": line.amount, **account_ref(line.account)}
        if line.tax_code is not None:
            item["TaxType"] = line.tax_code.id
        if line.tax_amount is not None:
            item["TaxAmount"] = line.tax_amount
        dims = _line_dims(line.dimensions, header)
        if dims:
            item["Tracking"] = _tracking(dims)
        items.append(item)
    return items


def _line_amount_types(doc: PurchaseDocument | BillDocument) -> str:
    if doc.tax_mode is not None:
        return _TAX_MODES[doc.tax_mode]
    return "Exclusive" if any(line.tax_code is not None for line in doc.lines) else "NoTax"


def currency_rate(exchange_rate: Decimal) -> Decimal:
    """Xero's ``CurrencyRate`` from ours: Xero quotes document-currency units per one base unit
    ("1 NZD = 0.7500 USD"), ours is home units per document unit, so one is the other's inverse."""
    return (Decimal(1) / exchange_rate).quantize(RATE_PLACES)


def _money_header(doc: PurchaseDocument | BillDocument) -> dict[str, Any]:
    header: dict[str, Any] = {"Date": doc.date.isoformat(), "Url": key_url(doc.key), "CurrencyCode": doc.currency.upper()}
    if doc.exchange_rate is not None:
        header["CurrencyRate"] = currency_rate(doc.exchange_rate)
    return header


def _bill(doc: BillDocument) -> dict[str, Any]:
    body: dict[str, Any] = {"Type": "ACCPAY", "Contact": {"ContactID": doc.vendor.id}, **_money_header(doc)}
    if doc.due_date is not None:
        body["DueDate"] = doc.due_date.isoformat()
    if doc.doc_number:
        body["InvoiceNumber"] = doc.doc_number
    body["Status"] = "AUTHORISED"
    body["LineAmountTypes"] = _line_amount_types(doc)
    body["LineItems"] = _line_items(doc.lines, doc.dimensions, doc.memo)
    return body


def _bank_transaction(doc: PurchaseDocument) -> dict[str, Any]:
    assert doc.vendor is not None  # checked by check_for_xero
    body: dict[str, Any] = {
        # Money back onto the card or account is "receive money" in Xero.
        "Type": "RECEIVE" if doc.is_refund else "SPEND",
        "Contact": {"ContactID": doc.vendor.id},
        "BankAccount": bank_account_ref(doc.paying_account),
        **_money_header(doc),
    }
    if doc.doc_number:
        body["Reference"] = doc.doc_number
    body["Status"] = "AUTHORISED"
    body["LineAmountTypes"] = _line_amount_types(doc)
    body["LineItems"] = _line_items(doc.lines, doc.dimensions, doc.memo)
    return body
