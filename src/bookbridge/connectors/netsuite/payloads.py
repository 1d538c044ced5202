"""Provider-neutral documents to NetSuite REST record payloads (ERP_FACTS.md §4.3).

Pure functions: what they need from the account (the default subsidiary, currency internal ids,
expense categories) arrives in a :class:`PayloadContext` the connector reads once per session.

* :class:`JournalDocument` → ``journalEntry`` with ``line.items``;
* :class:`BillDocument` → ``vendorBill`` with ``expense.items``;
* :class:`PurchaseDocument` → ``expenseReport``: the expense an employee incurred, paid by card
  (lines marked non-reimbursable) or out of pocket. NetSuite codes expense-report lines to an
  expense *category*, each posting to one expense account, so each line's account is turned into
  the account's category; ``vendor`` holds the employee.

Every record carries ``externalId`` derived from our key, and goes out as an upsert
(``PUT .../{type}/eid:{externalId}``), so a resend updates the one record instead of adding one.
References are ``{"id": ...}``; sublists are ``{"items": [...]}``. Dimension kinds: ``department``,
``class``, ``location`` on lines (and on the header of bills), ``subsidiary`` on the header, and
``custom:<field id>`` for custom segments and line fields (``cseg_*``, ``custcol_*``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    Document,
    DocumentKind,
    ExpenseLine,
    Issue,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Severity,
    TaxMode,
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.netsuite.config import LABEL, PROVIDER
from bookbridge.connectors.validation import check_document, errors_only
from bookbridge.core.keys import short_key

RECORD_TYPES: dict[DocumentKind, str] = {
    DocumentKind.JOURNAL_ENTRY: "journalEntry",
    DocumentKind.PURCHASE: "expenseReport",
    DocumentKind.BILL: "vendorBill",
    DocumentKind.VENDOR: "vendor",
}
_EXTERNAL_PREFIX = {DocumentKind.JOURNAL_ENTRY: "je", DocumentKind.PURCHASE: "er", DocumentKind.BILL: "vb",
                    DocumentKind.VENDOR: "vn"}
LINE_DIMENSIONS = {"department": "department", "class": "class", "location": "location"}
SUBSIDIARY = "subsidiary"
_CUSTOM_FIELD = re.compile(r"^(cseg|custcol|custbody)[a-z0-9_]*$")
MAX_MEMO = 999
MAX_TRAN_ID = 45


def external_id(kind: DocumentKind, key: str) -> str:
    """The ``externalId`` of the record for our key: deterministic, URL-safe, unique per record type."""
    return f"bb-{_EXTERNAL_PREFIX[kind]}-{short_key('netsuite', kind.value, key, length=32)}"


@dataclass(frozen=True, slots=True)
class PayloadContext:
    """What a payload needs to know about the account.

    Attributes:
        subsidiary_id: the subsidiary posted to when a document names none (OneWorld requires one).
        currency_ids: internal currency id by ISO code (NetSuite references currencies by id).
        categories: expense category id by the expense account it posts to (expense reports).
    """

    subsidiary_id: str | None
    currency_ids: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)


def _ref(value: str) -> dict[str, str]:
    return {"id": value}


def _lines(doc: Document) -> tuple[JournalLine | ExpenseLine, ...]:
    return doc.lines


def _all_dimensions(doc: Document) -> list[tuple[str, DimensionRef]]:
    found = [(f"lines[{n}]", d) for n, line in enumerate(_lines(doc), 1) for d in line.dimensions]
    if isinstance(doc, (PurchaseDocument, BillDocument)):
        found += [("dimensions", d) for d in doc.dimensions]
    return found


def _dimension_issues(doc: Document) -> list[Issue]:
    issues = []
    for where, dim in _all_dimensions(doc):
        kind = dim.kind
        custom = kind.startswith("custom:") and _CUSTOM_FIELD.match(kind[len("custom:"):])
        if kind not in LINE_DIMENSIONS and kind != SUBSIDIARY and not custom:
            issues.append(Issue(Severity.ERROR, where, f"{LABEL} has no dimension {kind!r} (department, class, "
                                "location, subsidiary or custom:<cseg_/custcol_ field id>)"))
    for n, line in enumerate(_lines(doc), 1):
        kinds = [d.kind for d in line.dimensions]
        for kind in sorted({k for k in kinds if kinds.count(k) > 1}):
            issues.append(Issue(Severity.ERROR, f"lines[{n}]", f"a line can carry one {kind} only"))
    subsidiaries = {d.id for _, d in _all_dimensions(doc) if d.kind == SUBSIDIARY}
    if len(subsidiaries) > 1:
        issues.append(Issue(Severity.ERROR, "dimensions", f"one {doc.kind.value} posts to one subsidiary, not "
                            f"{len(subsidiaries)}"))
    return issues


def check_for_netsuite(doc: Document, context: PayloadContext) -> list[Issue]:
    """Our generic checks plus what NetSuite and this account need."""
    issues = check_document(doc) + _dimension_issues(doc)
    if doc.doc_number and len(doc.doc_number) > MAX_TRAN_ID:
        issues.append(Issue(Severity.ERROR, "doc_number", f"{LABEL} allows at most {MAX_TRAN_ID} characters in a "
                            "document number"))
    if doc.tax_mode is TaxMode.INCLUSIVE:
        issues.append(Issue(Severity.ERROR, "tax_mode", f"{LABEL} takes amounts before tax on these records; send "
                            "amounts excluding tax with the tax code on each line"))
    if doc.currency.upper() not in context.currency_ids:
        issues.append(Issue(Severity.ERROR, "currency", f"currency {doc.currency} is not set up in {LABEL}"))
    if context.subsidiary_id is None and not any(d.kind == SUBSIDIARY for _, d in _all_dimensions(doc)):
        issues.append(Issue(Severity.ERROR, "dimensions", f"{LABEL} needs a subsidiary for this document"))
    if isinstance(doc, PurchaseDocument):
        if doc.vendor is None:
            issues.append(Issue(Severity.ERROR, "vendor", f"a {LABEL} expense report needs the employee who "
                                "incurred it (give the employee's id as the vendor)"))
        if doc.is_refund:
            issues.append(Issue(Severity.ERROR, "is_refund", f"{LABEL} expense reports cannot carry a refund; post "
                                "it as a journal entry"))
        for n, line in enumerate(doc.lines, 1):
            if line.account.id not in context.categories:
                issues.append(Issue(Severity.ERROR, f"lines[{n}].account", f"no active expense category in {LABEL} "
                                    f"posts to account {line.account.name or line.account.id}; add one"))
    return issues


def build_payload(doc: Document, context: PayloadContext) -> dict[str, Any]:
    """The NetSuite record body for ``doc``.

    Raises:
        DocumentRejected: the document fails our checks or NetSuite's (``issues`` lists why).
    """
    errors = errors_only(check_for_netsuite(doc, context))
    if errors:
        summary = "; ".join(f"{i.field}: {i.message}" for i in errors)
        raise DocumentRejected(
            f"Bookbridge did not send {doc.kind.value} {doc.doc_number or doc.key}: {summary}",
            provider=PROVIDER, code="local-check", issues=tuple(errors),
        )
    if isinstance(doc, JournalDocument):
        return _journal(doc, context)
    if isinstance(doc, BillDocument):
        return _bill(doc, context)
    return _expense_report(doc, context)


def _header(doc: Document, context: PayloadContext) -> dict[str, Any]:
    subsidiary = next((d.id for _, d in _all_dimensions(doc) if d.kind == SUBSIDIARY), context.subsidiary_id)
    body: dict[str, Any] = {"externalId": external_id(doc.kind, doc.key), "subsidiary": _ref(str(subsidiary)),
                            "tranDate": doc.date.isoformat()}
    if doc.doc_number:
        body["tranId"] = doc.doc_number
    if doc.memo:
        body["memo"] = doc.memo[:MAX_MEMO]
    return body


def _money_header(doc: Document, context: PayloadContext) -> dict[str, Any]:
    body: dict[str, Any] = {"currency": _ref(context.currency_ids[doc.currency.upper()])}
    if doc.exchange_rate is not None:
        body["exchangeRate"] = doc.exchange_rate
    return body


def _dimensions(dims: tuple[DimensionRef, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for dim in dims:
        if dim.kind in LINE_DIMENSIONS:
            fields[LINE_DIMENSIONS[dim.kind]] = _ref(dim.id)
        elif dim.kind.startswith("custom:"):
            fields[dim.kind[len("custom:"):]] = _ref(dim.id)
    return fields


def _tax(line: JournalLine | ExpenseLine) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if line.tax_code is not None:
        fields["taxCode"] = _ref(line.tax_code.id)
    if line.tax_amount is not None:
        fields["tax1Amt"] = line.tax_amount
    return fields


def _journal(doc: JournalDocument, context: PayloadContext) -> dict[str, Any]:
    items = []
    for line in doc.lines:
        item: dict[str, Any] = {"account": _ref(line.account.id)}
        item.update({"debit": line.debit} if line.debit > 0 else {"credit": line.credit})
        if line.description:
            item["memo"] = line.description[:MAX_MEMO]
        item.update(_dimensions(line.dimensions))
        if line.entity is not None:
            item["entity"] = _ref(line.entity.id)
        item.update(_tax(line))
        items.append(item)
    return {**_header(doc, context), **_money_header(doc, context), "line": {"items": items}}


def _expense_item(line: ExpenseLine) -> dict[str, Any]:
    """The fields bills and expense reports share (the amount is spelled differently by each)."""
    item: dict[str, Any] = {}
    if line.description:
        item["memo"] = line.description[:MAX_MEMO]
    item.update(_dimensions(line.dimensions))
    item.update(_tax(line))
    if line.customer is not None:
        item["customer"] = _ref(line.customer.id)
    item["isBillable"] = line.billable
    return item


def _bill(doc: BillDocument, context: PayloadContext) -> dict[str, Any]:
    body = {**_header(doc, context), "entity": _ref(doc.vendor.id), **_money_header(doc, context)}
    if doc.ap_account is not None:
        body["account"] = _ref(doc.ap_account.id)
    if doc.due_date is not None:
        body["dueDate"] = doc.due_date.isoformat()
    body.update(_dimensions(doc.dimensions))
    body["expense"] = {"items": [
        {"account": _ref(line.account.id), "amount": line.amount, **_expense_item(line)} for line in doc.lines
    ]}
    return body


def _expense_report(doc: PurchaseDocument, context: PayloadContext) -> dict[str, Any]:
    assert doc.vendor is not None  # checked above
    body = {**_header(doc, context), "entity": _ref(doc.vendor.id), "account": _ref(doc.paying_account.id)}
    body.update(_dimensions(doc.dimensions))
    currency = _ref(context.currency_ids[doc.currency.upper()])
    items = []
    for line in doc.lines:
        # foreignAmount is in the line's currency; NetSuite derives amount in the subsidiary's.
        item: dict[str, Any] = {"expenseDate": doc.date.isoformat(), "category": _ref(context.categories[line.account.id]),
                                "currency": currency, "foreignAmount": line.amount}
        if doc.exchange_rate is not None:
            item["exchangeRate"] = doc.exchange_rate
        item.update(_expense_item(line))
        # A corporate card paid: nothing is owed back to the employee for this line.
        item["isNonReimbursable"] = doc.payment_type is PaymentType.CARD
        items.append(item)
    body["expense"] = {"items": items}
    return body
