"""Entity round trips: Purchase, Bill (edit and delete "in QBO"), Vendor, reference data, upload."""

from __future__ import annotations

from decimal import Decimal

import json

import requests
from qbo_sandbox_helpers import Client, decode, je_payload

from bookbridge.sandbox.qbo import QboSandbox


def _bill(doc_number: str = "INV-123") -> dict:
    return {
        "VendorRef": {"value": "59"},
        "TxnDate": "2025-02-01",
        "DueDate": "2025-03-01",
        "DocNumber": doc_number,
        "DepartmentRef": {"value": "1"},
        "Line": [
            {
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": Decimal("250.10"),
                "Description": "Oil change, truck 7",
                "AccountBasedExpenseLineDetail": {
                    "AccountRef": {"value": "12"},
                    "ClassRef": {"value": "5000000000000142240"},
                },
            },
            {
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": Decimal("49.90"),
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "12"}},
            },
        ],
    }


def test_purchase_round_trip_totals_lines(client: Client) -> None:
    """A card purchase is stored with TotalAmt = sum of lines and read back by Id."""
    posted = client.post(
        "purchase",
        {
            "PaymentType": "CreditCard",
            "AccountRef": {"value": "41"},
            "EntityRef": {"value": "57", "type": "Vendor"},
            "TxnDate": "2025-02-02",
            "Line": [
                {"DetailType": "AccountBasedExpenseLineDetail", "Amount": Decimal("301.45"),
                 "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "10"}}},
                {"DetailType": "AccountBasedExpenseLineDetail", "Amount": Decimal("12.05"),
                 "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "11"}}},
            ],
        },
    )
    assert posted.status_code == 200, posted.text
    purchase = decode(posted)["Purchase"]
    assert purchase["TotalAmt"] == Decimal("313.50")
    read = decode(client.get(f"purchase/{purchase['Id']}"))["Purchase"]
    assert read == purchase


def test_bill_defaults_to_the_ap_account_and_open_balance(client: Client) -> None:
    """A bill without APAccountRef goes to A/P with Balance equal to TotalAmt."""
    bill = decode(client.post("bill", _bill()))["Bill"]
    assert bill["APAccountRef"]["value"] == "33"
    assert bill["TotalAmt"] == bill["Balance"] == Decimal("300.00")


def test_bill_edited_in_qbo_bumps_sync_token(client: Client) -> None:
    """A sparse update changes the field, raises SyncToken and LastUpdatedTime stays set."""
    bill = decode(client.post("bill", _bill()))["Bill"]
    edit = {"Id": bill["Id"], "SyncToken": bill["SyncToken"], "sparse": True, "PrivateNote": "approved by Dana"}
    updated = decode(client.post("bill", edit))["Bill"]
    assert updated["SyncToken"] == "1"
    assert updated["PrivateNote"] == "approved by Dana"
    assert updated["TotalAmt"] == bill["TotalAmt"]


def test_deleted_bill_is_gone(client: Client) -> None:
    """Deleting answers status Deleted, and reading the Id afterwards is 'Object Not Found'."""
    bill = decode(client.post("bill", _bill()))["Bill"]
    deleted = decode(client.post("bill", {"Id": bill["Id"], "SyncToken": "0"}, operation="delete"))["Bill"]
    assert deleted == {"Id": bill["Id"], "status": "Deleted", "domain": "QBO"}
    assert decode(client.get(f"bill/{bill['Id']}"))["Fault"]["Error"][0]["code"] == "610"


def test_vendor_create_and_read(client: Client) -> None:
    """A new vendor gets an Id and can be read back."""
    vendor = decode(client.post("vendor", {"DisplayName": "Blue Beacon Truck Wash"}))["Vendor"]
    assert vendor["Active"] is True
    assert decode(client.get(f"vendor/{vendor['Id']}"))["Vendor"]["DisplayName"] == "Blue Beacon Truck Wash"


def test_vendor_names_are_unique(client: Client) -> None:
    """A second vendor with an existing name (any case) is refused with 6240."""
    answer = client.post("vendor", {"DisplayName": "pilot flying j"})
    assert decode(answer)["Fault"]["Error"][0]["code"] == "6240"


def test_seeded_chart_has_the_accounts_the_demo_codes_to(client: Client) -> None:
    """The sample company has the liability and asset accounts Bookbridge's demo relies on."""
    accounts = decode(client.query("select * from Account maxresults 1000"))["QueryResponse"]["Account"]
    by_name = {a["Name"]: a for a in accounts}
    assert by_name["Employee reimbursements payable"]["Classification"] == "Liability"
    assert by_name["Payroll clearing"]["AccountType"] == "Other Current Liability"
    assert by_name["Vehicles - equipment"]["AccountType"] == "Fixed Asset"
    assert {"Bank", "Credit Card", "Accounts Payable", "Expense"} <= {a["AccountType"] for a in accounts}


def test_reference_lists_are_queryable(client: Client) -> None:
    """Classes, departments, tax codes, tax rates and currencies answer queries."""
    for entity, expected in [("Class", "Truck 12"), ("Department", "Dallas terminal"), ("TaxCode", "NON"),
                             ("TaxRate", "IL state"), ("CompanyCurrency", "Euro")]:
        items = decode(client.query(f"select * from {entity}"))["QueryResponse"][entity]
        assert expected in {i.get("Name") for i in items}, entity


def test_preferences_carry_the_books_closed_date(client: Client) -> None:
    """Preferences.AccountingInfoPrefs.BookCloseDate is served and can be moved 'in QBO'."""
    prefs = decode(client.get("preferences"))["Preferences"]
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2024-12-31"
    moved = {"Id": prefs["Id"], "SyncToken": prefs["SyncToken"], "AccountingInfoPrefs": {"BookCloseDate": "2025-01-31"}}
    assert client.post("preferences", moved).status_code == 200
    refused = client.post("journalentry", je_payload(TxnDate="2025-01-15"))
    assert decode(refused)["Fault"]["Error"][0]["code"] == "6210"


def test_company_info_is_served(client: Client, sandbox: QboSandbox) -> None:
    """CompanyInfo is read at /companyinfo/{realmId}."""
    info = decode(client.get(f"companyinfo/{sandbox.realm_id}"))["CompanyInfo"]
    assert info["CompanyName"] and info["Country"] == "US"


def test_account_made_inactive_in_qbo_is_then_refused(client: Client) -> None:
    """Deactivating an account through an update makes later postings to it fault 610."""
    account = decode(client.get("account/7"))["Account"]
    deactivate = {"Id": "7", "SyncToken": account["SyncToken"], "sparse": True, "Active": False}
    assert client.post("account", deactivate).status_code == 200
    assert decode(client.post("journalentry", je_payload()))["Fault"]["Error"][0]["code"] == "610"


def test_attachment_upload_links_the_file_to_a_purchase(client: Client, sandbox: QboSandbox) -> None:
    """POST /upload stores the bytes and an Attachable whose AttachableRef names the purchase."""
    entry = decode(client.post("journalentry", je_payload("EXP-ATT")))["JournalEntry"]
    metadata = {"AttachableRef": [{"EntityRef": {"type": "JournalEntry", "value": entry["Id"]}}],
                "FileName": "receipt.pdf", "ContentType": "application/pdf"}
    content = b"%PDF-1.4 receipt bytes"
    answer = client.session.post(
        f"{client.api}/upload",
        params={"minorversion": "75"},
        files={
            "file_metadata_01": (None, json.dumps(metadata), "application/json"),
            "file_content_01": ("receipt.pdf", content, "application/pdf"),
        },
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    attachable = decode(answer)["AttachableResponse"][0]["Attachable"]
    assert attachable["Size"] == len(content)
    assert attachable["AttachableRef"][0]["EntityRef"] == {"type": "JournalEntry", "value": entry["Id"]}
    stored = requests.get(f"{sandbox.base_url}/__sandbox/attachments/{attachable['Id']}", timeout=5)
    assert stored.content == content


def test_attachment_to_unknown_transaction_is_refused(client: Client) -> None:
    """An AttachableRef to a transaction that does not exist is an invalid reference."""
    metadata = {"AttachableRef": [{"EntityRef": {"type": "Purchase", "value": "987654"}}], "FileName": "r.pdf"}
    answer = client.session.post(
        f"{client.api}/upload",
        params={"minorversion": "75"},
        files={"file_metadata_01": (None, json.dumps(metadata), "application/json"),
               "file_content_01": ("r.pdf", b"x", "application/pdf")},
        timeout=5,
    )
    assert decode(answer)["Fault"]["Error"][0]["code"] == "2500"


def test_attachables_are_found_by_the_transaction_they_belong_to(client: Client) -> None:
    """A query on AttachableRef.EntityRef.value finds the files of one transaction."""
    entry = decode(client.post("journalentry", je_payload("EXP-Q")))["JournalEntry"]
    metadata = {"AttachableRef": [{"EntityRef": {"type": "JournalEntry", "value": entry["Id"]}}], "FileName": "a.png"}
    client.session.post(
        f"{client.api}/upload",
        params={"minorversion": "75"},
        files={"file_metadata_01": (None, json.dumps(metadata), "application/json"),
               "file_content_01": ("a.png", b"\x89PNG", "image/png")},
        timeout=5,
    )
    statement = f"select * from Attachable where AttachableRef.EntityRef.value = '{entry['Id']}'"
    found = decode(client.query(statement))["QueryResponse"]["Attachable"]
    assert [a["FileName"] for a in found] == ["a.png"]


def test_entry_cannot_be_moved_into_a_closed_period(client: Client) -> None:
    """Updating a posted entry's TxnDate to before the books-closed date is refused with 6210."""
    entry = decode(client.post("journalentry", je_payload("EXP-M")))["JournalEntry"]
    moved = {"Id": entry["Id"], "SyncToken": entry["SyncToken"], "sparse": True, "TxnDate": "2024-06-30"}
    assert decode(client.post("journalentry", moved))["Fault"]["Error"][0]["code"] == "6210"


def test_wrapped_entity_body_is_accepted(client: Client) -> None:
    """A body wrapped as {"JournalEntry": {...}} is read like a bare one."""
    answer = client.post("journalentry", {"JournalEntry": je_payload("EXP-W")})
    assert decode(answer)["JournalEntry"]["DocNumber"] == "EXP-W"


def test_foreign_currency_entry_keeps_the_exchange_rate(client: Client) -> None:
    """A EUR entry with ExchangeRate 1.08 is stored with that currency and exact rate."""
    payload = je_payload("EXP-EUR", CurrencyRef={"value": "EUR"}, ExchangeRate=Decimal("1.08"))
    entry = decode(client.post("journalentry", payload))["JournalEntry"]
    assert entry["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    assert entry["ExchangeRate"] == Decimal("1.08")


def test_foreign_currency_without_rate_gets_the_company_rate(client: Client) -> None:
    """A CAD purchase without ExchangeRate is given the company's rate, not 1."""
    payload = {
        "PaymentType": "CreditCard", "AccountRef": {"value": "41"}, "TxnDate": "2025-02-05",
        "CurrencyRef": {"value": "CAD"}, "EntityRef": {"value": "66", "type": "Vendor"},
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": Decimal("80.00"),
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "10"}}}],
    }
    purchase = decode(client.post("purchase", payload))["Purchase"]
    assert purchase["CurrencyRef"]["value"] == "CAD"
    assert purchase["ExchangeRate"] not in (None, Decimal(1))
