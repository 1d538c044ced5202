"""Provider-neutral documents to QuickBooks Online payloads (ERP_FACTS.md §1.3), and back-references.

Pure functions: no network. Every payload carries our key in ``PrivateNote`` as ``[bb:<key>]`` so
:meth:`QuickBooksConnector.find_by_key` can recognise our documents after QBO's ``requestid``
replay window has passed (QBO cannot search by requestid).

Dimension kinds: ``class`` becomes ``ClassRef`` on lines; ``department`` or ``location`` (QBO's
UI calls Departments "Locations") becomes ``DepartmentRef``, on lines of a journal entry and on the
header of a purchase or bill, where QBO only allows one. Other kinds do not exist in QBO.
"""

from __future__ import annotations

from typing import Any

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    Document,
    EntityKind,
    ExpenseLine,
    Issue,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
    Severity,
    TaxMode,
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.quickbooks.config import DIMENSION_ALIASES, LABEL, PROVIDER
from bookbridge.connectors.validation import check_document, errors_only

MAX_DOC_NUMBER = 21
MAX_PRIVATE_NOTE = 4000
MAX_DESCRIPTION = 4000

CLASS_KINDS = frozenset({"class"})
DEPARTMENT_KINDS = frozenset({"department", *(k for k, v in DIMENSION_ALIASES.items() if v == "department")})

_PAYMENT_TYPES = {PaymentType.CARD: "CreditCard", PaymentType.CASH: "Cash", PaymentType.CHECK: "Check"}
_TAX_MODES = {TaxMode.EXCLUSIVE: "TaxExcluded", TaxMode.INCLUSIVE: "TaxInclusive", TaxMode.NOT_APPLICABLE: "NotApplicable"}
_ENTITY_TYPES = {EntityKind.VENDOR: "Vendor", EntityKind.CUSTOMER: "Customer", EntityKind.EMPLOYEE: "Employee"}


def key_marker(key: str) -> str:
    """The tag that identifies our document in ``PrivateNote``."""
    return f"[bb:{key}]"


def _ref(ref: Ref) -> dict[str, str]:
    return {"value": ref.id}


def _note(memo: str, key: str) -> str:
    marker = key_marker(key)
    room = MAX_PRIVATE_NOTE - len(marker) - 1
    return f"{memo[:room]} {marker}".strip()


def check_for_qbo(doc: Document) -> list[Issue]:
    """Our generic checks plus QBO's own limits."""
    issues = check_document(doc)
    if doc.doc_number and len(doc.doc_number) > MAX_DOC_NUMBER:
        issues.append(Issue(Severity.ERROR, "doc_number", f"{LABEL} allows at most {MAX_DOC_NUMBER} characters in a document number"))
    lines: tuple[JournalLine | ExpenseLine, ...] = doc.lines
    dims = [(f"lines[{n}]", d) for n, line in enumerate(lines, 1) for d in line.dimensions]
    header_dims = doc.dimensions if isinstance(doc, (PurchaseDocument, BillDocument)) else ()
    dims += [("dimensions", d) for d in header_dims]
    for where, dim in dims:
        if dim.kind not in CLASS_KINDS | DEPARTMENT_KINDS:
            issues.append(Issue(Severity.ERROR, where, f"{LABEL} has no dimension {dim.kind!r} (only class and location)"))
    if isinstance(doc, (PurchaseDocument, BillDocument)):
        departments = {d.id for d in doc.dimensions if d.kind in DEPARTMENT_KINDS}
        departments |= {d.id for line in lines for d in line.dimensions if d.kind in DEPARTMENT_KINDS}
        if len(departments) > 1:
            issues.append(Issue(Severity.ERROR, "dimensions", f"{LABEL} allows one location per {doc.kind.value}, not {len(departments)}"))
    for n, line in enumerate(lines, 1):
        for kinds in (CLASS_KINDS, DEPARTMENT_KINDS):
            if len([d for d in line.dimensions if d.kind in kinds]) > 1:
                issues.append(Issue(Severity.ERROR, f"lines[{n}]", f"a line can carry one {sorted(kinds)[0]} only"))
    return issues


def build_payload(doc: Document) -> dict[str, Any]:
    """The QBO JSON body for ``doc``.

    Raises:
        DocumentRejected: the document fails our checks or QBO's limits (``issues`` lists why).
    """
    errors = errors_only(check_for_qbo(doc))
    if errors:
        summary = "; ".join(f"{i.field}: {i.message}" for i in errors)
        raise DocumentRejected(
            f"Bookbridge did not send {doc.kind.value} {doc.doc_number or doc.key}: {summary}",
            provider=PROVIDER, code="local-check", issues=tuple(errors),
        )
    if isinstance(doc, JournalDocument):
        return _journal(doc)
    if isinstance(doc, PurchaseDocument):
        return _purchase(doc)
    return _bill(doc)


def _header(doc: Document) -> dict[str, Any]:
    body: dict[str, Any] = {"TxnDate": doc.date.isoformat()}
    if doc.doc_number:
        body["DocNumber"] = doc.doc_number
    body["PrivateNote"] = _note(doc.memo, doc.key)
    body["CurrencyRef"] = {"value": doc.currency.upper()}
    if doc.exchange_rate is not None:
        body["ExchangeRate"] = doc.exchange_rate
    if doc.tax_mode is not None:
        body["GlobalTaxCalculation"] = _TAX_MODES[doc.tax_mode]
    return body


def _dimension(dims: tuple[DimensionRef, ...], kinds: frozenset[str]) -> DimensionRef | None:
    return next((d for d in dims if d.kind in kinds), None)


def _journal(doc: JournalDocument) -> dict[str, Any]:
    lines = []
    for line in doc.lines:
        debit = line.debit > 0
        detail: dict[str, Any] = {"PostingType": "Debit" if debit else "Credit", "AccountRef": _ref(line.account)}
        klass = _dimension(line.dimensions, CLASS_KINDS)
        if klass:
            detail["ClassRef"] = {"value": klass.id}
        department = _dimension(line.dimensions, DEPARTMENT_KINDS)
        if department:
            detail["DepartmentRef"] = {"value": department.id}
        if line.entity is not None:
            detail["Entity"] = {"Type": _ENTITY_TYPES[line.entity.kind], "EntityRef": {"value": line.entity.id}}
        if line.tax_code is not None:
            detail["TaxCodeRef"] = _ref(line.tax_code)
            detail["TaxApplicableOn"] = "Purchase"
            if line.tax_amount is not None:
                detail["TaxAmount"] = line.tax_amount
        entry: dict[str, Any] = {"DetailType": "JournalEntryLineDetail", "Amount": line.debit if debit else line.credit}
        if line.description:
            entry["Description"] = line.description[:MAX_DESCRIPTION]
        entry["JournalEntryLineDetail"] = detail
        lines.append(entry)
    return {**_header(doc), "Line": lines}


def _expense_lines(lines: tuple[ExpenseLine, ...], header_dims: tuple[DimensionRef, ...]) -> list[dict[str, Any]]:
    header_class = _dimension(header_dims, CLASS_KINDS)
    result = []
    for line in lines:
        detail: dict[str, Any] = {"AccountRef": _ref(line.account)}
        klass = _dimension(line.dimensions, CLASS_KINDS) or header_class
        if klass:
            detail["ClassRef"] = {"value": klass.id}
        if line.tax_code is not None:
            detail["TaxCodeRef"] = _ref(line.tax_code)
        if line.tax_amount is not None:
            detail["TaxAmount"] = line.tax_amount
        if line.customer is not None:
            detail["CustomerRef"] = _ref(line.customer)
        detail["BillableStatus"] = "Billable" if line.billable else "NotBillable"
        entry: dict[str, Any] = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": line.amount}
        if line.description:
            entry["Description"] = line.description[:MAX_DESCRIPTION]
        entry["AccountBasedExpenseLineDetail"] = detail
        result.append(entry)
    return result


def _header_department(doc: PurchaseDocument | BillDocument) -> dict[str, Any]:
    # QBO allows one DepartmentRef per purchase or bill, on the header; lines may name it too.
    found = _dimension(doc.dimensions, DEPARTMENT_KINDS)
    for line in doc.lines:
        found = found or _dimension(line.dimensions, DEPARTMENT_KINDS)
    return {"DepartmentRef": {"value": found.id}} if found else {}


def _purchase(doc: PurchaseDocument) -> dict[str, Any]:
    body: dict[str, Any] = {
        "PaymentType": _PAYMENT_TYPES[doc.payment_type],
        "AccountRef": _ref(doc.paying_account),
    }
    if doc.vendor is not None:
        body["EntityRef"] = {"value": doc.vendor.id, "type": "Vendor"}
    if doc.is_refund:
        body["Credit"] = True
    body.update(_header(doc))
    body.update(_header_department(doc))
    body["Line"] = _expense_lines(doc.lines, doc.dimensions)
    return body


def _bill(doc: BillDocument) -> dict[str, Any]:
    body: dict[str, Any] = {"VendorRef": _ref(doc.vendor)}
    if doc.ap_account is not None:
        body["APAccountRef"] = _ref(doc.ap_account)
    body.update(_header(doc))
    if doc.due_date is not None:
        body["DueDate"] = doc.due_date.isoformat()
    body.update(_header_department(doc))
    body["Line"] = _expense_lines(doc.lines, doc.dimensions)
    return body

