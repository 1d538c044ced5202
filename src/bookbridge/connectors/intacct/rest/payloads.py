"""Our documents as Sage Intacct REST bodies (pure: no network).

* :class:`JournalDocument` → ``POST /objects/general-ledger/journal-entry``: ``glJournal``,
  ``postingDate`` (ISO), ``description``, ``referenceNumber`` and at least two ``lines``, each
  with ``glAccount``, ``txnType`` (``debit``/``credit``), ``txnAmount`` and ``dimensions`` [I11,
  Sage's journal-entry reference]. Decimals go as strings, as Sage's REST examples write them.
* :class:`BillDocument` → ``POST /objects/accounts-payable/bill``: field names UNCONFIRMED (ERP_FACTS
  documents only the XML APBILL); the local sandbox serves the same names.
* :class:`PurchaseDocument` is refused: the REST expense-report object is not documented in
  ERP_FACTS, so purchases go to Intacct through the XML connection (``intacct``) or as bills.

No idempotency header is relied on (UNCONFIRMED): every document's description ends with our key
marker, the same one the XML connector writes, so either transport finds it again by key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    Document,
    DocumentKind,
    EntityKind,
    Issue,
    JournalDocument,
    Severity,
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.intacct.payloads import described, key_marker
from bookbridge.connectors.intacct.rest.config import BILL, DEFAULT_JOURNAL, JOURNAL_ENTRY, LABEL, PROVIDER
from bookbridge.connectors.validation import check_document, errors_only

OBJECTS = {DocumentKind.JOURNAL_ENTRY: JOURNAL_ENTRY, DocumentKind.BILL: BILL}
# Where each object keeps our description (with the key marker), our number and the date.
DESCRIPTION_FIELDS = {JOURNAL_ENTRY: "description", BILL: "description"}
NUMBER_FIELDS = {JOURNAL_ENTRY: "referenceNumber", BILL: "billNumber"}
DATE_FIELDS = {JOURNAL_ENTRY: "postingDate", BILL: "createdDate"}
DIMENSION_KINDS = ("department", "location", "class", "project", "customer", "vendor", "employee", "item")
_ENTITY_KINDS = {EntityKind.VENDOR: "vendor", EntityKind.CUSTOMER: "customer", EntityKind.EMPLOYEE: "employee"}

__all__ = ["OBJECTS", "build_body", "key_marker"]


def amount(value: Decimal) -> str:
    """A decimal as Sage's REST examples write it: a string, exact, never through float."""
    return format(value, "f")


class _Problems:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, field: str, message: str) -> None:
        self.issues.append(Issue(Severity.ERROR, field, message))

    def dimensions(self, dims: Iterable[DimensionRef], where: str) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for dim in dims:
            if dim.kind not in DIMENSION_KINDS:
                self.add(where, f"{LABEL} has no '{dim.kind}' dimension here (use {', '.join(DIMENSION_KINDS)}); "
                                "user-defined dimensions go through the XML connection")
                continue
            if dim.kind in out and out[dim.kind]["id"] != dim.id:
                self.add(where, f"two different {dim.kind} values on one line")
            out[dim.kind] = {"id": dim.id}
        return out


def _currency(currency: str, rate: Decimal | None) -> dict[str, Any]:
    block: dict[str, Any] = {"txnCurrency": currency}
    if rate is not None:
        block["exchangeRate"] = amount(rate)
    return block


def _journal(doc: JournalDocument, problems: _Problems) -> dict[str, Any]:
    if len(doc.lines) < 2:
        problems.add("lines", f"a {LABEL} journal entry needs at least two lines, one debit and one credit")
    lines = []
    for n, line in enumerate(doc.lines, start=1):
        where = f"lines[{n}]"
        dimensions = problems.dimensions(line.dimensions, where)
        if line.entity is not None:
            kind = _ENTITY_KINDS[line.entity.kind]
            if dimensions.get(kind, {"id": line.entity.id})["id"] != line.entity.id:
                problems.add(where, f"the line's {kind} differs from its {kind} dimension")
            dimensions[kind] = {"id": line.entity.id}
        debit = line.debit > 0
        body: dict[str, Any] = {"glAccount": {"id": line.account.id}, "txnType": "debit" if debit else "credit",
                                "txnAmount": amount(line.debit if debit else line.credit)}
        if line.description:
            body["description"] = line.description
        if dimensions:
            body["dimensions"] = dimensions
        body["currency"] = _currency(doc.currency, doc.exchange_rate)
        if line.tax_code is not None:
            problems.add(where, f"tax details on {LABEL} REST journal lines are not supported by Bookbridge yet; "
                                "post the tax as its own line")
        lines.append(body)
    entry: dict[str, Any] = {"glJournal": {"id": DEFAULT_JOURNAL}, "postingDate": doc.date.isoformat(),
                             "description": described(doc.memo or "Bookbridge entry", doc.key)}
    if doc.doc_number:
        entry["referenceNumber"] = doc.doc_number
    entry["lines"] = lines
    return entry


def _bill(doc: BillDocument, problems: _Problems) -> dict[str, Any]:
    header = problems.dimensions(doc.dimensions, "dimensions")
    bill: dict[str, Any] = {"vendor": {"id": doc.vendor.id}, "createdDate": doc.date.isoformat(),
                            "dueDate": (doc.due_date or doc.date).isoformat()}
    if doc.doc_number:
        bill["billNumber"] = doc.doc_number
    bill["description"] = described(doc.memo, doc.key)
    bill["currency"] = _currency(doc.currency, doc.exchange_rate)
    lines = []
    for n, line in enumerate(doc.lines, start=1):
        where = f"lines[{n}]"
        dimensions = {**header, **problems.dimensions(line.dimensions, where)}
        if line.customer is not None:
            dimensions["customer"] = {"id": line.customer.id}
        body: dict[str, Any] = {"glAccount": {"id": line.account.id}, "txnAmount": amount(line.amount)}
        if line.description:
            body["memo"] = line.description
        if dimensions:
            body["dimensions"] = dimensions
        if line.tax_code is not None:
            problems.add(where, f"tax details on {LABEL} REST bills are not supported by Bookbridge yet")
        lines.append(body)
    if doc.ap_account is not None:
        problems.add("ap_account", f"{LABEL} bills post to the AP account of the vendor's setup; leave it empty")
    bill["lines"] = lines
    return bill


def build_body(doc: Document) -> dict[str, Any]:
    """The REST body for ``doc``.

    Raises:
        DocumentRejected: the document fails the common checks or this transport's own rules.
    """
    problems = _Problems()
    problems.issues.extend(check_document(doc))
    body: dict[str, Any] = {}
    if isinstance(doc, JournalDocument):
        body = _journal(doc, problems)
    elif isinstance(doc, BillDocument):
        body = _bill(doc, problems)
    else:
        problems.add("kind", f"{LABEL} takes journal entries and bills; post purchases as bills, or through the "
                             "XML connection (provider intacct), which writes them as expense reports")
    refused = errors_only(problems.issues)
    if refused:
        summary = "; ".join(f"{i.field}: {i.message}" for i in refused)
        raise DocumentRejected(f"{doc.kind.value} {doc.doc_number or doc.key} cannot be posted to {LABEL}: {summary}",
                               provider=PROVIDER, code="local-check", issues=tuple(problems.issues))
    return body
