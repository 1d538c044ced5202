"""Our documents as Sage Intacct functions (pure: no network).

* :class:`JournalDocument` → ``<create><GLBATCH>`` with one ``GLENTRY`` per line (``TR_TYPE`` 1 =
  debit, -1 = credit) [ERP_FACTS §3.3];
* :class:`BillDocument` → ``<create><APBILL>`` with ``APBILLITEMS``;
* :class:`PurchaseDocument` → an employee expense report (``EEXPENSES``), written with the legacy
  ``create_expensereport`` function whose fields ERP_FACTS §3.3 lists. Intacct books company-paid
  expenses on a report through an *expense payment type* (which carries the offset account), so
  for card and check purchases ``paying_account.id`` names that payment type; the employee is the
  header dimension of kind ``employee`` (Employee is one of Intacct's standard dimensions).

Every function gets a ``controlid`` derived from our key, so resending it under ``uniqueid=true``
is refused as already run instead of posting twice; and every document carries a key marker in
its description, so it can be found again by key.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    Document,
    DocumentKind,
    EntityKind,
    ExpenseLine,
    Issue,
    JournalDocument,
    PaymentType,
    PurchaseDocument,
    Severity,
    TaxMode,
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.intacct.config import DATE_FORMAT, DEFAULT_JOURNAL, LABEL, PROVIDER
from bookbridge.connectors.validation import check_document, errors_only
from bookbridge.core.keys import short_key

CONTROL_ID_PREFIX = {DocumentKind.JOURNAL_ENTRY: "je", DocumentKind.BILL: "bill", DocumentKind.PURCHASE: "er",
                     DocumentKind.VENDOR: "ven", DocumentKind.ATTACHMENT: "att"}
OBJECT_NAMES = {DocumentKind.JOURNAL_ENTRY: "GLBATCH", DocumentKind.BILL: "APBILL", DocumentKind.PURCHASE: "EEXPENSES"}
# Where each object keeps our description (and so the key marker) and our document number.
DESCRIPTION_FIELDS = {"GLBATCH": "BATCH_TITLE", "APBILL": "DESCRIPTION", "EEXPENSES": "DESCRIPTION"}
NUMBER_FIELDS = {"GLBATCH": "REFERENCENO", "APBILL": "RECORDID", "EEXPENSES": None}
DATE_FIELDS = {"GLBATCH": "BATCH_DATE", "APBILL": "WHENCREATED", "EEXPENSES": "WHENCREATED"}
TITLE_MAX = 80  # room for the marker inside the description limits (exact limits UNCONFIRMED)

# Dimension kinds → field names: GLENTRY spells department/location without "ID" [ERP_FACTS §3.3].
_GLENTRY_FIELDS = {"class": "CLASSID", "department": "DEPARTMENT", "location": "LOCATION", "project": "PROJECTID",
                   "customer": "CUSTOMERID", "vendor": "VENDORID", "employee": "EMPLOYEEID", "item": "ITEMID"}
_BILL_FIELDS = {**_GLENTRY_FIELDS, "department": "DEPARTMENTID", "location": "LOCATIONID"}
_REPORT_FIELDS = {"class": "classid", "department": "departmentid", "location": "locationid", "project": "projectid",
                  "customer": "customerid", "vendor": "vendorid", "item": "itemid"}
_ENTITY_FIELDS = {EntityKind.VENDOR: "VENDORID", EntityKind.CUSTOMER: "CUSTOMERID", EntityKind.EMPLOYEE: "EMPLOYEEID"}


def control_id(kind: DocumentKind, key: str) -> str:
    """The function ``controlid`` for a document: the same key always gives the same id."""
    return f"bb-{CONTROL_ID_PREFIX[kind]}-{short_key(PROVIDER, kind.value, key, length=32)}"


def key_marker(key: str) -> str:
    """The tag in a document's description that identifies it as ours (a digest of the key)."""
    return f"[bb:{short_key(PROVIDER, 'marker', key, length=16)}]"


def intacct_date(value: date) -> str:
    return value.strftime(DATE_FORMAT)


def date_parts(value: date) -> dict[str, str]:
    """Legacy functions take dates as year/month/day elements."""
    return {"year": f"{value.year:04d}", "month": f"{value.month:02d}", "day": f"{value.day:02d}"}


def described(text: str, key: str, doc_number: str | None = None) -> str:
    """A description with our key marker at the end (cut so the marker always survives)."""
    head = " ".join(part for part in (doc_number or "", text.strip()) if part)
    return f"{head[:TITLE_MAX].rstrip()} {key_marker(key)}".strip()


class _Problems:
    """Collects Intacct-specific refusals of one document."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, field: str, message: str) -> None:
        self.issues.append(Issue(Severity.ERROR, field, message))

    def dimensions(self, dims: Iterable[DimensionRef], fields: dict[str, str], where: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for dim in dims:
            if dim.kind.startswith("custom:") and dim.kind[7:]:
                name = dim.kind[7:]  # a user-defined dimension's own field (GLDIM...)
            elif dim.kind in fields:
                name = fields[dim.kind]
            else:
                self.add(where, f"{LABEL} has no '{dim.kind}' dimension here (use class, department, location, "
                                "project, customer, vendor, employee, item or custom:<field>)")
                continue
            if name in out and out[name] != dim.id:
                self.add(where, f"two different {dim.kind} values on one line")
            out[name] = dim.id
        return out


def _tax(line_tax_code: Any, amount: Any) -> dict[str, Any] | None:
    if line_tax_code is None:
        return None
    entry: dict[str, Any] = {"DETAILID": line_tax_code.id}
    if amount is not None:
        entry["TRX_TAX"] = amount
    return {"TAXENTRY": entry}


def _journal(doc: JournalDocument, problems: _Problems) -> dict[str, Any]:
    entries = []
    for n, line in enumerate(doc.lines, start=1):
        where = f"lines[{n}]"
        entry: dict[str, Any] = {"ACCOUNTNO": line.account.id}
        entry.update(problems.dimensions(line.dimensions, _GLENTRY_FIELDS, where))
        if line.entity is not None:
            field = _ENTITY_FIELDS[line.entity.kind]
            if entry.get(field, line.entity.id) != line.entity.id:
                problems.add(where, f"the line's {line.entity.kind.value} differs from its {field} dimension")
            entry[field] = line.entity.id
        entry["CURRENCY"] = doc.currency
        if doc.exchange_rate is not None:
            entry["EXCHANGE_RATE"] = doc.exchange_rate
        debit = line.debit > 0
        entry["TRX_AMOUNT"] = line.debit if debit else line.credit
        entry["TR_TYPE"] = "1" if debit else "-1"
        if line.description:
            entry["DESCRIPTION"] = line.description
        tax = _tax(line.tax_code, line.tax_amount)
        if tax:
            entry["TAXENTRIES"] = tax
        entries.append(entry)
    batch: dict[str, Any] = {
        "JOURNAL": DEFAULT_JOURNAL,
        "BATCH_DATE": intacct_date(doc.date),
        "BATCH_TITLE": described(doc.memo or "Bookbridge entry", doc.key),
    }
    if doc.doc_number:
        batch["REFERENCENO"] = doc.doc_number
    batch["ENTRIES"] = {"GLENTRY": entries}
    return {"create": {"GLBATCH": batch}}


def _bill_items(lines: Iterable[ExpenseLine], problems: _Problems, ap_account: str | None) -> list[dict[str, Any]]:
    items = []
    for n, line in enumerate(lines, start=1):
        where = f"lines[{n}]"
        item: dict[str, Any] = {"ACCOUNTNO": line.account.id}
        if ap_account:
            item["OFFSETGLACCOUNTNO"] = ap_account
        item["TRX_AMOUNT"] = line.amount
        if line.description:
            item["ENTRYDESCRIPTION"] = line.description
        item.update(problems.dimensions(line.dimensions, _BILL_FIELDS, where))
        if line.customer is not None:
            item["CUSTOMERID"] = line.customer.id
        if line.billable:
            item["BILLABLE"] = True
        tax = _tax(line.tax_code, line.tax_amount)
        if tax:
            item["TAXENTRIES"] = tax
        items.append(item)
    return items


def _bill(doc: BillDocument, problems: _Problems) -> dict[str, Any]:
    header = problems.dimensions(doc.dimensions, _BILL_FIELDS, "dimensions")
    bill: dict[str, Any] = {
        "WHENCREATED": intacct_date(doc.date),
        "VENDORID": doc.vendor.id,
    }
    if doc.doc_number:
        bill["RECORDID"] = doc.doc_number
    bill["DESCRIPTION"] = described(doc.memo, doc.key)
    bill["WHENDUE"] = intacct_date(doc.due_date or doc.date)
    bill["CURRENCY"] = doc.currency
    if doc.exchange_rate is not None:
        bill["EXCHANGE_RATE"] = doc.exchange_rate
    if doc.tax_mode is TaxMode.INCLUSIVE:
        bill["INCLUSIVETAX"] = True
    items = _bill_items(doc.lines, problems, doc.ap_account.id if doc.ap_account else None)
    for item in items:  # header dimensions apply to every line, as Intacct has no bill-level ones
        for name, value in header.items():
            item.setdefault(name, value)
    bill["APBILLITEMS"] = {"APBILLITEM": items}
    return {"create": {"APBILL": bill}}


def _expense_report(doc: PurchaseDocument, problems: _Problems) -> dict[str, Any]:
    employee = next((d.id for d in doc.dimensions if d.kind == "employee"), None)
    if employee is None:
        problems.add("dimensions", f"a {LABEL} expense report needs the employee: add a header dimension of kind "
                                   "'employee' with the employee ID")
    if doc.is_refund:
        problems.add("is_refund", f"{LABEL} expense reports take no refunds; post the refund as a journal entry")
    header = problems.dimensions([d for d in doc.dimensions if d.kind != "employee"], _REPORT_FIELDS, "dimensions")
    company_paid = doc.payment_type in (PaymentType.CARD, PaymentType.CHECK)
    expenses = []
    for n, line in enumerate(doc.lines, start=1):
        expense: dict[str, Any] = {"glaccountno": line.account.id, "amount": line.amount,
                                   "expensedate": date_parts(doc.date)}
        if line.description:
            expense["memo"] = line.description
        expense.update(header)
        expense.update(problems.dimensions(line.dimensions, _REPORT_FIELDS, f"lines[{n}]"))
        if line.customer is not None:
            expense["customerid"] = line.customer.id
        expense["billable"] = line.billable
        if company_paid:
            expense["exppmttype"] = doc.paying_account.id  # the expense payment type (non-reimbursable)
        expenses.append(expense)
    report: dict[str, Any] = {
        "employeeid": employee or "",
        "datecreated": date_parts(doc.date),
        "state": "Submitted",
        "description": described(doc.memo, doc.key, doc.doc_number),
        "currency": doc.currency,
        "expenses": {"expense": expenses},
    }
    if doc.exchange_rate is not None:
        report["exchrate"] = doc.exchange_rate
    return {"create_expensereport": report}


def build_function(doc: Document) -> dict[str, Any]:
    """The ``<function>`` for ``doc`` in nested-dict form (see :mod:`.xmlwire`).

    Raises:
        DocumentRejected: the document fails the common checks or Intacct's own rules.
    """
    problems = _Problems()
    problems.issues.extend(check_document(doc))
    if isinstance(doc, JournalDocument):
        body = _journal(doc, problems)
    elif isinstance(doc, BillDocument):
        body = _bill(doc, problems)
    else:
        body = _expense_report(doc, problems)
    refused = errors_only(problems.issues)
    if refused:
        summary = "; ".join(f"{i.field}: {i.message}" for i in refused)
        raise DocumentRejected(f"{doc.kind.value} {doc.doc_number or ''} cannot be posted to {LABEL}: {summary}".replace(
            "  ", " "), provider=PROVIDER, code="local-check", issues=tuple(problems.issues))
    return {"@controlid": control_id(doc.kind, doc.key), **body}
