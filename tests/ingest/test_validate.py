"""Validation returns warnings as data; thresholds come from the book's settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from bookbridge.core.errors import BookbridgeError
from bookbridge.ingest.model import ExpenseDraft
from bookbridge.ingest.validate import ImportSettings, load_import_settings, validate_draft
from bookbridge.store.models import PaymentMethod

from ingest_helpers import expensify_csv, rows, run_import

TODAY = date(2024, 6, 30)


def draft(**overrides) -> ExpenseDraft:
    base = dict(line=3, txn_date=date(2024, 6, 1), amount_minor=4250, currency="USD",
                payment_method=PaymentMethod.COMPANY_CARD, vendor="Shell", category="Fuel")
    return ExpenseDraft(**{**base, **overrides})


def codes(d: ExpenseDraft, settings: ImportSettings | None = None, *, has_receipt: bool = True) -> list[str]:
    return [i.code for i in validate_draft(d, settings or ImportSettings(), TODAY, has_receipt=has_receipt)]


def test_a_clean_expense_has_no_issues() -> None:
    """A categorised, dated, modest expense with a receipt raises nothing."""
    assert codes(draft()) == []


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"category": None}, ["missing_category"]),
        ({"vendor": None}, ["missing_vendor"]),
        ({"amount_minor": 0}, ["zero_amount"]),
        ({"txn_date": date(2024, 7, 2)}, ["future_date"]),
        ({"amount_minor": 250001}, ["large_amount"]),
        ({"amount_minor": -250001}, ["large_amount"]),
        ({"amount_minor": -2399}, []),
    ],
)
def test_each_warning(overrides: dict, expected: list[str]) -> None:
    """Missing category/vendor, zero, future, large (either sign) warn; a refund alone does not."""
    assert codes(draft(**overrides)) == expected


def test_warnings_are_data_on_the_row_line() -> None:
    """Issues carry severity, field, code, message and the row's line."""
    (issue,) = validate_draft(draft(category=None), ImportSettings(), TODAY, has_receipt=True)
    assert (issue.is_error, issue.field, issue.line) == (False, "category", 3) and "category" in issue.message


def test_receipt_missing_only_above_threshold_and_for_purchases() -> None:
    """No receipt over the threshold warns; under it, or for driver pay and mileage, it does not."""
    assert codes(draft(amount_minor=7501), has_receipt=False) == ["receipt_missing"]
    assert codes(draft(amount_minor=7500), has_receipt=False) == []
    assert codes(draft(amount_minor=150000, vendor=None, fields=(("expense_type", "driver_pay"),)),
                 has_receipt=False) == []


def test_future_date_grace() -> None:
    """Tomorrow is within the default one-day grace; the day after is not."""
    assert codes(draft(txn_date=date(2024, 7, 1))) == []
    assert codes(draft(txn_date=date(2024, 7, 1)), ImportSettings(future_grace_days=0)) == ["future_date"]


def test_mileage_amount_is_checked_against_miles_times_rate() -> None:
    """A mileage row whose amount is not miles x rate is flagged."""
    fields = (("expense_type", "mileage"), ("miles", "120"), ("per_mile_rate", "0.70"))
    assert codes(draft(amount_minor=8400, fields=fields)) == []
    assert codes(draft(amount_minor=9000, fields=fields)) == ["mileage_mismatch"]


def test_per_currency_thresholds() -> None:
    """A per-currency threshold overrides the general one for that currency only."""
    settings = ImportSettings(large_amount_by_currency={"JPY": Decimal("300000")})
    assert codes(draft(amount_minor=250000, currency="JPY"), settings) == []
    assert codes(draft(amount_minor=300001, currency="JPY"), settings) == ["large_amount"]


def _set(book, **values: str) -> None:
    with book.unit_of_work() as session:
        for key, value in values.items():
            session.execute(sa.text("INSERT INTO settings (key, value_json) VALUES (:k, :v)"), {"k": key, "v": value})


def test_thresholds_are_read_from_the_book(book) -> None:
    """Settings rows override the documented defaults, per currency too."""
    _set(book, **{"import.large_amount_threshold": '"100.00"', "import.receipt_required_over.EUR": "25",
                  "import.future_date_grace_days": "0"})
    with book.read() as session:
        settings = load_import_settings(session.connection())
    assert settings.large_amount == Decimal("100.00") and settings.receipt_threshold("EUR") == Decimal("25")
    assert settings.receipt_threshold("USD") == Decimal("75.00") and settings.future_grace_days == 0


def test_a_bad_setting_refuses_with_its_key(book) -> None:
    """A non-numeric threshold stops the import with a message naming the setting."""
    _set(book, **{"import.large_amount_threshold": '"lots"'})
    with book.read() as session, pytest.raises(BookbridgeError, match="import.large_amount_threshold"):
        load_import_settings(session.connection())


def test_threshold_from_settings_flags_rows_on_import(book, tmp_path: Path) -> None:
    """A lowered threshold in the book flags rows as large_amount, and the flag is on the expense."""
    _set(book, **{"import.large_amount_threshold": '"50"'})
    result = run_import(book, expensify_csv(tmp_path / "e.csv",
                                            "2024-03-01 08:00:00,Shell,60.00,5542,Fuel,,,No,,,https://x.test/r.jpg"))
    assert [w.code for w in result.warnings] == ["large_amount"]
    assert rows(book, "SELECT review_flags FROM expenses") == [('["large_amount"]',)]
