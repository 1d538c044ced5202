"""Xero's business rules in the sandbox: balanced journals, lock dates, archived and system accounts,
tracking, contacts, bank accounts, tax types, unique sales invoice numbers, with Xero's texts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookbridge.connectors import jsonwire

from bookbridge.sandbox.xero.timefmt import ms_date
from xero_testkit import api, xero_sandbox  # noqa: F401 - fixtures


def _lines(*pairs) -> list[dict]:
    return [{"LineAmount": Decimal(amount), "AccountCode": code, **extra} for code, amount, *rest in pairs
            for extra in ([rest[0]] if rest else [{}])]


def _journal(api, *pairs, day: str = "2026-03-02", status: str = "POSTED"):
    body = {"ManualJournals": [{"Narration": "Test", "Date": day, "Status": status, "JournalLines": _lines(*pairs)}]}
    return api.call("PUT", "ManualJournals", body)


def _messages(answer) -> list[str]:
    return [e["Message"] for element in answer.json().get("Elements", []) for e in element["ValidationErrors"]]


def test_a_balanced_journal_is_stored_with_ids_and_ms_dates(api) -> None:
    """Accepted: 200, ManualJournalID, Date as /Date(...)/, lines with AccountID and tax type filled in."""
    answer = _journal(api, ("6200", "12.50"), ("2310", "-12.50"))
    journal = answer.json()["ManualJournals"][0]
    assert answer.status_code == 200 and journal["ManualJournalID"] and journal["Date"].startswith("/Date(")
    assert [line["TaxType"] for line in journal["JournalLines"]] == ["NONE", "NONE"]
    assert all(line["AccountID"] for line in journal["JournalLines"])
    assert answer.json()["Status"] == "OK" and answer.json()["DateTimeUTC"].startswith("/Date(")


def test_unbalanced_journal_gets_xeros_own_message(api) -> None:
    """The text from Xero's own example: "The total debits (...) must equal total credits (...)"."""
    answer = _journal(api, ("6200", "100.00"), ("2310", "-10.00"))
    assert answer.status_code == 400
    assert _messages(answer) == ["The total debits (100.00) must equal total credits (-10.00)"]


def test_manual_journal_refuses_a_bank_or_card_account(api) -> None:
    """As in Xero, a manual journal cannot post to a bank account (a card is one): spend money does that."""
    answer = _journal(api, ("6200", "12.50"), ("2110", "-12.50"))
    assert answer.status_code == 400
    assert _messages(answer) == ["Account code '2110' is a bank account and cannot be used in a manual journal. "
                                 "Use a spend or receive money transaction instead."]


def test_draft_journals_need_not_balance(api) -> None:
    """Only POSTED journals must balance (a draft is work in progress)."""
    assert _journal(api, ("6200", "100.00"), status="DRAFT").status_code == 200


@pytest.mark.parametrize(("day", "message"), [
    ("2024-06-30", "The document date cannot be before the end of year lock date"),
    ("2024-12-31", "The document date cannot be before the period lock date"),
])
def test_lock_dates(api, day, message) -> None:
    """On or before the end-of-year lock date, or the period lock date: refused."""
    assert _messages(_journal(api, ("6200", "1.00"), ("2310", "-1.00"), day=day)) == [message]


def test_lock_dates_follow_the_organisation(api) -> None:
    """Moving the lock dates forward closes more days."""
    api.sandbox.store.set_lock_dates(ms_date(date(2026, 3, 31)), None)
    assert _journal(api, ("6200", "1.00"), ("2310", "-1.00"), day="2026-03-31").status_code == 400
    assert _journal(api, ("6200", "1.00"), ("2310", "-1.00"), day="2026-04-01").status_code == 200


def test_archived_unknown_and_system_accounts(api) -> None:
    """Archived: Xero's "has been archived" text; unknown: "not a valid code"; A/P: a system account."""
    assert _messages(_journal(api, ("6950", "1.00"), ("2310", "-1.00"))) == [
        "Account code '6950' has been archived, or has been deleted. Each line item must reference a valid account."]
    assert _messages(_journal(api, ("6999", "1.00"), ("2310", "-1.00"))) == [
        "Account code '6999' is not a valid code for this document."]
    assert "system account" in _messages(_journal(api, ("6200", "1.00"), ("2000", "-1.00")))[0]


def test_tracking_rules(api) -> None:
    """At most two categories; unknown and archived options are refused, names resolve to ids."""
    ok = _journal(api, ("6200", "1.00", {"Tracking": [{"Name": "Truck", "Option": "Truck 7"},
                                                     {"Name": "Terminal", "Option": "Head office"}]}), ("2310", "-1.00"))
    tracking = ok.json()["ManualJournals"][0]["JournalLines"][0]["Tracking"]
    assert ok.status_code == 200 and all(t["TrackingOptionID"] and t["TrackingCategoryID"] for t in tracking)
    three = [{"Name": "Truck", "Option": "Truck 7"}, {"Name": "Terminal", "Option": "Head office"},
             {"Name": "Region (old)", "Option": "North"}]
    assert any("at most 2" in m for m in _messages(_journal(api, ("6200", "1.00", {"Tracking": three}), ("2310", "-1.00"))))
    unknown = _journal(api, ("6200", "1.00", {"Tracking": [{"Name": "Truck", "Option": "Truck 99"}]}), ("2310", "-1.00"))
    assert "does not exist" in _messages(unknown)[0]
    archived = _journal(api, ("6200", "1.00", {"Tracking": [{"Name": "Truck", "Option": "Truck 3 (sold)"}]}), ("2310", "-1.00"))
    assert "has been archived" in _messages(archived)[0]


def _bill(api, **overrides):
    contact_id = next(c["ContactID"] for c in api.sandbox.store.all("Contacts") if c["Name"] == "Staples")
    invoice = {"Type": "ACCPAY", "Contact": {"ContactID": contact_id}, "Date": "2026-03-02", "Status": "AUTHORISED",
               "LineItems": [{"Description": "Paper", "Quantity": Decimal(2), "UnitAmount": Decimal("10.00"),
                              "AccountCode": "6500", "TaxType": "INPUT"}], **overrides}
    return api.call("PUT", "Invoices", {"Invoices": [invoice]})


def test_bill_totals_follow_the_tax_rate(api) -> None:
    """Exclusive by default: 2 x 10.00 at 8.25 % is 20.00 + 1.65 tax; the due date defaults to 30 days."""
    invoice = jsonwire.loads(_bill(api).content)["Invoices"][0]
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (Decimal("20.00"), Decimal("1.65"), Decimal("21.65"))
    inclusive = jsonwire.loads(_bill(api, LineAmountTypes="Inclusive").content)["Invoices"][0]
    assert (inclusive["Total"], inclusive["TotalTax"]) == (Decimal("20.00"), Decimal("1.52"))


def test_contacts_must_exist_and_be_active(api) -> None:
    """An unknown contact gets Xero's "Contact requires a valid ContactId or ContactName"."""
    answer = _bill(api, Contact={"ContactID": "00000000-0000-4000-8000-000000000000"})
    assert _messages(answer) == ["Contact requires a valid ContactId or ContactName"]
    archived = next(c["ContactID"] for c in api.sandbox.store.all("Contacts") if c["Name"] == "Old Tire Shop")
    assert "archived" in _messages(_bill(api, Contact={"ContactID": archived}))[0]


def test_tax_types_must_exist_and_be_active(api) -> None:
    """An unknown tax type, or an archived one, is refused."""
    line = {"Description": "x", "Quantity": Decimal(1), "UnitAmount": Decimal(1), "AccountCode": "6500"}
    assert "does not exist" in _messages(_bill(api, LineItems=[{**line, "TaxType": "VAT99"}]))[0]
    assert "archived" in _messages(_bill(api, LineItems=[{**line, "TaxType": "TAX002"}]))[0]


def test_sales_invoice_numbers_must_be_unique(api) -> None:
    """ACCREC numbers are unique ("Invoice # must be unique."); bill numbers may repeat."""
    customer = next(c["ContactID"] for c in api.sandbox.store.all("Contacts") if c["Name"] == "Acme Foods Distribution")
    sale = {"Contact": {"ContactID": customer}, "Type": "ACCREC", "InvoiceNumber": "INV-100",
            "LineItems": [{"Description": "Haul", "Quantity": Decimal(1), "UnitAmount": Decimal(900), "AccountCode": "4000"}]}
    assert _bill(api, **sale).status_code == 200
    assert _messages(_bill(api, **sale)) == ["Invoice # must be unique."]
    assert _bill(api, InvoiceNumber="B-1").status_code == _bill(api, InvoiceNumber="B-1").status_code == 200


def _spend(api, bank: dict, **overrides):
    contact_id = next(c["ContactID"] for c in api.sandbox.store.all("Contacts") if c["Name"] == "Pilot Flying J")
    transaction = {"Type": "SPEND", "Contact": {"ContactID": contact_id}, "BankAccount": bank, "Date": "2026-03-02",
                   "LineItems": [{"Description": "Diesel", "UnitAmount": Decimal("40.00"), "AccountCode": "6200"}],
                   **overrides}
    return api.call("PUT", "BankTransactions", {"BankTransactions": [transaction]})


def test_spend_money_needs_an_active_bank_account_in_its_currency(api) -> None:
    """Only BANK accounts pay; an archived card is refused; a USD spend from the EUR card is refused."""
    assert _spend(api, {"Code": "2110"}).status_code == 200
    assert "not a valid bank account" in _messages(_spend(api, {"Code": "6200"}))[0]
    assert "archived" in _messages(_spend(api, {"Code": "2190"}))[0]
    assert "does not match" in _messages(_spend(api, {"Code": "2120"}))[0]
    euro = jsonwire.loads(_spend(api, {"Code": "2120"}, CurrencyCode="EUR").content)["BankTransactions"][0]
    assert euro["CurrencyCode"] == "EUR" and euro["CurrencyRate"] == Decimal("0.925926")


def test_currency_must_be_added_to_the_organisation(api) -> None:
    """A bill in a currency the organisation has not added is refused."""
    assert "has not been added" in _messages(_bill(api, CurrencyCode="JPY"))[0]


def test_duplicate_contact_names_are_refused(api) -> None:
    """Contact names are unique among active contacts (also within one request)."""
    assert api.call("PUT", "Contacts", {"Contacts": [{"Name": "New Co"}]}).status_code == 200
    again = api.call("PUT", "Contacts", {"Contacts": [{"Name": "new co"}]})
    assert "must be unique across all active contacts" in _messages(again)[0]
    twice = api.call("PUT", "Contacts", {"Contacts": [{"Name": "Twin"}, {"Name": "Twin"}]})
    assert twice.status_code == 400 and len(twice.json()["Elements"]) == 1
