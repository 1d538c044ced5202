"""Documents to NetSuite record payloads: pure mapping, externalIds, and what is refused locally."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.connectors import jsonwire
from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
    DocumentKind,
    EntityKind,
    EntityRef,
    ExpenseLine,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
    TaxMode,
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.netsuite.payloads import PayloadContext, build_payload, external_id

CONTEXT = PayloadContext(subsidiary_id="1", currency_ids={"USD": "1", "EUR": "4"}, categories={"61": "1", "59": "3"})


def journal(**changes) -> JournalDocument:
    doc = JournalDocument(
        key="key-1", date=dt.date(2026, 3, 2), currency="USD", doc_number="BB-1", memo="Fuel run",
        lines=(JournalLine(Ref("61"), debit=Decimal("100.00"), description="Diesel",
                           dimensions=(DimensionRef("class", "1"), DimensionRef("custom:cseg_route", "9")),
                           tax_code=Ref("6"), tax_amount=Decimal("6.25")),
               JournalLine(Ref("27"), credit=Decimal("100.00"), entity=EntityRef(EntityKind.VENDOR, "101"))),
    )
    return replace(doc, **changes)


def test_journal_entry_payload_has_the_documented_shape():
    """externalId, subsidiary/currency as {"id"}, tranDate, and line.items with debit/credit/entity."""
    body = build_payload(journal(), CONTEXT)
    debit, credit = body["line"]["items"]
    assert (body["subsidiary"], body["currency"], body["tranDate"], body["tranId"]) == (
        {"id": "1"}, {"id": "1"}, "2026-03-02", "BB-1")
    assert debit == {"account": {"id": "61"}, "debit": Decimal("100.00"), "memo": "Diesel", "class": {"id": "1"},
                     "cseg_route": {"id": "9"}, "taxCode": {"id": "6"}, "tax1Amt": Decimal("6.25")}
    assert credit == {"account": {"id": "27"}, "credit": Decimal("100.00"), "entity": {"id": "101"}}


def test_amounts_go_on_the_wire_as_exact_json_numbers():
    """Decimals are written as numbers with their exact digits, never through float."""
    text = jsonwire.dumps(build_payload(journal(exchange_rate=Decimal("1.0825")), CONTEXT))
    assert '"debit":100.00' in text and '"exchangeRate":1.0825' in text


def test_a_subsidiary_dimension_overrides_the_default():
    """A line naming subsidiary 2 posts the whole entry to subsidiary 2."""
    doc = journal()
    doc = replace(doc, lines=(replace(doc.lines[0], dimensions=(DimensionRef("subsidiary", "2"),)), doc.lines[1]))
    assert build_payload(doc, CONTEXT)["subsidiary"] == {"id": "2"}


def test_bill_payload_has_vendor_ap_account_due_date_and_expense_items():
    """A bill is a vendorBill: entity, account (A/P), dueDate, header location, expense.items with amounts."""
    doc = BillDocument(key="b1", date=dt.date(2026, 3, 2), currency="EUR", vendor=Ref("101"), ap_account=Ref("25"),
                       due_date=dt.date(2026, 4, 1), exchange_rate=Decimal("1.08"),
                       dimensions=(DimensionRef("location", "2"),),
                       lines=(ExpenseLine(Ref("61"), Decimal("40.00"), "Oil", billable=True, customer=Ref("301")),))
    body = build_payload(doc, CONTEXT)
    assert (body["entity"], body["account"], body["dueDate"], body["location"]) == (
        {"id": "101"}, {"id": "25"}, "2026-04-01", {"id": "2"})
    assert (body["currency"], body["exchangeRate"]) == ({"id": "4"}, Decimal("1.08"))
    assert body["expense"]["items"] == [{"account": {"id": "61"}, "amount": Decimal("40.00"), "memo": "Oil",
                                         "customer": {"id": "301"}, "isBillable": True}]


def test_expense_report_lines_use_the_category_of_their_account():
    """A purchase becomes an expenseReport for the employee; each line names its account's category."""
    doc = PurchaseDocument(key="p1", date=dt.date(2026, 3, 2), currency="USD", payment_type=PaymentType.CARD,
                           paying_account=Ref("27"), vendor=Ref("201"),
                           lines=(ExpenseLine(Ref("61"), Decimal("80.00")), ExpenseLine(Ref("59"), Decimal("12.50"))))
    body = build_payload(doc, CONTEXT)
    assert (body["entity"], body["account"]) == ({"id": "201"}, {"id": "27"})
    assert [(i["category"], i["foreignAmount"], i["isNonReimbursable"]) for i in body["expense"]["items"]] == [
        ({"id": "1"}, Decimal("80.00"), True), ({"id": "3"}, Decimal("12.50"), True)]


@pytest.mark.parametrize(("doc", "field"), [
    (journal(lines=(JournalLine(Ref("61"), debit=Decimal(5), dimensions=(DimensionRef("project", "1"),)),
                    JournalLine(Ref("27"), credit=Decimal(5)))), "lines[1]"),
    (journal(currency="JPY"), "currency"),
    (journal(tax_mode=TaxMode.INCLUSIVE), "tax_mode"),
    (journal(doc_number="X" * 46), "doc_number"),
    (PurchaseDocument(key="p", date=dt.date(2026, 3, 2), currency="USD", payment_type=PaymentType.CASH,
                      paying_account=Ref("27"), lines=(ExpenseLine(Ref("61"), Decimal(1)),)), "vendor"),
    (PurchaseDocument(key="p", date=dt.date(2026, 3, 2), currency="USD", payment_type=PaymentType.CASH,
                      paying_account=Ref("27"), vendor=Ref("201"), lines=(ExpenseLine(Ref("70"), Decimal(1)),)),
     "lines[1].account"),
])
def test_documents_netsuite_cannot_take_are_refused_before_sending(doc, field):
    """Unknown dimension kinds, unknown currencies, tax-inclusive amounts, long numbers, no employee, no category."""
    with pytest.raises(DocumentRejected) as refused:
        build_payload(doc, CONTEXT)
    assert field in {issue.field for issue in refused.value.issues}


def test_a_document_without_any_subsidiary_is_refused():
    """OneWorld needs a subsidiary: none known and none named is a local refusal."""
    with pytest.raises(DocumentRejected, match="subsidiary"):
        build_payload(journal(), replace(CONTEXT, subsidiary_id=None))


@settings(deadline=None)
@given(st.sampled_from([DocumentKind.JOURNAL_ENTRY, DocumentKind.BILL, DocumentKind.PURCHASE, DocumentKind.VENDOR]),
       st.text(min_size=1, max_size=200))
def test_external_ids_are_deterministic_url_safe_and_kind_specific(kind, key):
    """The same key always gives the same externalId, safe in an eid: path, different per record kind."""
    value = external_id(kind, key)
    assert value == external_id(kind, key) and re.fullmatch(r"bb-[a-z]{2}-[0-9a-f]{32}", value)
    others = {external_id(k, key) for k in (DocumentKind.JOURNAL_ENTRY, DocumentKind.BILL, DocumentKind.PURCHASE)}
    assert len(others) == 3
