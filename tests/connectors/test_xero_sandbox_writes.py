"""Posting to the Xero sandbox through the connector: every document kind, bulk posting, lookups by key,
vendors, attachments, and each kind of refusal as its typed error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    DocumentKind,
    ExpenseLine,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
    RemoteDocument,
    VendorDraft,
)
from bookbridge.connectors.errors import (
    ClosedPeriod,
    DocumentRejected,
    DuplicateName,
    InactiveReference,
    UnknownReference,
    ValidationError,
)
from bookbridge.core.errors import UsageError
from bookbridge.sandbox.xero.timefmt import parse_day
from xero_testkit import xero, xero_sandbox  # noqa: F401 - fixtures

DAY = date(2026, 3, 2)


def journal(session, key: str, *, debit_code: str = "6200", credit_code: str = "2310", amount: str = "100.50",
            day: date = DAY, dims: tuple = ()) -> JournalDocument:
    debit, credit = session.account(debit_code), session.account(credit_code)
    return JournalDocument(key=key, date=day, currency="USD", doc_number=f"BB-{key}", memo="Fuel", lines=(
        JournalLine(Ref(debit.id, debit.name), debit=Decimal(amount), description="Diesel", dimensions=dims),
        JournalLine(Ref(credit.id, credit.name), credit=Decimal(amount))))


def bill(session, key: str, **overrides) -> BillDocument:
    values = dict(key=key, date=DAY, currency="USD", vendor=Ref(session.vendor("Speedco Truck Lube").id),
                  doc_number=f"INV-{key}", due_date=date(2026, 4, 1),
                  lines=(ExpenseLine(Ref(session.account("6220").id), Decimal("250.00"), "Tyres", tax_code=Ref("INPUT")),))
    values.update(overrides)
    return BillDocument(**values)


def spend(session, key: str, **overrides) -> PurchaseDocument:
    values = dict(key=key, date=DAY, currency="USD", payment_type=PaymentType.CARD,
                  paying_account=Ref(session.account("2110").id), vendor=Ref(session.vendor("Pilot Flying J").id),
                  doc_number=f"R-{key}", lines=(ExpenseLine(Ref(session.account("6200").id), Decimal("40.00"), "Diesel"),))
    values.update(overrides)
    return PurchaseDocument(**values)


def test_journal_is_posted_as_a_manual_journal(xero) -> None:
    """A balanced journal entry becomes one POSTED ManualJournal with our lines, tracking and key."""
    truck = next(d for d in xero.connector.dimensions() if d.name == "Truck 7")
    truck_ref = DimensionRef(truck.kind, truck.id, truck.name)
    result = xero.connector.push_journal_entry(journal(xero, "j1", dims=(truck_ref,)))
    stored = xero.stored("ManualJournals")
    assert [m["ManualJournalID"] for m in stored] == [result.remote_id]
    assert (result.kind, result.doc_number, stored[0]["Status"]) == (DocumentKind.JOURNAL_ENTRY, "BB-j1", "POSTED")
    assert [line["LineAmount"] for line in stored[0]["JournalLines"]] == [Decimal("100.50"), Decimal("-100.50")]
    assert stored[0]["JournalLines"][0]["Tracking"][0]["TrackingOptionID"] == truck_ref.id
    assert parse_day(stored[0]["Date"]) == DAY and result.updated_at is not None


def test_bill_is_an_authorised_accpay_invoice_with_tax(xero) -> None:
    """A bill becomes an AUTHORISED ACCPAY invoice; Xero adds the tax of the tax type."""
    result = xero.connector.push_bill(bill(xero, "b1"))
    stored = xero.sandbox.store.get("Invoices", result.remote_id)
    assert (stored["Type"], stored["Status"], stored["InvoiceNumber"]) == ("ACCPAY", "AUTHORISED", "INV-b1")
    assert (stored["SubTotal"], stored["TotalTax"], stored["Total"]) == (Decimal("250.00"), Decimal("20.63"), Decimal("270.63"))
    assert result.doc_number == "INV-b1"


def test_purchase_is_spend_money_and_a_refund_receive_money(xero) -> None:
    """A card purchase is SPEND from the card account; a refund is RECEIVE into it."""
    paid = xero.connector.push_purchase(spend(xero, "p1"))
    refunded = xero.connector.push(spend(xero, "p2", is_refund=True))
    kinds = {t["BankTransactionID"]: (t["Type"], t["BankAccount"]["Code"]) for t in xero.stored("BankTransactions")}
    assert kinds == {paid.remote_id: ("SPEND", "2110"), refunded.remote_id: ("RECEIVE", "2110")}


def test_resending_the_same_document_replays_instead_of_duplicating(xero) -> None:
    """The same document sent twice (same key) is one journal: Xero replays its first answer."""
    first = xero.connector.push(journal(xero, "same"))
    second = xero.connector.push(journal(xero, "same"))
    assert first.remote_id == second.remote_id and len(xero.stored("ManualJournals")) == 1
    assert xero.sandbox.stats()["counters"]["replays"] == 1


def test_push_many_posts_each_kind_in_one_request_and_reports_each_document(xero) -> None:
    """Bulk posting: one request per kind (summarizeErrors=false); a refused document does not stop the others."""
    docs = [journal(xero, "m1"), journal(xero, "m2", debit_code="6950"), bill(xero, "m3"), journal(xero, "m4", amount="7.00")]
    before = xero.sandbox.stats()["counters"].get("api_requests", 0)
    results = xero.connector.push_many(docs)
    assert xero.sandbox.stats()["counters"]["api_requests"] - before == 2
    assert isinstance(results[1], InactiveReference) and "6950" in results[1].user_message
    assert [r.key for i, r in enumerate(results) if i != 1] == ["m1", "m3", "m4"]
    assert len(xero.stored("ManualJournals")) == 2 and len(xero.stored("Invoices")) == 1


def test_push_many_reports_local_refusals_in_place(xero) -> None:
    """A document refused by our own checks takes its slot as DocumentRejected; the rest are posted."""
    bad = spend(xero, "x", vendor=None)
    results = xero.connector.push_many([journal(xero, "ok"), bad])
    assert results[0].key == "ok" and isinstance(results[1], DocumentRejected)
    assert len(xero.stored("BankTransactions")) == 0


def test_find_by_key_with_hints_and_without(xero) -> None:
    """A posted document is found again by its key, narrowed by number and date or by the key alone."""
    posted = {kind: xero.connector.push(doc) for kind, doc in
              ((DocumentKind.JOURNAL_ENTRY, journal(xero, "f1")), (DocumentKind.BILL, bill(xero, "f2")),
               (DocumentKind.PURCHASE, spend(xero, "f3")))}
    keys = {DocumentKind.JOURNAL_ENTRY: ("f1", "BB-f1"), DocumentKind.BILL: ("f2", "INV-f2"), DocumentKind.PURCHASE: ("f3", "R-f3")}
    for kind, (key, number) in keys.items():
        assert xero.connector.find_by_key(kind, key, doc_number=number, txn_date=DAY).remote_id == posted[kind].remote_id
        assert xero.connector.find_by_key(kind, key).remote_id == posted[kind].remote_id
    assert xero.connector.find_by_key(DocumentKind.JOURNAL_ENTRY, "never-posted", txn_date=DAY) is None
    with pytest.raises(UsageError):
        xero.connector.find_by_key(DocumentKind.VENDOR, "v")


def test_closed_period_is_refused_as_closed_period(xero) -> None:
    """A date on or before the lock date comes back as ClosedPeriod; nothing is stored."""
    with pytest.raises(ClosedPeriod) as refused:
        xero.connector.push(journal(xero, "old", day=date(2024, 12, 31)))
    assert refused.value.http_status == 400 and "period lock date" in refused.value.user_message
    assert xero.stored("ManualJournals") == []


def test_archived_and_unknown_references(xero) -> None:
    """An archived account is InactiveReference; an account or tracking option Xero lacks is UnknownReference."""
    with pytest.raises(InactiveReference):
        xero.connector.push(journal(xero, "a1", debit_code="6950"))
    with pytest.raises(UnknownReference):
        xero.connector.push(journal(xero, "a2", dims=(DimensionRef("tracking:Truck", "none", "Truck 99"),)))
    with pytest.raises(InactiveReference):
        xero.connector.push(journal(xero, "a3", dims=(DimensionRef("tracking:Truck", "old", "Truck 3 (sold)"),)))
    with pytest.raises(UnknownReference):
        xero.connector.push(bill(xero, "a4", vendor=Ref("00000000-0000-4000-8000-000000000000")))


def test_system_accounts_are_refused_in_manual_journals(xero) -> None:
    """Accounts Payable is a system account: a manual journal may not use it (a bill must)."""
    with pytest.raises(ValidationError) as refused:
        xero.connector.push(journal(xero, "s1", credit_code="2000"))
    assert "system account" in refused.value.user_message


def test_create_vendor_and_refuse_a_duplicate_name(xero) -> None:
    """A new contact is created once; a second contact with the same name is DuplicateName."""
    created = xero.connector.create_vendor(VendorDraft(key="v1", name="Roadside Tyres", email="ar@tyres.example"))
    assert created.name == "Roadside Tyres" and created.active
    assert xero.sandbox.store.get("Contacts", created.id)["EmailAddress"] == "ar@tyres.example"
    with pytest.raises(DuplicateName):
        xero.connector.create_vendor(VendorDraft(key="v2", name="Roadside Tyres"))


def test_attachment_is_stored_on_the_posted_document(xero) -> None:
    """A receipt uploaded to a posted journal is kept byte for byte and flagged on the journal."""
    posted = xero.connector.push(journal(xero, "r1"))
    content = b"%PDF-1.4 receipt \x00\xff"
    attached = xero.connector.upload_attachment(posted.remote, "receipt 1.pdf", content, "application/pdf")
    assert attached.filename == "receipt 1.pdf" and attached.attached_to == posted.remote
    assert xero.sandbox.attachments.get(attached.remote_id) == content
    assert xero.sandbox.store.get("ManualJournals", posted.remote_id)["HasAttachments"] is True


def test_attachment_to_a_missing_document_is_an_unknown_reference(xero) -> None:
    """Uploading to a document Xero does not have answers 404: UnknownReference."""
    with pytest.raises(UnknownReference):
        xero.connector.upload_attachment(RemoteDocument(DocumentKind.BILL, "00000000-0000-4000-8000-000000000001"),
                                         "r.pdf", b"x", "application/pdf")
