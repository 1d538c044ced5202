"""Documents to QBO payloads: the shapes of ERP_FACTS.md §1.3, and our refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.connectors import jsonwire
from bookbridge.connectors.dto import (
    BillDocument,
    DimensionRef,
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
from bookbridge.connectors.quickbooks.payloads import build_payload, key_marker


def two_line_journal(**overrides) -> JournalDocument:
    fields = dict(
        key="er-1001", date=date(2025, 1, 31), currency="EUR", doc_number="EXP-1001", memo="Expense report 1001",
        exchange_rate=Decimal("1.08"),
        lines=(
            JournalLine(Ref("7"), debit=Decimal("100.00"), description="Taxi",
                        dimensions=(DimensionRef("class", "5000000000000142240"), DimensionRef("location", "2")),
                        tax_code=Ref("NON")),
            JournalLine(Ref("33"), credit=Decimal("100.00"), description="Taxi", entity=EntityRef(EntityKind.VENDOR, "56")),
        ),
    )
    fields.update(overrides)
    return JournalDocument(**fields)


def test_journal_entry_matches_the_documented_shape():
    """The two-line EUR journal of ERP_FACTS §1.3 maps field for field."""
    payload = build_payload(two_line_journal())
    debit, credit = payload["Line"]
    assert (payload["TxnDate"], payload["DocNumber"], payload["CurrencyRef"], payload["ExchangeRate"]) == (
        "2025-01-31", "EXP-1001", {"value": "EUR"}, Decimal("1.08"))
    assert debit["JournalEntryLineDetail"] == {
        "PostingType": "Debit", "AccountRef": {"value": "7"}, "ClassRef": {"value": "5000000000000142240"},
        "DepartmentRef": {"value": "2"}, "TaxCodeRef": {"value": "NON"}, "TaxApplicableOn": "Purchase"}
    assert credit["JournalEntryLineDetail"]["Entity"] == {"Type": "Vendor", "EntityRef": {"value": "56"}}
    assert (debit["Amount"], credit["Amount"], debit["Description"]) == (Decimal("100.00"), Decimal("100.00"), "Taxi")


def test_private_note_carries_the_memo_and_our_key():
    """PrivateNote keeps the memo and ends with the key marker find_by_key looks for."""
    note = build_payload(two_line_journal())["PrivateNote"]
    assert note.startswith("Expense report 1001") and note.endswith(key_marker("er-1001"))


def test_amounts_go_on_the_wire_as_exact_numbers():
    """The serialised payload has 100.00, not "100.00" or 100.0."""
    assert '"Amount":100.00' in jsonwire.dumps(build_payload(two_line_journal()))


def test_card_purchase_refund():
    """A card refund is PaymentType CreditCard with Credit true and the vendor as EntityRef."""
    doc = PurchaseDocument(
        key="p-1", date=date(2025, 1, 31), currency="USD", payment_type=PaymentType.CARD, paying_account=Ref("42"),
        vendor=Ref("56"), is_refund=True, tax_mode=TaxMode.EXCLUSIVE,
        lines=(ExpenseLine(Ref("7"), Decimal("92.38"), "Lunch", tax_code=Ref("5"), customer=Ref("9"), billable=True),),
    )
    payload = build_payload(doc)
    detail = payload["Line"][0]["AccountBasedExpenseLineDetail"]
    assert (payload["PaymentType"], payload["Credit"], payload["EntityRef"], payload["GlobalTaxCalculation"]) == (
        "CreditCard", True, {"value": "56", "type": "Vendor"}, "TaxExcluded")
    assert (detail["TaxCodeRef"], detail["CustomerRef"], detail["BillableStatus"]) == ({"value": "5"}, {"value": "9"}, "Billable")


@pytest.mark.parametrize("kind, expected", [(PaymentType.CASH, "Cash"), (PaymentType.CHECK, "Check")])
def test_cash_and_check_purchases(kind, expected):
    """Cash and Check payment types map to QBO's names."""
    doc = PurchaseDocument(key="p", date=date(2025, 1, 31), currency="USD", payment_type=kind,
                           paying_account=Ref("35"), lines=(ExpenseLine(Ref("7"), Decimal("1.00")),))
    assert build_payload(doc)["PaymentType"] == expected


def test_refund_must_be_a_card_purchase():
    """Credit is only valid on card purchases, so a cash refund is refused."""
    doc = PurchaseDocument(key="p", date=date(2025, 1, 31), currency="USD", payment_type=PaymentType.CASH,
                           paying_account=Ref("35"), is_refund=True, lines=(ExpenseLine(Ref("7"), Decimal("1.00")),))
    with pytest.raises(DocumentRejected):
        build_payload(doc)


def test_bill_puts_the_location_on_the_header():
    """A location given on lines of a bill moves to the header DepartmentRef (QBO allows one)."""
    doc = BillDocument(
        key="b", date=date(2025, 1, 31), currency="USD", vendor=Ref("46"), ap_account=Ref("33"), due_date=date(2025, 2, 14),
        doc_number="INV-1", lines=(ExpenseLine(Ref("64"), Decimal("103.55"), dimensions=(DimensionRef("department", "3"),)),),
    )
    payload = build_payload(doc)
    assert (payload["VendorRef"], payload["APAccountRef"], payload["DueDate"], payload["DepartmentRef"]) == (
        {"value": "46"}, {"value": "33"}, "2025-02-14", {"value": "3"})


def test_two_locations_on_one_bill_are_refused():
    """QBO has one location per bill, so lines naming two different ones are refused."""
    doc = BillDocument(
        key="b", date=date(2025, 1, 31), currency="USD", vendor=Ref("46"),
        lines=(ExpenseLine(Ref("64"), Decimal("1.00"), dimensions=(DimensionRef("location", "1"),)),
               ExpenseLine(Ref("64"), Decimal("1.00"), dimensions=(DimensionRef("location", "2"),))),
    )
    with pytest.raises(DocumentRejected):
        build_payload(doc)


def test_dimension_kinds_qbo_lacks_are_refused():
    """A Xero-style tracking category cannot be posted to QBO."""
    doc = two_line_journal()
    line = doc.lines[0]
    bad = JournalLine(line.account, debit=line.debit, dimensions=(DimensionRef("tracking:Region", "North"),))
    with pytest.raises(DocumentRejected) as caught:
        build_payload(two_line_journal(lines=(bad, doc.lines[1])))
    assert "tracking:Region" in caught.value.user_message


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8))
def test_balanced_journals_give_balanced_payloads(cents: list[int]):
    """For any balanced journal, Debit amounts equal Credit amounts in the payload."""
    amounts = [Decimal(c).scaleb(-2) for c in cents]
    lines = tuple(JournalLine(Ref("7"), debit=a) for a in amounts) + (JournalLine(Ref("33"), credit=sum(amounts)),)
    payload = build_payload(JournalDocument(key="k", date=date(2025, 1, 31), currency="USD", lines=lines))
    sides = {"Debit": Decimal(0), "Credit": Decimal(0)}
    for line in payload["Line"]:
        sides[line["JournalEntryLineDetail"]["PostingType"]] += line["Amount"]
    assert sides["Debit"] == sides["Credit"] == sum(amounts)
