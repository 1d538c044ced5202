"""The Intacct REST connector writing to the sandbox over loopback: documents, refusals, faults, exactly once."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from bookbridge.connectors.dto import (
    DocumentKind, JournalDocument, JournalLine, PaymentType, PurchaseDocument, Ref, RemoteDocument, VendorDraft,
)
from bookbridge.connectors.errors import (
    ClosedPeriod, ConnectorError, DocumentRejected, DuplicateDocument, InactiveReference, RateLimited, UnknownReference,
)
from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_rest_support import bill, journal, open_rest

MARKER = re.compile(r"\[bb:[0-9a-f]+\]")


@pytest.fixture
def sandbox():
    with IntacctSandbox(limits=False) as running:
        yield running


def _batches(sandbox) -> list[dict]:
    return sandbox.store.records("GLBATCH", owned=True)


def test_journal_entry_is_a_glbatch_the_xml_side_sees(sandbox) -> None:
    """A REST journal entry is stored as the GLBATCH XML reads: lines, amounts, class, number, key marker."""
    doc = journal("je-1", number="EXP-100", amount="87.25")
    with open_rest(sandbox) as connector:
        posted = connector.push(doc)
    [batch] = _batches(sandbox)
    lines = [(e["ACCOUNTNO"], e["TR_TYPE"], e["TRX_AMOUNT"], e.get("CLASSID")) for e in batch["ENTRIES"]["GLENTRY"]]
    assert posted.remote_id == batch["RECORDNO"] and batch["REFERENCENO"] == "EXP-100"
    assert lines == [("6200", "1", "87.25", "T7"), ("2100", "-1", "87.25", None)]
    assert MARKER.search(batch["BATCH_TITLE"]) and posted.version is not None and posted.updated_at is not None


def test_bill_is_an_apbill_with_its_line_and_department(sandbox) -> None:
    """A REST bill is stored as an APBILL with vendor, number, due date, line amount and department."""
    with open_rest(sandbox) as connector:
        posted = connector.push_bill(bill("bill-1", number="INV-77"))
    [stored] = sandbox.store.records("APBILL", owned=True)
    [item] = stored["APBILLITEMS"]["APBILLITEM"]
    assert (stored["RECORDNO"], stored["RECORDID"], stored["VENDORID"], stored["WHENDUE"]) == (
        posted.remote_id, "INV-77", "V100", "04/01/2026")
    assert (item["ACCOUNTNO"], item["TRX_AMOUNT"], item["DEPARTMENTID"]) == ("6220", "310.00", "CHI")


def test_find_by_key_finds_a_document_posted_over_xml_too(sandbox) -> None:
    """The key marker is shared with the XML connector: a REST lookup finds its posts and ours."""
    with open_rest(sandbox) as connector:
        posted = connector.push(journal("find-1", number="EXP-F1"))
        found = connector.find_by_key(DocumentKind.JOURNAL_ENTRY, "find-1", doc_number="EXP-F1",
                                      txn_date=date(2026, 3, 2))
        missing = connector.find_by_key(DocumentKind.JOURNAL_ENTRY, "never-posted")
    assert found is not None and found.remote_id == posted.remote_id and missing is None


def test_answer_lost_after_commit_is_settled_by_key_not_posted_twice(sandbox) -> None:
    """The create is stored but its answer never arrives: the connector finds it instead of resending."""
    sandbox.faults.update({"queue": ["lost_after_commit"]})
    with open_rest(sandbox) as connector:
        posted = connector.push(journal("lost-1", number="EXP-L1"))
    assert len(_batches(sandbox)) == 1 and posted.remote_id == _batches(sandbox)[0]["RECORDNO"]
    assert sandbox.stats()["counters"]["fault_lost_after_commit"] == 1


def test_dropped_create_is_looked_up_then_sent_again_once(sandbox) -> None:
    """A connection cut before processing: not found by key, so resent, and stored exactly once."""
    sandbox.faults.update({"queue": ["drop"]})
    with open_rest(sandbox) as connector:
        posted = connector.push(journal("drop-1", number="EXP-D1"))
    assert [b["RECORDNO"] for b in _batches(sandbox)] == [posted.remote_id] and posted.attempts >= 2


def test_server_errors_before_processing_are_retried_to_one_post(sandbox) -> None:
    """Two 503s then success: one journal entry, reads retried by the HTTP layer."""
    sandbox.faults.update({"queue": ["503", "500"]})
    with open_rest(sandbox) as connector:
        posted = connector.push(journal("5xx-1", number="EXP-S1"))
    assert [b["RECORDNO"] for b in _batches(sandbox)] == [posted.remote_id]


def test_429_is_waited_out_with_retry_after(sandbox) -> None:
    """A throttled create is resent after the server's wait and posts once."""
    sandbox.faults.update({"queue": ["429"]})
    with open_rest(sandbox) as connector:
        posted = connector.push(journal("429-1", number="EXP-T1"))
    assert sandbox.stats()["counters"]["throttled"] == 1 and len(_batches(sandbox)) == 1 and posted.attempts == 2


def test_throttling_that_outlasts_the_attempts_is_rate_limited(sandbox) -> None:
    """Four 429s in a row with two attempts allowed: RateLimited reaches the caller, nothing stored."""
    sandbox.faults.update({"queue": ["429", "429", "429", "429"]})
    with open_rest(sandbox, max_attempts=2) as connector:
        with pytest.raises(RateLimited):
            connector.push(journal("429-2", number="EXP-T2"))
    assert _batches(sandbox) == []


def test_closed_period_is_refused_as_closed_period(sandbox) -> None:
    """A date on or before the books-closed date is ClosedPeriod."""
    with open_rest(sandbox) as connector, pytest.raises(ClosedPeriod):
        connector.push(journal("closed-1", day=date(2024, 12, 31)))


def test_inactive_and_unknown_accounts_are_typed(sandbox) -> None:
    """An inactive account is InactiveReference; an unknown one UnknownReference naming it."""
    with open_rest(sandbox) as connector:
        with pytest.raises(InactiveReference):
            connector.push(journal("inactive-1", account="6950"))
        with pytest.raises(UnknownReference) as unknown:
            connector.push(journal("unknown-1", account="6999"))
    assert "6999" in unknown.value.user_message and _batches(sandbox) == []


def test_same_bill_number_for_the_vendor_is_a_duplicate(sandbox) -> None:
    """A second bill with the vendor's same number is DuplicateDocument."""
    with open_rest(sandbox) as connector:
        connector.push(bill("dup-1", number="INV-5"))
        with pytest.raises(DuplicateDocument):
            connector.push(bill("dup-2", number="INV-5"))


def test_unbalanced_entry_is_refused_before_sending(sandbox) -> None:
    """Our own checks refuse an unbalanced entry; nothing reaches Intacct."""
    doc = JournalDocument(key="unb", date=date(2026, 3, 2), currency="USD",
                          lines=(JournalLine(Ref("6200"), debit=Decimal("10.00")),
                                 JournalLine(Ref("2100"), credit=Decimal("9.99"))))
    with open_rest(sandbox) as connector, pytest.raises(DocumentRejected):
        connector.push(doc)
    assert sandbox.stats()["counters"].get("writes", 0) == 0


def test_purchases_and_attachments_are_refused_with_the_way_out(sandbox) -> None:
    """Purchases point to bills or the XML connection; attachments to Intacct or the XML connection."""
    purchase = PurchaseDocument(key="p1", date=date(2026, 3, 2), currency="USD", payment_type=PaymentType.CARD,
                                paying_account=Ref("2110"), lines=())
    with open_rest(sandbox) as connector:
        results = connector.push_many([purchase, journal("many-1", number="EXP-M1")])
        with pytest.raises(ConnectorError) as attach:
            connector.upload_attachment(RemoteDocument(DocumentKind.BILL, "1"), "r.pdf", b"%PDF", "application/pdf")
    assert isinstance(results[0], DocumentRejected) and "XML connection" in results[0].user_message
    assert results[1].doc_number == "EXP-M1" and attach.value.code == "attachments-unsupported"


def test_create_vendor_twice_gives_the_same_vendor(sandbox) -> None:
    """A vendor created again with the same key (a retry) is the one made the first time."""
    draft = VendorDraft(key="vendor-key-1", name="Blue Beacon Truck Wash", email="ap@bluebeacon.example")
    with open_rest(sandbox) as connector:
        first, second = connector.create_vendor(draft), connector.create_vendor(draft)
    assert first == second and first.email == "ap@bluebeacon.example"
    assert sum(1 for v in sandbox.store.records("VENDOR") if v["NAME"] == draft.name) == 1


def test_build_payload_is_the_exact_body_posted(sandbox) -> None:
    """The dry-run payload is what the sandbox receives (amount strings, ISO date, lines)."""
    doc = journal("payload-1", number="EXP-P1")
    with open_rest(sandbox) as connector:
        payload = connector.build_payload(doc)
        posted = connector.push(doc)
    record = sandbox.store.get("GLBATCH", posted.remote_id)
    assert payload["path"] == "/objects/general-ledger/journal-entry" and payload["body"]["postingDate"] == "2026-03-02"
    assert [line["txnAmount"] for line in payload["body"]["lines"]] == [
        e["TRX_AMOUNT"] for e in record["ENTRIES"]["GLENTRY"]]
