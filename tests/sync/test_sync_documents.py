"""Vendors created on push, receipts attached, refusals by QBO held and re-sent as new revisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.connectors.dto import DimensionRef, EntityKind, EntityRef, JournalDocument, JournalLine, Ref
from bookbridge.core import clock
from bookbridge.core.keys import sha256_hex
from bookbridge.exceptions.queue import resolve
from bookbridge.exceptions.views import list_exceptions
from bookbridge.store.models import (
    AttachmentStatus,
    ExceptionCategory,
    ExpenseReceipt,
    OutboxAttachment,
    OutboxItem,
    OutboxStatus,
    Receipt,
)
from bookbridge.sync.connection import update_settings
from bookbridge.sync.documents import document_from_json, document_to_json
from bookbridge.sync.mapping import doc_number
from bookbridge.sync.outbox import revision_key
from bookbridge.sync.runner import SyncOptions, run_sync
from sync_book import api, approved_expenses, fuel, query

REPAIR = dict(day=date(2026, 3, 4), category="Repairs", amount="812.40", vendor="Brand New Tires Inc", payment="bank")


def _rows(book) -> list[OutboxItem]:
    with book.read() as session:
        return list(session.scalars(sa.select(OutboxItem).order_by(OutboxItem.id)))


def test_missing_vendor_waits_when_creating_is_not_allowed(book, sandbox, store) -> None:
    """A bill for a vendor QBO lacks is a mapping exception unless the connection may create vendors."""
    approved_expenses(book, [REPAIR])
    report = run_sync(book, SyncOptions(token_store=store))
    (exception,) = list_exceptions(book, open_only=True)
    assert exception.category is ExceptionCategory.MAPPING and "Brand New Tires" in exception.title
    assert report.exit_code == 1 and _rows(book) == []


def test_missing_vendor_is_created_when_allowed(book, sandbox, store) -> None:
    """With create_vendors on, the vendor is created in QBO and the bill's A/P line names it."""
    approved_expenses(book, [REPAIR])
    update_settings(book, None, {"create_vendors": "true"}, actor="test")
    report = run_sync(book, SyncOptions(token_store=store))
    assert report.summary()["posted"] == 1
    call = api(sandbox)
    (vendor,) = query(call, "select * from Vendor where DisplayName = 'Brand New Tires Inc'")
    entry = call("GET", f"journalentry/{_rows(book)[0].remote_id}")["JournalEntry"]
    credit = next(line for line in entry["Line"] if line["JournalEntryLineDetail"]["PostingType"] == "Credit")
    assert credit["JournalEntryLineDetail"]["AccountRef"]["value"] == "33"  # A/P
    assert credit["JournalEntryLineDetail"]["Entity"]["EntityRef"]["value"] == vendor["Id"]


def test_receipt_is_attached_to_the_posted_entry(book, sandbox, store) -> None:
    """An expense's receipt is uploaded and linked to the journal entry in QBO."""
    (expense_id,) = approved_expenses(book, fuel(1))
    content = b"%PDF-1.4 receipt for diesel"
    with book.unit_of_work() as session:
        receipt = Receipt(sha256=sha256_hex(content), file_name="diesel.pdf", mime_type="application/pdf",
                          size=len(content), content=content, created_at=clock.now())
        session.add(receipt)
        session.flush()
        session.add(ExpenseReceipt(expense_id=expense_id, receipt_id=receipt.id))
    run_sync(book, SyncOptions(token_store=store))
    with book.read() as session:
        attachment = session.scalars(sa.select(OutboxAttachment)).one()
    assert attachment.status is AttachmentStatus.UPLOADED
    stored = api(sandbox)("GET", f"attachable/{attachment.remote_id}")["Attachable"]
    assert stored["AttachableRef"][0]["EntityRef"]["value"] == _rows(book)[0].remote_id
    assert sandbox.attachments.get(attachment.remote_id) == content


def test_refused_document_is_held_then_resent_as_a_new_revision(book, sandbox, store) -> None:
    """QBO refuses a taken document number: held in the queue; once resolved it goes out under a new key."""
    approved_expenses(book, fuel(1))
    run_sync(book, SyncOptions(token_store=store, dry_run=True, on_payload=(planned := []).append))
    number = planned[0]["doc_number"]
    call = api(sandbox)
    other = dict(planned[0]["payload"], PrivateNote="typed in by hand")
    squatter = call("POST", "journalentry", other)["JournalEntry"]
    first = run_sync(book, SyncOptions(token_store=store))
    (held,) = _rows(book)
    assert first.exit_code == 1 and held.status is OutboxStatus.ATTENTION and held.key_spent
    (exception,) = list_exceptions(book, open_only=True)
    assert exception.category is ExceptionCategory.REJECTED
    assert run_sync(book, SyncOptions(token_store=store)).summary()["skipped"] == 1  # held while open
    call("POST", "journalentry", {"Id": squatter["Id"], "SyncToken": squatter["SyncToken"]}, operation="delete")
    resolve(book, exception.id, actor="Dana", note="deleted the hand-typed copy")
    third = run_sync(book, SyncOptions(token_store=store))
    old, new = _rows(book)
    assert third.summary()["posted"] == 1 and old.status is OutboxStatus.SUPERSEDED
    assert new.revision == 1 and new.key == revision_key(new.entry_key, 1) and new.doc_number == number
    assert [e["DocNumber"] for e in query(call, "select * from JournalEntry")] == [doc_number(new.entry_key)]


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@given(amounts, st.text(max_size=20), st.booleans(), st.dates(min_value=date(2000, 1, 1)))
def test_documents_survive_the_outbox_exactly(amount, memo, with_entity, day) -> None:
    """A document written to the outbox and read back is equal to the original."""
    entity = EntityRef(EntityKind.VENDOR, "56", "Pilot") if with_entity else None
    doc = JournalDocument(
        key="k" * 32, date=day, currency="USD", doc_number="BB-1", memo=memo, exchange_rate=Decimal("1.0812"),
        lines=(JournalLine(Ref("10", "Fuel"), debit=amount, dimensions=(DimensionRef("class", "5", "Truck 7"),)),
               JournalLine(Ref("42"), credit=amount, entity=entity, tax_code=Ref("NON"))),
    )
    assert document_from_json(document_to_json(doc)) == doc
