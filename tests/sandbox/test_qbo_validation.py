"""Writes are validated as QBO validates them, and refused with QBO's Fault envelope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qbo_sandbox_helpers import Client, decode, je_payload

from bookbridge.sandbox.qbo import QboSandbox


def _fault(answer: Any) -> dict[str, Any]:
    """The first error of a 400 ValidationFault answer (and check the envelope on the way)."""
    assert answer.status_code == 400, answer.text
    body = decode(answer)
    assert set(body) == {"Fault", "time"}
    assert body["Fault"]["type"] == "ValidationFault"
    error = body["Fault"]["Error"][0]
    assert set(error) == {"Message", "Detail", "code", "element"}
    return error


def _purchase(**overrides: Any) -> dict[str, Any]:
    payload = {
        "PaymentType": "CreditCard",
        "AccountRef": {"value": "42"},
        "EntityRef": {"value": "56", "type": "Vendor"},
        "TxnDate": "2025-02-03",
        "DocNumber": "R-88",
        "Line": [
            {
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": Decimal("92.38"),
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "10"}, "TaxCodeRef": {"value": "NON"}},
            }
        ],
    }
    payload.update(overrides)
    return payload


def _set_line_account(payload: dict[str, Any], index: int, account_id: str) -> dict[str, Any]:
    payload["Line"][index]["JournalEntryLineDetail"]["AccountRef"] = {"value": account_id}
    return payload


def test_unbalanced_entry_is_refused(client: Client) -> None:
    """Debits one cent away from credits are refused (exact Decimal comparison)."""
    payload = je_payload()
    payload["Line"][1]["Amount"] = Decimal("99.99")
    error = _fault(client.post("journalentry", payload))
    assert error["code"] == "6000" and "balanced" in error["Detail"]


def test_unknown_account_is_invalid_reference(client: Client) -> None:
    """An account id the company does not have is 'Invalid Reference Id'."""
    error = _fault(client.post("journalentry", _set_line_account(je_payload(), 0, "99999")))
    assert error["Message"] == "Invalid Reference Id"
    assert "Accounts element id 99999 not found" in error["Detail"]


def test_inactive_account_is_fault_610(client: Client) -> None:
    """An account made inactive is refused with 610."""
    error = _fault(client.post("journalentry", _set_line_account(je_payload(), 0, "21")))
    assert error["code"] == "610"


def test_inactive_vendor_is_fault_610(client: Client) -> None:
    """A JE line naming an inactive vendor is refused with 610."""
    payload = je_payload()
    payload["Line"][1]["JournalEntryLineDetail"]["Entity"]["EntityRef"] = {"value": "67"}
    assert _fault(client.post("journalentry", payload))["code"] == "610"


def test_inactive_class_is_fault_610(client: Client) -> None:
    """A line class made inactive (a sold truck) is refused with 610."""
    payload = je_payload()
    payload["Line"][0]["JournalEntryLineDetail"]["ClassRef"] = {"value": "5000000000000142243"}
    assert _fault(client.post("journalentry", payload))["code"] == "610"


def test_unknown_department_is_invalid_reference(client: Client) -> None:
    """An unknown location (Department) id is 'Invalid Reference Id'."""
    payload = je_payload()
    payload["Line"][0]["JournalEntryLineDetail"]["DepartmentRef"] = {"value": "404"}
    assert _fault(client.post("journalentry", payload))["code"] == "2500"


def test_date_in_closed_period_is_fault_6210(client: Client) -> None:
    """A TxnDate on or before BookCloseDate (2024-12-31) is refused with 6210."""
    error = _fault(client.post("journalentry", je_payload(TxnDate="2024-12-31")))
    assert error["code"] == "6210"


def test_duplicate_doc_number_is_fault_6140(client: Client) -> None:
    """A second entry with the same DocNumber is refused with 6140 naming the first."""
    first = decode(client.post("journalentry", je_payload("EXP-9")))["JournalEntry"]
    error = _fault(client.post("journalentry", je_payload("EXP-9")))
    assert error["code"] == "6140"
    assert f"TxnId={first['Id']}" in error["Detail"]


def test_doc_numbers_are_unique_per_entity_type(client: Client) -> None:
    """A Purchase may reuse a journal entry's DocNumber: uniqueness is per entity type."""
    client.post("journalentry", je_payload("SAME-1"))
    assert client.post("purchase", _purchase(DocNumber="SAME-1")).status_code == 200


def test_missing_lines_is_fault_2020(client: Client) -> None:
    """An entry without Line is a required-field fault."""
    error = _fault(client.post("journalentry", je_payload(Line=[])))
    assert (error["code"], error["element"]) == ("2020", "Line")


def test_missing_posting_type_is_fault_2020(client: Client) -> None:
    """A JE line without PostingType is a required-field fault naming the line."""
    payload = je_payload()
    del payload["Line"][0]["JournalEntryLineDetail"]["PostingType"]
    error = _fault(client.post("journalentry", payload))
    assert error["code"] == "2020" and error["element"].startswith("Line[0]")


def test_malformed_json_is_a_2000_range_fault(client: Client) -> None:
    """A body that is not JSON is a validation fault, not a crash."""
    error = _fault(client.post("journalentry", '{"Line": ['))
    assert 2000 <= int(error["code"]) < 3000


def test_doc_number_longer_than_21_is_refused(client: Client) -> None:
    """QBO's 21-character DocNumber limit is enforced, not silently truncated."""
    error = _fault(client.post("journalentry", je_payload("X" * 22)))
    assert (error["code"], error["element"]) == ("2050", "DocNumber")


def test_ap_line_without_vendor_is_refused(client: Client) -> None:
    """A line on Accounts Payable must name a vendor."""
    payload = je_payload()
    del payload["Line"][1]["JournalEntryLineDetail"]["Entity"]
    error = _fault(client.post("journalentry", payload))
    assert error["code"] == "6000" and "vendor" in error["Detail"]


def test_card_purchase_from_bank_account_is_refused(client: Client) -> None:
    """A CreditCard purchase must be paid from a credit card account."""
    error = _fault(client.post("purchase", _purchase(AccountRef={"value": "35"})))
    assert error["element"] == "AccountRef"


def test_missing_minorversion_is_refused(client: Client) -> None:
    """Every API call must pin a minorversion."""
    answer = client.session.get(f"{client.api}/preferences", timeout=5)
    assert _fault(answer)["element"] == "minorversion"


def test_old_minorversion_is_refused(client: Client) -> None:
    """Versions below 65 are refused; 75 is accepted (see every other test)."""
    assert _fault(client.get("preferences", minorversion="40"))["element"] == "minorversion"


def test_stale_sync_token_is_fault_5010(client: Client) -> None:
    """An update with an old SyncToken is refused with 5010."""
    entry = decode(client.post("journalentry", je_payload("EXP-S")))["JournalEntry"]
    entry["PrivateNote"] = "edited in QBO"
    assert client.post("journalentry", entry, operation="update").status_code == 200
    entry["PrivateNote"] = "edited again from a stale copy"
    assert _fault(client.post("journalentry", entry, operation="update"))["code"] == "5010"


def test_unsupported_path_is_fault_500(client: Client) -> None:
    """An unknown resource answers QBO's 'Unsupported Operation'."""
    assert _fault(client.get("invoicexyz/1"))["code"] == "500"


def test_foreign_currency_needs_a_company_currency(client: Client) -> None:
    """A currency the company has not enabled is an invalid reference."""
    error = _fault(client.post("journalentry", je_payload(CurrencyRef={"value": "JPY"})))
    assert error["code"] == "2500" and error["element"] == "CurrencyRef"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    debits=st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2), min_size=1, max_size=4),
    shift=st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("-0.01"), Decimal("10")]),
)
def test_entry_is_accepted_exactly_when_balanced(sandbox: QboSandbox, debits: list[Decimal], shift: Decimal) -> None:
    """For any amounts, QBO-style validation accepts iff debits equal credits to the cent."""
    from qbo_sandbox_helpers import connect

    client = Client(sandbox.base_url, sandbox.realm_id, connect(sandbox.base_url)["access_token"])
    credit = sum(debits, Decimal(0)) + shift
    lines = [
        {
            "DetailType": "JournalEntryLineDetail",
            "Amount": amount,
            "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": {"value": "10"}},
        }
        for amount in debits
    ]
    lines.append(
        {
            "DetailType": "JournalEntryLineDetail",
            "Amount": credit,
            "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": {"value": "41"}},
        }
    )
    answer = client.post("journalentry", {"TxnDate": "2025-03-01", "Line": lines})
    assert (answer.status_code == 200) == (shift == 0), answer.text
    if shift == 0:
        assert decode(answer)["JournalEntry"]["TotalAmt"] == sum(debits, Decimal(0))


@pytest.mark.parametrize("entity", ["journalentry", "purchase", "bill"])
def test_transactions_need_lines(client: Client, entity: str) -> None:
    """JournalEntry, Purchase and Bill all refuse an empty Line list."""
    payload = {"JournalEntry": je_payload(Line=[]), "Purchase": _purchase(Line=[]),
               "Bill": {"VendorRef": {"value": "56"}, "TxnDate": "2025-02-01", "Line": []}}
    name = {"journalentry": "JournalEntry", "purchase": "Purchase", "bill": "Bill"}[entity]
    assert _fault(client.post(entity, payload[name]))["code"] == "2020"
