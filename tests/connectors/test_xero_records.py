"""Parsing of Xero's own answers: the examples embedded in Xero's official OpenAPI description."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from bookbridge.connectors.dto import ChangeOperation, DocumentKind
from bookbridge.connectors.errors import ValidationError
from bookbridge.connectors.xero import records
from bookbridge.connectors.xero.faults import error_for_messages, item_has_errors, validation_messages
from bookbridge.sandbox.xero.timefmt import ms_date, ms_datetime
from xero_testkit import example


def test_accounts_example_parses_ids_codes_types_and_status() -> None:
    """GET /Accounts: AccountID is the id, Code the number, Type/Class/BankAccountType kept."""
    accounts = [records.account(a) for a in example("get", "/Accounts")["Accounts"]]
    raw = example("get", "/Accounts")["Accounts"]
    assert [a.id for a in accounts] == [r["AccountID"] for r in raw]
    assert [a.number for a in accounts] == [r.get("Code") or None for r in raw]
    assert all(a.active == (r.get("Status", "ACTIVE") == "ACTIVE") for a, r in zip(accounts, raw))
    bank = next(a for a, r in zip(accounts, raw) if r["Type"] == "BANK")
    assert bank.type == "BANK" and bank.subtype in ("BANK", "CREDITCARD", "PAYPAL", "NONE", "")


def test_contacts_example_parses_vendor_records() -> None:
    """GET /Contacts: ContactID, Name, ContactStatus and EmailAddress become a vendor record."""
    raw = example("get", "/Contacts")["Contacts"]
    vendors = [records.contact(c) for c in raw]
    assert [v.id for v in vendors] == [c["ContactID"] for c in raw]
    assert vendors[0].name == raw[0]["Name"] and vendors[0].email == raw[0]["EmailAddress"]
    assert all(v.active == (c["ContactStatus"] == "ACTIVE") for v, c in zip(vendors, raw))


def test_tax_rates_example_parses_codes_and_exact_rates() -> None:
    """GET /TaxRates: TaxType is the code, EffectiveRate an exact Decimal, expense/revenue use kept."""
    raw = example("get", "/TaxRates")["TaxRates"]
    codes = [records.tax_code(t) for t in raw]
    rates = [records.tax_rate(t) for t in raw]
    assert [c.id for c in codes] == [t["TaxType"] for t in raw]
    assert all(isinstance(r.rate, Decimal) and r.rate == t["EffectiveRate"] for r, t in zip(rates, raw))
    gst = next(c for c in codes if c.id == "INPUT2")
    assert gst.purchase_rate_ids == ("INPUT2",) and gst.sales_rate_ids == () and gst.taxable


def test_tracking_categories_become_tracking_kinds() -> None:
    """GET /TrackingCategories: each option is a dimension of kind ``tracking:<category>``."""
    category = {"Name": "Region", "Status": "ACTIVE", "TrackingCategoryID": "c1",
                "Options": [{"TrackingOptionID": "o1", "Name": "North", "Status": "ACTIVE"},
                            {"TrackingOptionID": "o2", "Name": "South", "Status": "ARCHIVED"}]}
    options = records.tracking_options(category)
    assert [(o.kind, o.id, o.name, o.active) for o in options] == [
        ("tracking:Region", "o1", "North", True), ("tracking:Region", "o2", "South", False)]
    assert not records.tracking_options(example("get", "/TrackingCategories")["TrackingCategories"][0])


def test_organisation_example_gives_base_currency_and_lock_date() -> None:
    """GET /Organisation: BaseCurrency, CountryCode and the later of the two lock dates."""
    org = example("get", "/Organisation")["Organisations"][0]
    company = records.company("tenant-1", org, [records.currency(c) for c in example("get", "/Currencies")["Currencies"]])
    assert company.home_currency == "NZD" and company.country == "NZ" and company.company_id == "tenant-1"
    assert company.closed_books_date == date(2018, 12, 31)  # /Date(1546214400000+0000)/
    assert company.multicurrency is False  # the example lists NZD only


def test_manual_journal_answer_example_is_a_refusal_with_its_message() -> None:
    """The PUT /ManualJournals example carries ValidationErrors: read as an unbalanced-journal refusal."""
    item = example("put", "/ManualJournals")["ManualJournals"][0]
    assert item_has_errors(item)
    error = error_for_messages(validation_messages(item), http_status=200, element=item)
    assert type(error) is ValidationError
    assert "must equal total credits" in error.user_message
    assert "476" not in error.user_message  # a warning is not an error


def test_invoice_answer_example_parses_as_a_posted_bill_result() -> None:
    """PUT /Invoices answer: InvoiceID is the remote id, InvoiceNumber the number, UpdatedDateUTC the time."""
    invoice = example("put", "/Invoices")["Invoices"][0]
    result = records.post_result(DocumentKind.BILL, "key-1", invoice)
    assert result.remote_id == invoice["InvoiceID"] and result.doc_number == "INV-0007"
    assert result.updated_at == records.parse_datetime(invoice["UpdatedDateUTC"]) and result.updated_at.tzinfo
    assert not item_has_errors(invoice)


def test_bank_transaction_answer_example_parses_as_a_purchase_result() -> None:
    """PUT /BankTransactions answer: BankTransactionID is the remote id; the Reference is the number."""
    transaction = example("put", "/BankTransactions")["BankTransactions"][0]
    result = records.post_result(DocumentKind.PURCHASE, "key-2", transaction, doc_number="ours")
    assert result.remote_id == transaction["BankTransactionID"]
    assert result.doc_number == (transaction["Reference"] or "ours")


def test_invoices_listing_example_gives_one_change_per_invoice() -> None:
    """GET /Invoices (as for If-Modified-Since): one change per invoice; DELETED/VOIDED ones are deletions."""
    invoices = example("get", "/Invoices")["Invoices"]
    changes = [records.change("bill", i) for i in invoices]
    assert [c.remote_id for c in changes] == [i["InvoiceID"] for i in invoices]
    for change, invoice in zip(changes, invoices):
        deleted = invoice["Status"] in ("DELETED", "VOIDED")
        assert (change.operation is ChangeOperation.DELETED) == deleted


def test_ms_dates_with_and_without_offset() -> None:
    """``/Date(ms)/`` and ``/Date(ms+0000)/`` are UTC instants; ISO text without offset is UTC too."""
    assert records.parse_datetime("/Date(1552357217359)/") == datetime(2019, 3, 12, 2, 20, 17, 359000, tzinfo=timezone.utc)
    assert records.parse_date("/Date(1553126400000+0000)/") == date(2019, 3, 21)
    assert records.parse_datetime("2019-11-14T18:10:38") == datetime(2019, 11, 14, 18, 10, 38, tzinfo=timezone.utc)
    assert records.parse_datetime(None) is None


@settings(max_examples=200)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=timezone.utc)))
def test_ms_datetime_round_trips(moment: datetime) -> None:
    """Whatever the sandbox writes as ``/Date(...)/`` the connector reads back to the same millisecond."""
    assert records.parse_datetime(ms_datetime(moment)) == moment
    assert records.parse_date(ms_date(moment.date())) == moment.date()


def test_lock_date_is_the_later_of_the_two() -> None:
    """A document dated on or before either lock date is refused, so the later one is the closed date."""
    org = {"PeriodLockDate": ms_date(date(2025, 3, 31)), "EndOfYearLockDate": ms_date(date(2024, 12, 31))}
    assert records.lock_date(org) == date(2025, 3, 31)
    assert records.lock_date({}) is None
    assert records.lock_date({"EndOfYearLockDate": ms_date(date(2024, 12, 31))}) == date(2024, 12, 31) - timedelta(0)


def test_account_classes_tell_cards_and_payables_apart() -> None:
    """Xero Type becomes our class: a CREDITCARD bank account is a card, the CREDITORS account is A/P."""
    from bookbridge.connectors.dto import AccountClass
    from bookbridge.sandbox.xero.seed import seed_organisation

    accounts = seed_organisation("t", "Org")["Accounts"].values()
    classes = {a["Code"]: records.account(a).account_class for a in accounts}
    assert (classes["2110"], classes["1000"], classes["2000"]) == (
        AccountClass.CREDIT_CARD, AccountClass.BANK, AccountClass.PAYABLE)
    assert (classes["2300"], classes["6200"], classes["6500"], classes["1500"], classes["3000"], classes["4000"]) == (
        AccountClass.LIABILITY, AccountClass.EXPENSE, AccountClass.EXPENSE, AccountClass.ASSET, AccountClass.EQUITY,
        AccountClass.INCOME)


def test_every_account_type_in_xeros_examples_has_a_class() -> None:
    """Each account in the OpenAPI examples folds into one of our classes (none is left unclassified)."""
    raw = example("get", "/Accounts")["Accounts"]
    assert all(records.account(a).account_class is not None for a in raw), [a["Type"] for a in raw]


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=4_000_000_000_000), st.integers(min_value=1, max_value=10_000_000))
def test_version_is_updated_date_and_moves_with_an_edit(ms: int, later: int) -> None:
    """PostResult and ChangeRecord carry the same version for one UpdatedDateUTC, another after an edit."""
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
    obj = {"ManualJournalID": "j1", "Status": "POSTED", "UpdatedDateUTC": ms_datetime(moment)}
    posted = records.post_result(DocumentKind.JOURNAL_ENTRY, "k", obj)
    seen = records.change(DocumentKind.JOURNAL_ENTRY.value, obj)
    edited = records.change(DocumentKind.JOURNAL_ENTRY.value,
                            {**obj, "UpdatedDateUTC": ms_datetime(moment + timedelta(milliseconds=later))})
    assert posted.version == seen.version is not None and edited.version != posted.version
