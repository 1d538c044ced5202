"""CSV statements through profiles: split columns, decimal commas, rows above the header."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookbridge.core.errors import UsageError
from bookbridge.reconcile.statements.checks import BalanceOutcome, check_balance
from bookbridge.reconcile.statements.csv_profiles import BUILTIN_PROFILES, CsvStatementProfile, read_csv_statement

SPLIT_US = """Account,Business Checking ****1234
Statement period,01/01/2026 - 01/31/2026

Date,Description,Debit,Credit,Balance
01/02/2026,SHELL OIL 5521,85.40,,"1,914.60"
01/03/2026,CUSTOMER DEPOSIT,,"1,250.00","3,164.60"
01/05/2026,HOME DEPOT #4410,"1,020.55",,"2,144.05"
"""

EU_SEMICOLON = """Kontoauszug;Firmenkonto
IBAN;DE02120300000000202051

Date;Payee;Details;Amount;Balance
31.01.2026;Autohof Nord;Diesel LKW 12;-1.234,56;8.765,44
30.01.2026;Kunde GmbH;Rechnung 2026-001;2.000,00;10.000,00
"""


def test_split_debit_credit_with_header_rows_above_the_data() -> None:
    """Two title rows and a blank row above the header; debit is money out, credit money in."""
    parsed = read_csv_statement(SPLIT_US.encode(), "jan.csv", BUILTIN_PROFILES["generic-split"], currency="USD")
    assert parsed.ok, parsed.issues
    (statement,) = parsed.statements
    assert [(ln.booked_date, ln.amount.amount, ln.payee) for ln in statement.lines] == [
        (date(2026, 1, 2), Decimal("-85.40"), "SHELL OIL 5521"),
        (date(2026, 1, 3), Decimal("1250.00"), "CUSTOMER DEPOSIT"),
        (date(2026, 1, 5), Decimal("-1020.55"), "HOME DEPOT #4410"),
    ]
    assert [ln.position for ln in statement.lines] == ["row 5", "row 6", "row 7"]


def test_running_balance_gives_checked_opening_and_closing() -> None:
    """The balance column yields opening 2,000.00 and closing 2,144.05, which the lines explain."""
    (statement,) = read_csv_statement(SPLIT_US.encode(), "jan.csv", BUILTIN_PROFILES["generic-split"], currency="USD").statements
    assert (statement.opening.amount, statement.closing.amount) == (Decimal("2000.00"), Decimal("2144.05"))
    assert check_balance(statement).outcome is BalanceOutcome.OK


def test_decimal_comma_semicolons_and_newest_first_order() -> None:
    """1.234,56 with a decimal comma; a newest-first export is turned around so balances read forward."""
    parsed = read_csv_statement(EU_SEMICOLON.encode(), "jan.csv", BUILTIN_PROFILES["generic-eu"], currency="EUR")
    assert parsed.ok, parsed.issues
    (statement,) = parsed.statements
    assert [(ln.booked_date, ln.amount.amount) for ln in statement.lines] == [
        (date(2026, 1, 30), Decimal("2000.00")),
        (date(2026, 1, 31), Decimal("-1234.56")),
    ]
    assert statement.lines[1].memo == "Diesel LKW 12"
    assert (statement.opening.amount, statement.closing.amount) == (Decimal("8000.00"), Decimal("8765.44"))


def test_running_balance_that_jumps_is_reported() -> None:
    """A balance that does not follow from the row before is a warning naming the row."""
    broken = SPLIT_US.replace('"2,144.05"', '"2,140.05"')
    parsed = read_csv_statement(broken.encode(), "jan.csv", BUILTIN_PROFILES["generic-split"], currency="USD")
    assert [(w.code, w.position) for w in parsed.warnings] == [("running_balance", "row 7")]
    assert check_balance(parsed.statements[0]).outcome is BalanceOutcome.MISMATCH


def test_both_debit_and_credit_filled_is_an_error() -> None:
    """A row with both debit and credit is ambiguous: the file is refused, the row named."""
    bad = SPLIT_US.replace("01/02/2026,SHELL OIL 5521,85.40,,", "01/02/2026,SHELL OIL 5521,85.40,1.00,")
    parsed = read_csv_statement(bad.encode(), "jan.csv", BUILTIN_PROFILES["generic-split"], currency="USD")
    assert [(e.code, e.position) for e in parsed.errors] == [("amount_ambiguous", "row 5")]


def test_date_not_fitting_the_format_is_an_error() -> None:
    """An ISO date in a US-format profile is refused with the formats the profile expects."""
    bad = SPLIT_US.replace("01/03/2026", "2026-01-03")
    parsed = read_csv_statement(bad.encode(), "jan.csv", BUILTIN_PROFILES["generic-split"], currency="USD")
    (issue,) = parsed.errors
    assert issue.code == "date_invalid" and "%m/%d/%Y" in issue.message and issue.position == "row 6"


def test_missing_header_names_the_columns_sought() -> None:
    """With the wrong profile the header is not found and the message lists the columns looked for."""
    parsed = read_csv_statement(SPLIT_US.encode(), "jan.csv", BUILTIN_PROFILES["generic-eu"], currency="USD")
    (issue,) = parsed.errors
    assert issue.code == "header_not_found" and "Payee" in issue.message


def test_card_export_with_positive_charges_is_negated_and_ids_kept() -> None:
    """A card export listing charges as positive numbers, with its own id column, via a saved profile."""
    profile = CsvStatementProfile.from_dict({
        "name": "my-card", "date_column": "Posted", "amount_column": "Amount", "payee_column": "Merchant",
        "id_column": "Ref", "negate": True, "account_kind": "card", "currency": "USD", "strip_symbols": ["$"],
    })
    data = b"Posted,Merchant,Amount,Ref\n2026-02-03,PILOT 123,$62.10,TX-1\n2026-02-04,REFUND STAPLES,-$23.99,TX-2\n"
    (statement,) = read_csv_statement(data, "card.csv", profile, currency=None).statements
    assert [(ln.amount.amount, ln.bank_id, ln.bank_id_kind) for ln in statement.lines] == [
        (Decimal("-62.10"), "TX-1", "file_column"), (Decimal("23.99"), "TX-2", "file_column")]
    assert statement.account.kind.value == "card" and statement.currency == "USD"


def test_profile_with_unknown_setting_is_refused() -> None:
    """A typo in a saved profile is refused rather than silently ignored."""
    with pytest.raises(UsageError, match="delimeter"):
        CsvStatementProfile.from_dict({"name": "x", "date_column": "Date", "amount_column": "A", "delimeter": ";"})


def test_profile_needs_one_amount_layout() -> None:
    """A profile naming neither an amount column nor a debit/credit pair is refused."""
    with pytest.raises(UsageError, match="amount_column"):
        CsvStatementProfile(name="x", date_column="Date")
