"""Our documents as Intacct functions: GLBATCH, APBILL and expense reports, and local refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

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
)
from bookbridge.connectors.errors import DocumentRejected
from bookbridge.connectors.intacct import payloads
from bookbridge.connectors.intacct.xmlwire import element, fields_of
from intacct_connector_support import journal

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


def _purchase(**changes) -> PurchaseDocument:
    values = dict(key="p1", date=date(2026, 3, 3), currency="USD", payment_type=PaymentType.CARD,
                  paying_account=Ref("Company Visa"), vendor=Ref("V100"), doc_number="BB-P1", memo="Lunch",
                  lines=(ExpenseLine(Ref("6110"), Decimal("42.10"), "Lunch", (DimensionRef("department", "CHI"),)),),
                  dimensions=(DimensionRef("employee", "E100"),))
    values.update(changes)
    return PurchaseDocument(**values)


def test_journal_entry_is_a_glbatch_with_debit_and_credit_entries() -> None:
    """Each line is a GLENTRY with TR_TYPE 1 (debit) or -1 (credit) and the class as CLASSID."""
    batch = payloads.build_function(journal("k1"))["create"]["GLBATCH"]
    entries = batch["ENTRIES"]["GLENTRY"]
    assert batch["JOURNAL"] == "GJ" and batch["BATCH_DATE"] == "03/02/2026" and batch["REFERENCENO"] == "BB-k1"
    assert [(e["ACCOUNTNO"], e["TR_TYPE"], e["TRX_AMOUNT"]) for e in entries] == [
        ("6200", "1", Decimal("120.50")), ("2110", "-1", Decimal("120.50"))]
    assert entries[0]["CLASSID"] == "T7" and "CLASSID" not in entries[1]


def test_glentry_spells_department_and_location_without_id() -> None:
    """GLENTRY takes DEPARTMENT and LOCATION, bill lines DEPARTMENTID and LOCATIONID [ERP_FACTS §3.3]."""
    dims = (DimensionRef("department", "CHI"), DimensionRef("location", "US"))
    doc = JournalDocument("k2", date(2026, 3, 2), "USD", (
        JournalLine(Ref("6200"), debit=Decimal(5), dimensions=dims), JournalLine(Ref("2110"), credit=Decimal(5))))
    entry = payloads.build_function(doc)["create"]["GLBATCH"]["ENTRIES"]["GLENTRY"][0]
    assert (entry["DEPARTMENT"], entry["LOCATION"]) == ("CHI", "US")


def test_line_entity_goes_to_its_id_field() -> None:
    """A vendor on a journal line is its VENDORID."""
    doc = JournalDocument("k3", date(2026, 3, 2), "USD", (
        JournalLine(Ref("6200"), debit=Decimal(5)),
        JournalLine(Ref("2000"), credit=Decimal(5), entity=EntityRef(EntityKind.VENDOR, "V100"))))
    assert payloads.build_function(doc)["create"]["GLBATCH"]["ENTRIES"]["GLENTRY"][1]["VENDORID"] == "V100"


def test_control_id_is_deterministic_per_key_and_kind() -> None:
    """The same key gives the same controlid; another key or kind gives another."""
    first = payloads.control_id(DocumentKind.JOURNAL_ENTRY, "abc")
    assert first == payloads.control_id(DocumentKind.JOURNAL_ENTRY, "abc")
    assert first != payloads.control_id(DocumentKind.JOURNAL_ENTRY, "abd")
    assert first != payloads.control_id(DocumentKind.BILL, "abc")
    assert payloads.build_function(journal("abc"))["@controlid"] == first


def test_bill_is_an_apbill_with_items_and_due_date() -> None:
    """A bill carries VENDORID, RECORDID (its number), WHENDUE and one APBILLITEM per line."""
    doc = BillDocument("b1", date(2026, 3, 4), "USD", Ref("V103"), (
        ExpenseLine(Ref("6220"), Decimal("310.00"), "Brakes", (DimensionRef("location", "US"),)),),
        due_date=date(2026, 4, 3), doc_number="INV-88", memo="Speedco", ap_account=Ref("2000"))
    bill = payloads.build_function(doc)["create"]["APBILL"]
    item = bill["APBILLITEMS"]["APBILLITEM"][0]
    assert (bill["VENDORID"], bill["RECORDID"], bill["WHENCREATED"], bill["WHENDUE"]) == (
        "V103", "INV-88", "03/04/2026", "04/03/2026")
    assert (item["ACCOUNTNO"], item["TRX_AMOUNT"], item["LOCATIONID"], item["OFFSETGLACCOUNTNO"]) == (
        "6220", Decimal("310.00"), "US", "2000")


def test_card_purchase_is_an_expense_report_with_payment_type() -> None:
    """A card purchase becomes create_expensereport for the employee, lines paid by the payment type."""
    report = payloads.build_function(_purchase())["create_expensereport"]
    expense = report["expenses"]["expense"][0]
    assert report["employeeid"] == "E100" and report["datecreated"] == {"year": "2026", "month": "03", "day": "03"}
    assert (expense["glaccountno"], expense["amount"], expense["exppmttype"], expense["departmentid"]) == (
        "6110", Decimal("42.10"), "Company Visa", "CHI")


def test_cash_purchase_is_reimbursable() -> None:
    """Paid by the employee: no expense payment type, so Intacct reimburses it."""
    report = payloads.build_function(_purchase(payment_type=PaymentType.CASH))["create_expensereport"]
    assert "exppmttype" not in report["expenses"]["expense"][0]


@pytest.mark.parametrize(("changes", "field"), [
    ({"dimensions": ()}, "dimensions"),
    ({"is_refund": True}, "is_refund"),
])
def test_expense_reports_refuse_what_intacct_cannot_take(changes: dict, field: str) -> None:
    """No employee, or a refund: refused before anything is sent, naming the field."""
    with pytest.raises(DocumentRejected) as refused:
        payloads.build_function(_purchase(**changes))
    assert field in {issue.field for issue in refused.value.issues}


def test_unknown_dimension_kind_is_refused() -> None:
    """Xero tracking categories have no Intacct field: refused locally."""
    doc = JournalDocument("k4", date(2026, 3, 2), "USD", (
        JournalLine(Ref("6200"), debit=Decimal(5), dimensions=(DimensionRef("tracking:Region", "North"),)),
        JournalLine(Ref("2110"), credit=Decimal(5))))
    with pytest.raises(DocumentRejected, match="tracking:Region"):
        payloads.build_function(doc)


def test_custom_dimension_uses_its_own_field() -> None:
    """A user-defined dimension (custom:GLDIMTRUCK) is sent under its field name."""
    doc = JournalDocument("k5", date(2026, 3, 2), "USD", (
        JournalLine(Ref("6200"), debit=Decimal(5), dimensions=(DimensionRef("custom:GLDIMTRUCK", "7"),)),
        JournalLine(Ref("2110"), credit=Decimal(5))))
    assert payloads.build_function(doc)["create"]["GLBATCH"]["ENTRIES"]["GLENTRY"][0]["GLDIMTRUCK"] == "7"


@settings(max_examples=60, deadline=None)
@given(memo=st.text(max_size=300), key=st.text(min_size=1, max_size=80).filter(str.strip))
def test_key_marker_always_survives_in_the_description(memo: str, key: str) -> None:
    """However long the memo, the description ends with the key's marker (so it can be found by key)."""
    text = payloads.described(memo, key, "BB-1")
    assert text.endswith(payloads.key_marker(key)) and len(text) <= payloads.TITLE_MAX + 25


@settings(max_examples=60, deadline=None)
@given(values=st.lists(amounts, min_size=1, max_size=6))
def test_balanced_entries_stay_balanced_in_the_payload(values: list[Decimal]) -> None:
    """Debits (TR_TYPE 1) and credits (TR_TYPE -1) sum to the same total after mapping."""
    lines = tuple(JournalLine(Ref("6200"), debit=v) for v in values) + (
        JournalLine(Ref("2110"), credit=sum(values, Decimal(0))),)
    entries = payloads.build_function(JournalDocument("h", date(2026, 3, 2), "USD", lines))["create"]["GLBATCH"][
        "ENTRIES"]["GLENTRY"]
    debit = sum((e["TRX_AMOUNT"] for e in entries if e["TR_TYPE"] == "1"), Decimal(0))
    credit = sum((e["TRX_AMOUNT"] for e in entries if e["TR_TYPE"] == "-1"), Decimal(0))
    assert debit == credit == sum(values, Decimal(0))


def test_payload_survives_the_xml_round_trip() -> None:
    """What build_payload returns is exactly what goes on the wire (amounts as exact text)."""
    function = payloads.build_function(journal("rt", "0.10"))
    parsed = fields_of(element("function", function))
    assert parsed["create"]["GLBATCH"]["ENTRIES"]["GLENTRY"][0]["TRX_AMOUNT"] == "0.10"
    assert parsed["create"]["GLBATCH"]["BATCH_TITLE"].endswith(payloads.key_marker("rt"))
