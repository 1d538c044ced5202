"""Turning raw rows into drafts: dates, amounts, currencies, payment methods, custom fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bookbridge.ingest.convert import DateParser, RowConverter
from bookbridge.ingest.model import RawRecord
from bookbridge.ingest.normalise import column_key
from bookbridge.ingest.profiles import EXPENSIFY, GENERIC, TMS, Profile, bind
from bookbridge.store.models import PaymentMethod


def convert(profile: Profile, home: str = "USD", **values: str):
    """Convert one row given as header=value (underscores in names stand for spaces)."""
    cells = {column_key(k.replace("_", " ")): v for k, v in values.items()}
    record = RawRecord(7, cells, cells)
    return RowConverter(profile, home).convert(record, bind(profile, tuple(cells)))


def codes(issues) -> list[str]:
    return [i.code for i in issues]


def test_expensify_row_becomes_a_draft() -> None:
    """An Expensify row yields date, minor units, home currency, original amount and custom fields."""
    draft, issues = convert(EXPENSIFY, Timestamp="2024-03-01 14:32:00", Merchant="Shell", Amount="1,204.10",
                            MCC="5542", Category="Fuel", Tag="Truck 12", Comment="fill-up", Reimbursable="Yes",
                            Original_Currency="EUR", Original_Amount="1,100.00", Receipt="")
    assert issues == []
    assert (draft.txn_date, draft.amount_minor, draft.currency) == (date(2024, 3, 1), 120410, "USD")
    assert (draft.original_minor, draft.original_currency) == (110000, "EUR")
    assert draft.payment_method is PaymentMethod.REIMBURSABLE and draft.memo == "fill-up"
    assert draft.fields == (("mcc", "5542"), ("tag", "Truck 12")) and draft.line == 7


@pytest.mark.parametrize(
    "text,minor",
    [("12.50", 1250), ("-23.99", -2399), ("(23.99)", -2399), ("23.99-", -2399), ("$1,234.56", 123456),
     ("1 234,56", 123456), ("1.234,56", 123456), ("€ 7", 700), ("+0.10", 10)],
)
def test_amount_forms(text: str, minor: int) -> None:
    """Signs, parentheses, trailing minus, symbols, thousands and decimal commas all parse exactly."""
    draft, issues = convert(GENERIC, date="2024-01-01", vendor="A", amount=text)
    assert issues == [] and draft.amount_minor == minor


def test_refunds_are_valid_negative_amounts() -> None:
    """A negative amount is a refund, not an error."""
    draft, issues = convert(GENERIC, date="2024-01-01", vendor="A", amount="-5.00", category="Supplies")
    assert issues == [] and draft.amount_minor == -500


def test_debit_and_credit_columns_make_one_signed_amount() -> None:
    """Money out is a spend, money in a refund."""
    spend, _ = convert(GENERIC, date="2024-01-01", payee="A", debit="40.00", credit="")
    refund, _ = convert(GENERIC, date="2024-01-01", payee="A", debit="", credit="12.00")
    assert (spend.amount_minor, refund.amount_minor) == (4000, -1200)


def test_expense_negative_exports_are_flipped() -> None:
    """Where spends are negative (bank style), the profile flips them to positive spends."""
    profile = replace(GENERIC, amount_sign="expense_negative")
    draft, _ = convert(profile, date="2024-01-01", vendor="A", amount="-4.80")
    assert draft.amount_minor == 480


@pytest.mark.parametrize(
    "values,code,field",
    [
        ({"date": "", "amount": "1"}, "missing_date", "date"),
        ({"date": "03/31/2024", "amount": "1"}, "bad_date", "date"),
        ({"date": "2024-02-30", "amount": "1"}, "bad_date", "date"),
        ({"date": "2024-01-01", "amount": ""}, "missing_amount", "amount"),
        ({"date": "2024-01-01", "amount": "12,34,5"}, "bad_amount", "amount"),
        ({"date": "2024-01-01", "amount": "1.5O"}, "bad_amount", "amount"),
        ({"date": "2024-01-01", "amount": "1.0015"}, "amount_precision", "amount"),
        ({"date": "2024-01-01", "amount": "1", "currency": "XBT"}, "unknown_currency", "currency"),
        ({"date": "2024-01-01", "amount": "1", "payment_method": "paypal"}, "unknown_payment_method",
         "payment_method"),
        ({"date": "2024-01-01", "amount": "1", "tax": "abc"}, "bad_tax", "tax"),
    ],
)
def test_errors_reject_the_row_and_name_the_field(values: dict, code: str, field: str) -> None:
    """Each parsing problem is an error issue on the row's line and field, and no draft is made."""
    draft, issues = convert(GENERIC, **values)
    assert draft is None
    assert [(i.code, i.field, i.line, i.is_error) for i in issues] == [(code, field, 7, True)]


def test_currency_exponents_are_respected() -> None:
    """JPY has no minor unit and KWD three: amounts are stored in each one's minor units."""
    yen, issues = convert(GENERIC, date="2024-01-01", vendor="A", amount="1500", currency="jpy")
    dinar, _ = convert(replace(GENERIC, decimal_sep="."), date="2024-01-01", vendor="A", amount="12.345",
                       currency="KWD")
    assert issues == [] and (yen.amount_minor, yen.currency) == (1500, "JPY")
    assert dinar.amount_minor == 12345
    assert codes(convert(GENERIC, date="2024-01-01", amount="1500.5", currency="JPY")[1]) == ["amount_precision"]


def test_dates_follow_the_profile_formats_and_never_guess() -> None:
    """31/03/2024 is read only when the profile says day-first; 03/04 is never guessed."""
    day_first = replace(GENERIC, date_formats=("%d/%m/%Y",))
    draft, _ = convert(day_first, date="31/03/2024", amount="1")
    assert draft.txn_date == date(2024, 3, 31)
    assert convert(GENERIC, date="03/04/2024", amount="1")[0] is None


def test_date_parser_reads_iso_with_times_and_zones() -> None:
    """ISO dates with a time, a T, fractions or a zone all give the calendar day."""
    parser = DateParser(("%Y-%m-%d",))
    for text in ("2024-03-01", "2024-03-01 23:59:59", "2024-03-01T08:00:00Z", "2024-03-01T08:00:00.123+02:00"):
        assert parser.parse(text) == date(2024, 3, 1)
    assert parser.parse("2024-31-01") is None and parser.parse("yesterday") is None


def test_payment_method_from_text_flag_and_type() -> None:
    """Payment comes from a payment column, else a reimbursable flag, else the TMS record type."""
    card, _ = convert(GENERIC, date="2024-01-01", amount="1", payment_method="Corporate Card")
    cash, _ = convert(GENERIC, date="2024-01-01", amount="1", payment_method="petty cash")
    flag, _ = convert(GENERIC, date="2024-01-01", amount="1", reimbursable="y")
    pay, _ = convert(TMS, date="2024-01-01", type="Driver Pay", amount="1500")
    mileage, _ = convert(TMS, date="2024-01-01", type="mileage", amount="", miles="120", per_mile_rate="0.70")
    assert [d.payment_method for d in (card, cash, flag, pay, mileage)] == [
        PaymentMethod.COMPANY_CARD, PaymentMethod.CASH, PaymentMethod.REIMBURSABLE, PaymentMethod.BANK,
        PaymentMethod.REIMBURSABLE]
    assert codes(convert(EXPENSIFY, Timestamp="2024-01-01", Merchant="A", Amount="1", Reimbursable="maybe")[1]) \
        == ["bad_reimbursable"]


def test_tms_row_fields_category_and_mileage_amount() -> None:
    """TMS numbers are stored as canonical decimal text, the type sets the category, mileage = miles x rate."""
    fuel, issues = convert(TMS, record_id="F-1", date="2024-03-01", type="fuel", vehicle_id="TRK-12",
                           vendor="Shell", amount="85.40", litres="61.50", odometer="120,345")
    assert issues == [] and fuel.source_id == "F-1" and fuel.category == "Fuel"
    assert dict(fuel.fields) == {"expense_type": "fuel", "litres": "61.5", "odometer": "120345",
                                 "vehicle_id": "TRK-12"}
    mileage, _ = convert(TMS, date="2024-03-04", type="mileage", amount="", miles="33", per_mile_rate="0.655")
    assert mileage.amount_minor == 2162  # 21.615 rounded half-up


def test_bad_custom_number_rejects_the_row() -> None:
    """'lots' of litres is an error on the litres field."""
    draft, issues = convert(TMS, date="2024-03-01", type="fuel", amount="1", litres="lots")
    assert draft is None and [(i.code, i.field) for i in issues] == [("bad_number", "litres")]


def test_unknown_tms_type_is_a_warning() -> None:
    """A record type the profile does not know still lands, flagged."""
    draft, issues = convert(TMS, date="2024-03-01", type="parking", amount="9")
    assert draft is not None and codes(issues) == ["unknown_type"]


def test_unmapped_columns_become_custom_fields() -> None:
    """Columns no field claims are kept as custom fields rather than dropped."""
    draft, _ = convert(GENERIC, date="2024-01-01", amount="1", Cost_Centre="CC-9", Project="Falcon")
    assert dict(draft.fields) == {"cost_centre": "CC-9", "project": "Falcon"}


@pytest.mark.parametrize(("column", "code"), [("Amount", "amount_too_large"), ("Original_Amount", "original_amount_too_large")])
def test_an_amount_beyond_the_books_integers_is_a_row_error(column: str, code: str) -> None:
    """21 digits do not fit the book's 64-bit integers: the row is refused instead of the import failing."""
    values = {"Timestamp": "2024-03-01 08:00:00", "Merchant": "Shell", "Amount": "4.00", "Original_Currency": "EUR",
              column: "123456789012345678901.00"}
    draft, issues = convert(EXPENSIFY, **values)
    assert draft is None and codes(issues) == [code]
