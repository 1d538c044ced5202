"""QBO entity parsing against real QBO payloads (../shared/fixtures)."""

from __future__ import annotations

from decimal import Decimal

from bookbridge.connectors.dto import DocumentKind
from bookbridge.connectors.quickbooks import records
from bookbridge.connectors.quickbooks.faults import parse_body
from bookbridge.connectors.quickbooks.query import paged, quote, statement


def load(shared_fixtures, name: str):
    return parse_body((shared_fixtures / name).read_bytes())


def test_account_fixture_is_mapped(shared_fixtures):
    """The real Account answer becomes an AccountRecord with type, classification and currency."""
    raw = load(shared_fixtures, "qbo-quickbooks-go/account.json")["Account"]
    account = records.account(raw)
    assert (account.id, account.name, account.type, account.classification, account.currency, account.active) == (
        raw["Id"], raw["Name"], raw["AccountType"], raw["Classification"], raw["CurrencyRef"]["value"], raw["Active"])


def test_journal_entry_fixture_becomes_a_post_result(shared_fixtures):
    """The real JournalEntry answer gives the remote id and its last-updated time."""
    raw = load(shared_fixtures, "qbo-quickbooks-go/journal-entry.json")["JournalEntry"]
    result = records.post_result(DocumentKind.JOURNAL_ENTRY, "k", raw)
    assert result.remote_id == raw["Id"] and result.updated_at.isoformat() == raw["MetaData"]["LastUpdatedTime"]


def test_amounts_are_parsed_as_decimal(shared_fixtures):
    """Line amounts in a real Bill answer are Decimals, exactly as written."""
    raw = load(shared_fixtures, "qbo-quickbooks-go/bill.json")["Bill"]
    assert raw["Line"][0]["Amount"] == Decimal("103.55") and isinstance(raw["TotalAmt"], Decimal)


def test_purchase_fixture_keeps_its_bill_less_doc_number(shared_fixtures):
    """A Purchase without DocNumber gives a PostResult with doc_number None."""
    raw = load(shared_fixtures, "qbo-quickbooks-go/purchase.json")["Purchase"]
    assert records.post_result(DocumentKind.PURCHASE, "k", raw).doc_number is None


def test_query_fixture_pages_are_walked_until_a_short_page(shared_fixtures):
    """The real QueryResponse envelope: with a page size above its row count, one page is read."""
    envelope = load(shared_fixtures, "qbo-exquickbooks/query.json")["QueryResponse"]
    sent: list[str] = []

    def run(text: str) -> dict:
        sent.append(text)
        return envelope

    rows = list(paged(run, "Item", page_size=len(envelope["Item"]) + 1))
    assert len(rows) == len(envelope["Item"]) and len(sent) == 1


def test_a_full_page_asks_for_the_next_one(shared_fixtures):
    """When a page is full, the next STARTPOSITION is requested."""
    envelope = load(shared_fixtures, "qbo-exquickbooks/query.json")["QueryResponse"]
    size = len(envelope["Item"])
    pages = [envelope, {}]
    sent: list[str] = []

    def run(text: str) -> dict:
        sent.append(text)
        return pages[len(sent) - 1]

    assert len(list(paged(run, "Item", page_size=size))) == size
    assert f"STARTPOSITION {size + 1} MAXRESULTS {size}" in sent[1]


def test_quotes_in_values_are_escaped():
    """O'Brien's Fuel stays one literal in a WHERE clause."""
    assert quote("O'Brien's") == "'O\\'Brien\\'s'"


def test_statement_orders_by_id_for_stable_pages():
    """Pages are ordered by Id so rows added meanwhile do not shift them."""
    assert statement("Vendor", "Active = false", start=3, max_results=2) == (
        "SELECT * FROM Vendor WHERE Active = false ORDERBY Id STARTPOSITION 3 MAXRESULTS 2")


def test_deleted_change_is_reported_as_deleted():
    """A CDC object with status Deleted becomes a DELETED change."""
    change = records.change("Vendor", {"Id": "9", "status": "Deleted", "MetaData": {"LastUpdatedTime": "2025-01-02T03:04:05-08:00"}})
    assert change.operation.value == "deleted" and change.record is None


def test_company_without_preferences_has_no_closed_date():
    """Missing Preferences leave closed_books_date None rather than failing."""
    assert records.company("1", {"CompanyName": "X"}, None).closed_books_date is None
