"""The QBO connector's writes against the local sandbox: documents, replay, batch, attachments, CDC."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from connector_testkit import QboSession
from qbo_documents import bill, journal, purchase, refs

from bookbridge.connectors.dto import DocumentKind, Ref, VendorDraft
from bookbridge.connectors.errors import ChangeWindowExpired, ConnectorError, InactiveReference
from bookbridge.connectors.quickbooks import request_id
from bookbridge.core import clock


def test_journal_entry_is_posted_with_lines_and_dimensions(qbo: QboSession):
    """A journal entry lands in QBO with both lines, class, location and the vendor entity."""
    r = refs(qbo)
    result = qbo.connector.push_journal_entry(journal(r, "je-1", doc_number="EXP-1001"))
    stored = next(o for o in qbo.stored("JournalEntry") if o["Id"] == result.remote_id)
    debit, credit = stored["Line"]
    assert result.doc_number == "EXP-1001" and debit["Amount"] == credit["Amount"] == Decimal("100.00")
    assert debit["JournalEntryLineDetail"]["ClassRef"]["value"] == r["class"]
    assert debit["JournalEntryLineDetail"]["DepartmentRef"]["value"] == r["department"]
    assert credit["JournalEntryLineDetail"]["Entity"]["EntityRef"]["value"] == r["vendor"]


def test_purchase_refund_is_posted_as_a_card_credit(qbo: QboSession):
    """is_refund becomes Credit: true on a CreditCard purchase."""
    result = qbo.connector.push_purchase(purchase(refs(qbo), "refund-1", is_refund=True))
    stored = next(o for o in qbo.stored("Purchase") if o["Id"] == result.remote_id)
    assert (stored["PaymentType"], stored["Credit"]) == ("CreditCard", True)


def test_bill_is_posted_with_due_date_and_header_location(qbo: QboSession):
    """A bill keeps its due date, A/P account and the location on its header."""
    r = refs(qbo)
    result = qbo.connector.push_bill(bill(r, "bill-000001"))
    stored = next(o for o in qbo.stored("Bill") if o["Id"] == result.remote_id)
    assert (stored["DueDate"], stored["APAccountRef"]["value"], stored["DepartmentRef"]["value"]) == (
        "2025-02-14", r["ap"], r["department"])


def test_every_write_carries_a_deterministic_requestid(qbo: QboSession):
    """The POST carries requestid derived from our key, at most 50 characters."""
    qbo.connector.push(journal(refs(qbo), "je-rid"))
    post = [e for e in qbo.exchanges if e.method == "POST" and "/journalentry" in e.url][-1]
    rid = request_id(DocumentKind.JOURNAL_ENTRY.value, "je-rid")
    assert f"requestid={rid}" in post.url and len(rid) <= 50


def test_resending_the_same_key_replays_instead_of_duplicating(qbo: QboSession):
    """Posting the same document twice returns the same remote id and creates one entry."""
    doc = journal(refs(qbo), "je-twice")
    first, second = qbo.connector.push(doc), qbo.connector.push(doc)
    assert first.remote_id == second.remote_id and len(qbo.stored("JournalEntry")) == 1


def test_batch_posts_in_chunks_of_thirty_and_keeps_order(qbo: QboSession):
    """35 documents go in two batch calls (30 + 5); results come back in input order."""
    r = refs(qbo)
    docs = [journal(r, f"batch-{n}", amount=f"{n + 1}.00") for n in range(35)]
    before = len(qbo.exchanges)
    results = qbo.connector.push_many(docs)
    batch_calls = [e for e in qbo.exchanges[before:] if "/batch" in e.url]
    assert len(batch_calls) == 2 and [res.key for res in results] == [d.key for d in docs]
    amounts = {o["Id"]: o["Line"][0]["Amount"] for o in qbo.stored("JournalEntry")}
    assert [amounts[res.remote_id] for res in results] == [Decimal(f"{n + 1}.00") for n in range(35)]


def test_batch_reports_a_failed_item_in_its_slot(qbo: QboSession):
    """One document with an inactive account fails alone; the others are posted."""
    r = refs(qbo)
    bad = journal(r, "batch-bad")
    bad_lines = (replace(bad.lines[0], account=Ref(r["inactive_expense"])), bad.lines[1])
    docs = [journal(r, "batch-ok-1"), journal(r, "batch-bad", lines=bad_lines), journal(r, "batch-ok-2")]
    results = qbo.connector.push_many(docs)
    assert isinstance(results[1], InactiveReference)
    assert not isinstance(results[0], ConnectorError) and not isinstance(results[2], ConnectorError)
    assert len(qbo.stored("JournalEntry")) == 2


def test_locally_rejected_document_in_a_batch_does_not_stop_the_others(qbo: QboSession):
    """An unbalanced entry is refused before sending; the rest of the batch is posted."""
    r = refs(qbo)
    balanced = journal(r, "batch-unbalanced")
    unbalanced = replace(balanced, lines=(balanced.lines[0], replace(balanced.lines[1], credit=Decimal("99.99"))))
    results = qbo.connector.push_many([unbalanced, journal(r, "batch-fine")])
    assert isinstance(results[0], ConnectorError) and results[0].code == "local-check"
    assert results[1].remote_id


def test_attachment_is_uploaded_to_the_posted_document(qbo: QboSession):
    """The file's bytes are stored and linked to the bill."""
    posted = qbo.connector.push(bill(refs(qbo), "bill-att001"))
    content = b"%PDF-1.4\n% receipt scan\n" + bytes(range(256))
    attached = qbo.connector.upload_attachment(posted.remote, "receipt.pdf", content, "application/pdf")
    fetched = requests.get(f"{qbo.sandbox.base_url}/__sandbox/attachments/{attached.remote_id}", timeout=5)
    stored = next(a for a in qbo.stored("Attachable") if a["Id"] == attached.remote_id)
    assert fetched.content == content
    assert stored["AttachableRef"][0]["EntityRef"] == {"type": "Bill", "value": posted.remote_id}


def test_find_by_key_finds_a_document_posted_earlier(qbo: QboSession):
    """A posted bill is found again by our key and its document number."""
    doc = bill(refs(qbo), "bill-find01")
    posted = qbo.connector.push(doc)
    found = qbo.connector.find_by_key(DocumentKind.BILL, doc.key, doc_number=doc.doc_number)
    assert found is not None and found.remote_id == posted.remote_id


def test_find_by_key_without_hints_searches_recent_documents(qbo: QboSession):
    """With no number or date, recently changed documents are searched for our key."""
    posted = qbo.connector.push(journal(refs(qbo), "je-nohint"))
    found = qbo.connector.find_by_key(DocumentKind.JOURNAL_ENTRY, "je-nohint")
    assert found is not None and found.remote_id == posted.remote_id


def test_find_by_key_returns_none_for_a_key_never_posted(qbo: QboSession):
    """Another document with the same number but a different key is not ours."""
    doc = bill(refs(qbo), "bill-other1")
    qbo.connector.push(doc)
    assert qbo.connector.find_by_key(DocumentKind.BILL, "bill-never", doc_number=doc.doc_number) is None


def test_create_vendor_adds_a_vendor(qbo: QboSession):
    """A created vendor is returned and listed afterwards."""
    created = qbo.connector.create_vendor(VendorDraft(key="v-1", name="Roadside Tyres Ltd", currency="USD"))
    assert created.name == "Roadside Tyres Ltd" and created.id in {v.id for v in qbo.connector.vendors()}


def test_changes_since_reports_new_documents_and_reference_data(qbo: QboSession):
    """CDC lists the journal entry and the vendor created after the given time."""
    since = clock.now() - timedelta(minutes=1)
    posted = qbo.connector.push(journal(refs(qbo), "je-cdc"))
    vendor = qbo.connector.create_vendor(VendorDraft(key="v-cdc", name="CDC Vendor"))
    changes = {(c.kind, c.remote_id): c for c in qbo.connector.changes_since(since)}
    assert ("journal_entry", posted.remote_id) in changes
    assert changes[("vendor", vendor.id)].record.name == "CDC Vendor"


def test_changes_since_can_be_limited_to_kinds(qbo: QboSession):
    """Asking for vendors only leaves journal entries out."""
    since = clock.now() - timedelta(minutes=1)
    qbo.connector.push(journal(refs(qbo), "je-cdc-kinds"))
    qbo.connector.create_vendor(VendorDraft(key="v-cdc-k", name="Only Vendor"))
    assert {c.kind for c in qbo.connector.changes_since(since, kinds=["vendor"])} == {"vendor"}


def test_changes_older_than_thirty_days_are_refused(qbo: QboSession):
    """CDC keeps 30 days; asking further back says to pull in full."""
    with pytest.raises(ChangeWindowExpired):
        list(qbo.connector.changes_since(clock.now() - timedelta(days=31)))
