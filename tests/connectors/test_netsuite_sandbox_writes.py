"""The NetSuite connector's writes against the local sandbox: upserts by externalId, lookups, vendors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from netsuite_session import EMPLOYEE, NsSession, bill, expense_report, journal, ns, ns_sandbox, refs  # noqa: F401

from bookbridge.connectors.dto import DocumentKind, PaymentType, RemoteDocument, VendorDraft
from bookbridge.connectors.errors import ConnectorError, DocumentRejected
from bookbridge.connectors.netsuite import external_id


def test_journal_entry_is_posted_with_lines_dimensions_and_entity(ns: NsSession):
    """A journal entry lands with both lines, class/department/location and the vendor on the credit."""
    r = refs(ns)
    result = ns.connector.push_journal_entry(journal(r, "je-1", doc_number="BB-1001"))
    (stored,) = ns.records("journalEntry")
    debit, credit = stored["line"]["items"]
    assert (result.remote_id, result.doc_number, stored["tranId"]) == (stored["id"], "BB-1001", "BB-1001")
    assert debit["debit"] == credit["credit"] == Decimal("100.00")
    assert (debit["class"]["id"], debit["department"]["id"], debit["location"]["id"]) == (
        r["class"], r["department"], r["location"])
    assert credit["entity"]["id"] == r["vendor"] and stored["subsidiary"]["id"] == "1"


def test_every_write_is_an_upsert_by_external_id(ns: NsSession):
    """The document goes out as PUT .../journalEntry/eid:<externalId> with the same externalId in the body."""
    ns.connector.push(journal(refs(ns), "je-eid"))
    (put,) = [e for e in ns.exchanges if e.method == "PUT"]
    expected = external_id(DocumentKind.JOURNAL_ENTRY, "je-eid")
    assert put.url.endswith(f"/services/rest/record/v1/journalEntry/eid:{expected}")
    assert ns.records("journalEntry")[0]["externalId"] == expected


def test_resending_the_same_key_updates_instead_of_duplicating(ns: NsSession):
    """Posting one document twice returns one internal id and leaves one record."""
    doc = journal(refs(ns), "je-twice")
    first, second = ns.connector.push(doc), ns.connector.push(doc)
    assert first.remote_id == second.remote_id and len(ns.records("journalEntry")) == 1


def test_vendor_bill_keeps_due_date_ap_account_and_header_location(ns: NsSession):
    """A bill becomes a vendorBill with entity, A/P account, due date, tranId and expense lines."""
    r = refs(ns)
    result = ns.connector.push_bill(bill(r, "bill-1"))
    (stored,) = ns.records("vendorBill")
    (line,) = stored["expense"]["items"]
    assert (stored["id"], stored["entity"]["id"], stored["account"]["id"]) == (result.remote_id, r["vendor"], r["ap"])
    assert (stored["dueDate"], stored["tranId"], stored["location"]["id"]) == ("2026-04-01", "INV-77", r["location"])
    assert (line["account"]["id"], line["amount"], stored["userTotal"]) == (r["fuel"], Decimal("250.00"), Decimal("250.00"))


def test_card_purchase_becomes_an_expense_report_with_categories(ns: NsSession):
    """A purchase becomes the employee's expense report; lines carry the account's category, not reimbursed."""
    r = refs(ns)
    ns.connector.push_purchase(expense_report(r, "er-1"))
    (stored,) = ns.records("expenseReport")
    fuel, meals = stored["expense"]["items"]
    categories = {row["expenseacct"]: row["id"] for row in ns.sandbox.store.rows("expensecategory")}
    assert stored["entity"]["id"] == EMPLOYEE and stored["total"] == Decimal("92.50")
    assert (fuel["category"]["id"], meals["category"]["id"]) == (categories[r["fuel"]], categories[r["meals"]])
    assert fuel["isNonReimbursable"] is True and fuel["expenseAccount"]["id"] == r["fuel"]


def test_cash_purchase_lines_are_reimbursable(ns: NsSession):
    """Paid out of pocket, the expense report's lines are owed back to the employee."""
    ns.connector.push_purchase(expense_report(refs(ns), "er-cash", payment=PaymentType.CASH))
    assert {item["isNonReimbursable"] for item in ns.records("expenseReport")[0]["expense"]["items"]} == {False}


def test_foreign_currency_expense_report_is_converted_at_the_account_rate(ns: NsSession):
    """A CAD expense report line is stored in CAD with the account's latest CAD rate and a USD amount."""
    ns.connector.push_purchase(expense_report(refs(ns), "er-cad", currency="CAD"))
    fuel = ns.records("expenseReport")[0]["expense"]["items"][0]
    rate = max((row for row in ns.sandbox.store.rows("currencyrate") if row["transactioncurrency"] == "3"
                and row["basecurrency"] == "1"), key=lambda row: row["effectivedate"])["exchangerate"]
    assert (fuel["currency"]["id"], fuel["foreignAmount"], fuel["amount"]) == ("3", Decimal("80.00"),
                                                                              (Decimal("80.00") * rate).quantize(Decimal("0.01")))


def test_push_many_keeps_order_and_reports_a_failure_in_its_slot(ns: NsSession):
    """Three documents, the middle one dated in a closed period: it fails alone, in order."""
    import datetime as dt

    r = refs(ns)
    docs = [journal(r, "many-1"), journal(r, "many-2", day=dt.date(2024, 6, 3)), journal(r, "many-3", amount="7.00")]
    results = ns.connector.push_many(docs)
    assert [type(x).__name__ for x in results] == ["PostResult", "ClosedPeriod", "PostResult"]
    assert [x.key for x in results if not isinstance(x, ConnectorError)] == ["many-1", "many-3"]


def test_find_by_key_returns_the_posted_record(ns: NsSession):
    """find_by_key reads the record by eid: and returns its internal id, tranId and modification time."""
    posted = ns.connector.push(journal(refs(ns), "je-find", doc_number="BB-FIND"))
    found = ns.connector.find_by_key(DocumentKind.JOURNAL_ENTRY, "je-find")
    assert found is not None and (found.remote_id, found.doc_number) == (posted.remote_id, "BB-FIND")
    assert found.updated_at is not None and found.updated_at.tzinfo is not None


def test_find_by_key_of_a_document_never_posted_is_none(ns: NsSession):
    """A key NetSuite has no record for gives None (its 404 is not an error here)."""
    assert ns.connector.find_by_key(DocumentKind.BILL, "never-sent") is None


def test_create_vendor_twice_with_one_key_makes_one_vendor(ns: NsSession):
    """create_vendor upserts by externalId: a retry returns the same vendor instead of a second one."""
    before = len(ns.sandbox.store.rows("vendor"))
    draft = VendorDraft(key="vendor-key-1", name="Flying Squirrel Tires", currency="USD", email="ap@squirrel.example")
    first, second = ns.connector.create_vendor(draft), ns.connector.create_vendor(draft)
    assert first == second and (first.name, first.currency, first.email) == (
        "Flying Squirrel Tires", "USD", "ap@squirrel.example")
    assert len(ns.sandbox.store.rows("vendor")) == before + 1


def test_attachments_are_refused_with_an_actionable_message(ns: NsSession):
    """REST web services cannot attach files: the error says to attach it by hand, and is not retryable."""
    with pytest.raises(ConnectorError) as refused:
        ns.connector.upload_attachment(RemoteDocument(DocumentKind.JOURNAL_ENTRY, "1000"), "r.pdf", b"%PDF", "application/pdf")
    assert refused.value.code == "attachments-unsupported" and not refused.value.retryable
    assert "by hand" in refused.value.user_message


def test_a_document_in_a_currency_the_account_lacks_is_refused_before_sending(ns: NsSession):
    """JPY is not set up in the sandbox account: DocumentRejected, and no PUT goes out."""
    with pytest.raises(DocumentRejected) as refused:
        ns.connector.push(journal(refs(ns), "je-jpy", amount="100", currency="JPY"))
    assert any(issue.field == "currency" for issue in refused.value.issues)
    assert not [e for e in ns.exchanges if e.method == "PUT"]
