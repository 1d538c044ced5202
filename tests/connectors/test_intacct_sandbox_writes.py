"""The Intacct connector posting to the sandbox over loopback: every write, idempotency, per-function results."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    DocumentKind,
    ExpenseLine,
    PaymentType,
    PostResult,
    PurchaseDocument,
    Ref,
    RemoteDocument,
    VendorDraft,
)
from bookbridge.connectors.errors import (
    ClosedPeriod,
    DocumentRejected,
    DuplicateDocument,
    InactiveReference,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.intacct.connector import IntacctConnector
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_connector_support import intacct, intacct_sandbox, journal  # noqa: F401 - fixtures


def _bill(key: str, number: str = "INV-1", vendor: str = "V103") -> BillDocument:
    return BillDocument(key, date(2026, 3, 4), "USD", Ref(vendor), (
        ExpenseLine(Ref("6220"), Decimal("310.00"), "Brakes", (DimensionRef("location", "US"),)),
        ExpenseLine(Ref("6200"), Decimal("89.99"), "Oil")), due_date=date(2026, 4, 3), doc_number=number)


def _purchase(key: str) -> PurchaseDocument:
    return PurchaseDocument(key, date(2026, 3, 5), "USD", PaymentType.CARD, Ref("Company Visa"), (
        ExpenseLine(Ref("6110"), Decimal("42.10"), "Lunch"),), doc_number="BB-ER1", memo="Road trip",
        dimensions=(DimensionRef("employee", "E100"),))


def test_journal_entry_is_stored_balanced_with_its_lines(intacct_sandbox: IntacctSandbox,
                                                         intacct: IntacctConnector) -> None:
    """The GLBATCH lands with both entries, its reference number and the class on the debit."""
    result = intacct.push_journal_entry(journal("je1", "250.00"))
    stored = intacct_sandbox.store.get("GLBATCH", result.remote_id)
    entries = stored["ENTRIES"]["GLENTRY"]
    assert result.kind is DocumentKind.JOURNAL_ENTRY and stored["REFERENCENO"] == "BB-je1"
    assert [(e["ACCOUNTNO"], e["TR_TYPE"], e["TRX_AMOUNT"]) for e in entries] == [
        ("6200", "1", "250.00"), ("2110", "-1", "250.00")]
    assert entries[0]["CLASSID"] == "T7"


def test_bill_is_stored_with_items_and_total(intacct_sandbox: IntacctSandbox, intacct: IntacctConnector) -> None:
    """The APBILL carries the vendor, its number, both items and the exact total."""
    result = intacct.push_bill(_bill("bill1"))
    stored = intacct_sandbox.store.get("APBILL", result.remote_id)
    assert (stored["VENDORID"], stored["RECORDID"], stored["TOTALENTERED"]) == ("V103", "INV-1", "399.99")
    assert len(stored["APBILLITEMS"]["APBILLITEM"]) == 2


def test_expense_report_is_stored_for_the_employee(intacct_sandbox: IntacctSandbox, intacct: IntacctConnector) -> None:
    """create_expensereport answers with the report's key; the report belongs to the employee."""
    result = intacct.push_purchase(_purchase("er1"))
    stored = intacct_sandbox.store.get("EEXPENSES", result.remote_id)
    assert stored["EMPLOYEEID"] == "E100" and stored["TOTALENTERED"] == "42.10" and stored["STATE"] == "Submitted"
    assert stored["EEXPENSESITEMS"]["EEXPENSESITEM"][0]["exppmttype"] == "Company Visa"


def test_sending_the_same_document_again_returns_the_first_post(intacct_sandbox: IntacctSandbox,
                                                                intacct: IntacctConnector) -> None:
    """A repeat controlid is refused as already run; the connector finds the first post by key."""
    first = intacct.push(journal("again"))
    second = intacct.push(journal("again"))
    assert second.remote_id == first.remote_id
    assert intacct_sandbox.store.counts()["GLBATCH"] == 1
    assert intacct_sandbox.stats()["counters"]["already_run"] == 1


def test_several_documents_go_in_one_request_with_their_own_results(intacct_sandbox: IntacctSandbox,
                                                                    intacct: IntacctConnector) -> None:
    """push_many sends one write request (then one read of version marks); a bad document fails alone, order is kept."""
    docs = [journal("m1"), journal("m2", debit="6999"), _bill("m3"), journal("m4", day=date(2024, 6, 1))]
    before = intacct_sandbox.stats()["counters"].get("api_requests", 0)
    answers = intacct.push_many(docs)
    assert intacct_sandbox.stats()["counters"]["api_requests"] - before == 2
    assert isinstance(answers[0], PostResult) and isinstance(answers[2], PostResult)
    assert isinstance(answers[1], UnknownReference) and "6999" in answers[1].user_message
    assert isinstance(answers[3], ClosedPeriod)
    assert intacct_sandbox.store.counts()["GLBATCH"] == 1 and intacct_sandbox.store.counts()["APBILL"] == 1


def test_a_failed_function_can_be_sent_again_after_the_fix(intacct_sandbox: IntacctSandbox,
                                                           intacct: IntacctConnector) -> None:
    """A refused function did not run, so its controlid is not used up (the sandbox's rule)."""
    record = intacct_sandbox.store.find("GLACCOUNT", "ACCOUNTNO", "6950")
    refused = intacct.push_many([journal("fix", debit="6950")])[0]
    assert isinstance(refused, InactiveReference)
    intacct_sandbox.store.update("GLACCOUNT", record["RECORDNO"], {"STATUS": "active"})
    assert isinstance(intacct.push(journal("fix", debit="6950")), PostResult)


def test_duplicate_bill_number_is_a_duplicate_document(intacct: IntacctConnector) -> None:
    """The same vendor bill number twice (new key) is refused with Intacct's duplicate text."""
    intacct.push(_bill("d1", "INV-9"))
    with pytest.raises(DuplicateDocument, match="already exists"):
        intacct.push(_bill("d2", "INV-9"))


def test_unbalanced_entry_sent_raw_is_refused_by_intacct(intacct: IntacctConnector) -> None:
    """Our own checks stop an unbalanced entry; sent raw, Intacct refuses it too ("not equal")."""
    function = {"@controlid": "raw-unbalanced", "create": {"GLBATCH": {
        "JOURNAL": "GJ", "BATCH_DATE": "03/02/2026", "BATCH_TITLE": "x", "ENTRIES": {"GLENTRY": [
            {"ACCOUNTNO": "6200", "TRX_AMOUNT": "10.00", "TR_TYPE": "1"},
            {"ACCOUNTNO": "2110", "TRX_AMOUNT": "9.99", "TR_TYPE": "-1"}]}}}}
    response, _ = intacct.call([function], write=True)
    from bookbridge.connectors.intacct.faults import function_error

    error = function_error(response.result("raw-unbalanced").errors)
    assert isinstance(error, ValidationError) and "not equal" in error.user_message


def test_local_checks_refuse_before_sending(intacct_sandbox: IntacctSandbox, intacct: IntacctConnector) -> None:
    """An unbalanced document never reaches the gateway."""
    from bookbridge.connectors.dto import JournalDocument, JournalLine

    doc = JournalDocument("bad", date(2026, 3, 2), "USD", (JournalLine(Ref("6200"), debit=Decimal(10)),
                                                            JournalLine(Ref("2110"), credit=Decimal(9))))
    before = intacct_sandbox.stats()["counters"].get("api_requests", 0)
    with pytest.raises(DocumentRejected, match="do not balance"):
        intacct.push(doc)
    assert intacct_sandbox.stats()["counters"].get("api_requests", 0) == before


def test_find_by_key_finds_only_our_document(intacct: IntacctConnector) -> None:
    """Found by number, date and key marker; another key with the same number is not a match."""
    posted = intacct.push(journal("fk1", number="BB-SAME"))
    found = intacct.find_by_key(DocumentKind.JOURNAL_ENTRY, "fk1", doc_number="BB-SAME", txn_date=date(2026, 3, 2))
    assert found is not None and found.remote_id == posted.remote_id and found.doc_number == "BB-SAME"
    assert intacct.find_by_key(DocumentKind.JOURNAL_ENTRY, "fk2", doc_number="BB-SAME") is None


def test_find_by_key_without_hints_searches_the_marker(intacct: IntacctConnector) -> None:
    """With no number or date, the key marker alone finds bills and expense reports."""
    bill = intacct.push(_bill("fk3", "INV-77"))
    report = intacct.push(_purchase("fk4"))
    assert intacct.find_by_key(DocumentKind.BILL, "fk3").remote_id == bill.remote_id
    assert intacct.find_by_key(DocumentKind.PURCHASE, "fk4").remote_id == report.remote_id


def test_create_vendor_is_idempotent_by_key(intacct_sandbox: IntacctSandbox, intacct: IntacctConnector) -> None:
    """Creating the same vendor draft twice makes one vendor and returns it both times."""
    first = intacct.create_vendor(VendorDraft("vk1", "Flying Tiger Tires", "USD", "ap@tiger.example"))
    second = intacct.create_vendor(VendorDraft("vk1", "Flying Tiger Tires", "USD", "ap@tiger.example"))
    assert first == second and first.name == "Flying Tiger Tires" and first.email == "ap@tiger.example"
    assert intacct_sandbox.store.counts()["VENDOR"] == 11


def test_attachment_is_linked_to_a_bill(intacct_sandbox: IntacctSandbox, intacct: IntacctConnector) -> None:
    """create_supdoc stores the file and the bill's SUPDOCID points at it, in one request."""
    bill = intacct.push(_bill("att1", "INV-A"))
    result = intacct.upload_attachment(bill.remote, "receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")
    stored = intacct_sandbox.store.supdoc(result.remote_id)
    assert intacct_sandbox.store.get("APBILL", bill.remote_id)["SUPDOCID"] == result.remote_id
    assert base64.b64decode(stored["attachments"][0]["attachmentdata"]) == b"%PDF-1.4 receipt"


def test_attachment_upload_again_is_a_replay(intacct_sandbox: IntacctSandbox, intacct: IntacctConnector) -> None:
    """The same file to the same document twice creates one supporting document."""
    bill = intacct.push(_bill("att2", "INV-B"))
    first = intacct.upload_attachment(bill.remote, "r.png", b"\x89PNG...", "image/png")
    second = intacct.upload_attachment(bill.remote, "r.png", b"\x89PNG...", "image/png")
    assert first.remote_id == second.remote_id and intacct_sandbox.stats()["counters"]["already_run"] == 2


def test_attachments_to_journal_entries_are_refused(intacct: IntacctConnector) -> None:
    """Intacct replaces a journal entry's lines on update, so no file is attached to one."""
    with pytest.raises(ValidationError) as refused:
        intacct.upload_attachment(RemoteDocument(DocumentKind.JOURNAL_ENTRY, "1"), "r.pdf", b"x", "application/pdf")
    assert refused.value.code == "attach-journal-entry" and not refused.value.retryable


def test_build_payload_is_what_is_sent(intacct_sandbox: IntacctSandbox, intacct: IntacctConnector) -> None:
    """The dry-run payload's controlid is the one the sandbox records as run."""
    payload = intacct.build_payload(journal("bp1"))
    intacct.push(journal("bp1"))
    assert intacct_sandbox.store.has_run(payload["function"]["@controlid"])
