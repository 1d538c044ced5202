"""Documents to Xero payloads: signs, tracking, currency, Xero's own limits, and Xero's official schema."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

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
    Severity,
    TaxMode,
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.xero import payloads
from xero_testkit import spec

FUEL = Ref("8f14dc4f-d75b-545d-84f1-a4729b84dc86", "Fuel")
CARD = Ref("2110", "Company Visa")
VENDOR = Ref("25d68618-0910-5c20-84e3-88392322ecec", "Pilot Flying J")
TRUCK = DimensionRef("tracking:Truck", "opt-7", "Truck 7")
TERMINAL = DimensionRef("tracking:Terminal", "opt-c", "Chicago terminal")


def journal(*lines: JournalLine, **overrides) -> JournalDocument:
    values = dict(key="key-1", date=date(2026, 3, 2), currency="USD", lines=lines, doc_number="BB-1", memo="Fuel run")
    values.update(overrides)
    return JournalDocument(**values)


def two_lines(amount: str = "100.50", **debit_extra) -> tuple[JournalLine, JournalLine]:
    return (JournalLine(FUEL, debit=Decimal(amount), **debit_extra), JournalLine(CARD, credit=Decimal(amount)))


def bill(**overrides) -> BillDocument:
    values = dict(key="bill-1", date=date(2026, 3, 3), currency="USD", vendor=VENDOR, doc_number="INV-9",
                  due_date=date(2026, 4, 2), lines=(ExpenseLine(FUEL, Decimal("250.00"), "Tyres", dimensions=(TRUCK,)),))
    values.update(overrides)
    return BillDocument(**values)


def purchase(**overrides) -> PurchaseDocument:
    values = dict(key="buy-1", date=date(2026, 3, 3), currency="USD", payment_type=PaymentType.CARD, paying_account=CARD,
                  vendor=VENDOR, doc_number="R-1", lines=(ExpenseLine(FUEL, Decimal("40.00"), "Diesel"),))
    values.update(overrides)
    return PurchaseDocument(**values)


def test_journal_debits_are_positive_and_credits_negative() -> None:
    """A ManualJournal line's LineAmount is the debit, or minus the credit."""
    body = payloads.build_payload(journal(*two_lines()))
    assert [line["LineAmount"] for line in body["JournalLines"]] == [Decimal("100.50"), Decimal("-100.50")]
    assert body["Status"] == "POSTED" and body["LineAmountTypes"] == "NoTax" and body["Date"] == "2026-03-02"


def test_accounts_go_by_id_when_they_are_xero_ids_and_by_code_otherwise() -> None:
    """A UUID reference is an AccountID; anything else is an account code."""
    lines = payloads.build_payload(journal(*two_lines()))["JournalLines"]
    assert lines[0] == {**lines[0], "AccountID": FUEL.id} and "AccountCode" not in lines[0]
    assert lines[1]["AccountCode"] == "2110" and "AccountID" not in lines[1]


def test_key_travels_in_url_and_number_in_narration() -> None:
    """Our key is in ``Url`` (to find the journal later) and the number leads the Narration."""
    body = payloads.build_payload(journal(*two_lines()))
    assert body["Url"] == "https://bookbridge.invalid/documents/key-1"
    assert body["Narration"] == "BB-1 Fuel run"
    assert payloads.key_url("a/b c") == "https://bookbridge.invalid/documents/a%2Fb%20c"


def test_tracking_options_by_category_name() -> None:
    """Tracking dimensions become ``{"Name": category, "Option": option}`` on the line."""
    lines = payloads.build_payload(journal(*two_lines(dimensions=(TRUCK, TERMINAL))))["JournalLines"]
    assert lines[0]["Tracking"] == [{"Name": "Truck", "Option": "Truck 7"}, {"Name": "Terminal", "Option": "Chicago terminal"}]


def test_more_than_two_tracking_categories_are_refused() -> None:
    """Xero allows two tracking categories per line: a third is refused before sending."""
    third = DimensionRef("tracking:Region", "r", "North")
    with pytest.raises(DocumentRejected) as refused:
        payloads.build_payload(journal(*two_lines(dimensions=(TRUCK, TERMINAL, third))))
    assert "at most 2 tracking categories" in refused.value.user_message


def test_class_and_department_are_not_xero_dimensions() -> None:
    """QBO-style dimension kinds are refused with a message naming tracking categories."""
    with pytest.raises(DocumentRejected) as refused:
        payloads.build_payload(journal(*two_lines(dimensions=(DimensionRef("class", "5", "Truck 7"),))))
    assert "tracking categories only" in refused.value.user_message


def test_foreign_currency_journals_are_refused() -> None:
    """Manual journals have no currency in Xero: a foreign-currency journal is refused locally."""
    doc = journal(*two_lines(), currency="EUR", exchange_rate=Decimal("1.08"))
    with pytest.raises(DocumentRejected) as refused:
        payloads.build_payload(doc)
    assert "base currency only" in refused.value.user_message
    with pytest.raises(DocumentRejected):
        payloads.build_payload(journal(*two_lines(), currency="EUR"), home_currency="USD")


def test_journal_line_entity_is_kept_in_the_description_with_a_warning() -> None:
    """Manual journal lines have no contact: the vendor's name goes into the line description."""
    debit, credit = two_lines()
    credit = JournalLine(CARD, credit=credit.credit, description="Card", entity=EntityRef(EntityKind.VENDOR, "v", "Shell"))
    doc = journal(debit, credit)
    assert payloads.build_payload(doc)["JournalLines"][1]["Description"] == "Card (Shell)"
    assert [i.severity for i in payloads.check_for_xero(doc)] == [Severity.WARNING]


def test_bill_is_an_accpay_invoice() -> None:
    """A bill: Type ACCPAY, the vendor's ContactID, number, due date, AUTHORISED, one line per expense."""
    body = payloads.build_payload(bill())
    assert body["Type"] == "ACCPAY" and body["Contact"] == {"ContactID": VENDOR.id}
    assert (body["InvoiceNumber"], body["DueDate"], body["Status"]) == ("INV-9", "2026-04-02", "AUTHORISED")
    assert body["LineItems"] == [{"Description": "Tyres", "Quantity": Decimal(1), "UnitAmount": Decimal("250.00"),
                                  "AccountID": FUEL.id, "Tracking": [{"Name": "Truck", "Option": "Truck 7"}]}]
    assert body["LineAmountTypes"] == "NoTax"


def test_tax_codes_make_lines_tax_exclusive_unless_told() -> None:
    """A line with a tax code carries TaxType; amounts are Exclusive unless the document says otherwise."""
    taxed = (ExpenseLine(FUEL, Decimal("92.38"), "Lunch", tax_code=Ref("INPUT"), tax_amount=Decimal("7.62")),)
    body = payloads.build_payload(bill(lines=taxed))
    assert body["LineAmountTypes"] == "Exclusive"
    assert (body["LineItems"][0]["TaxType"], body["LineItems"][0]["TaxAmount"]) == ("INPUT", Decimal("7.62"))
    assert payloads.build_payload(bill(lines=taxed, tax_mode=TaxMode.INCLUSIVE))["LineAmountTypes"] == "Inclusive"


def test_header_dimensions_go_on_every_line_unless_the_line_has_that_category() -> None:
    """Xero tracks lines only: a bill's header tracking is copied to lines lacking that category."""
    lines = (ExpenseLine(FUEL, Decimal("1.00"), "a"), ExpenseLine(FUEL, Decimal("2.00"), "b", dimensions=(
        DimensionRef("tracking:Truck", "o12", "Truck 12"),)))
    body = payloads.build_payload(bill(lines=lines, dimensions=(TRUCK,)))
    assert [item["Tracking"] for item in body["LineItems"]] == [[{"Name": "Truck", "Option": "Truck 7"}],
                                                                 [{"Name": "Truck", "Option": "Truck 12"}]]


def test_foreign_bill_sends_xeros_inverse_rate() -> None:
    """Our rate is home units per document unit; Xero's CurrencyRate is document units per base unit."""
    body = payloads.build_payload(bill(currency="EUR", exchange_rate=Decimal("1.08")))
    assert body["CurrencyCode"] == "EUR" and body["CurrencyRate"] == Decimal("0.925926")


def test_purchase_is_spend_money_and_a_refund_is_receive_money() -> None:
    """A card purchase is SPEND from the card's bank account; a refund is RECEIVE."""
    spend = payloads.build_payload(purchase())
    assert (spend["Type"], spend["BankAccount"], spend["Reference"]) == ("SPEND", {"Code": "2110"}, "R-1")
    assert payloads.build_payload(purchase(is_refund=True))["Type"] == "RECEIVE"


def test_spend_money_without_a_contact_is_refused() -> None:
    """Xero needs a contact on every bank transaction."""
    with pytest.raises(DocumentRejected) as refused:
        payloads.build_payload(purchase(vendor=None))
    assert "contact" in refused.value.user_message


def test_idempotency_keys_are_deterministic_and_within_xeros_limit() -> None:
    """The same documents give the same key (≤ 128 characters); different ones a different key."""
    first = payloads.idempotency_key("journal_entry", "k1", "k2")
    assert first == payloads.idempotency_key("journal_entry", "k1", "k2") and len(first) <= 128
    assert first != payloads.idempotency_key("journal_entry", "k2", "k1")
    assert len(payloads.idempotency_key("journal_entry", "x" * 5000)) <= 128


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(amounts, min_size=1, max_size=8), st.booleans())
def test_balanced_journals_sum_to_zero_and_match_xeros_schema(debits: list[Decimal], tracked: bool) -> None:
    """Any balanced journal becomes lines that sum to zero, and a body valid against Xero's OpenAPI schema."""
    lines = [JournalLine(FUEL, debit=d, dimensions=(TRUCK,) if tracked else ()) for d in debits]
    lines.append(JournalLine(CARD, credit=sum(debits, Decimal(0))))
    body = payloads.build_payload(journal(*lines))
    assert sum(line["LineAmount"] for line in body["JournalLines"]) == 0
    assert spec().validate("#/components/schemas/ManualJournals", {"ManualJournals": [body]}) == []


def test_bill_and_spend_bodies_match_xeros_schema() -> None:
    """Bills and spend money validate against Xero's official Invoices and BankTransactions schemas."""
    assert spec().validate("#/components/schemas/Invoices", {"Invoices": [payloads.build_payload(bill())]}) == []
    body = {"BankTransactions": [payloads.build_payload(purchase(currency="USD", exchange_rate=None))]}
    assert spec().validate("#/components/schemas/BankTransactions", body) == []
