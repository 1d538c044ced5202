"""Every OFX fixture from ofxparse, read on its own with the outcome read by hand from the file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bookbridge.reconcile.statements.checks import BalanceOutcome, check_balance
from bookbridge.reconcile.statements.model import AccountKind
from bookbridge.reconcile.statements.ofx import read_ofx
from bookbridge.reconcile.statements.reader import read_statement_file

from recon_helpers import OFX_DIR


def _read(name: str):
    return read_statement_file(OFX_DIR / name)


def _amounts(statement) -> list[tuple[date, Decimal, str | None]]:
    return [(line.booked_date, line.amount.amount, line.bank_id) for line in statement.lines]


def test_checking_sgml_three_transactions() -> None:
    """checking.ofx (1.02 SGML, tabs, unclosed tags, 10-digit BANKID) gives 3 USD lines and a 100.99 closing."""
    parsed = _read("checking.ofx")
    assert parsed.ok and parsed.issues == ()
    (statement,) = parsed.statements
    assert statement.currency == "USD" and statement.account.kind is AccountKind.BANK
    assert statement.account.identifier == "1452687~7" and statement.account.institution == "5472369148"
    assert _amounts(statement) == [
        (date(2011, 3, 31), Decimal("0.01"), "0000486"),
        (date(2011, 4, 5), Decimal("-34.51"), "0000487"),
        (date(2011, 4, 7), Decimal("-25.00"), "0000488"),
    ]
    assert statement.lines[2].reference == "319"  # CHECKNUM
    assert statement.closing.amount == Decimal("100.99") and statement.opening is None
    assert (statement.period_start, statement.period_end) == (date(2000, 1, 1), date(2013, 5, 25))


def test_checking_opening_is_derived_from_closing() -> None:
    """OFX states only a closing balance: the check derives the opening (100.99 + 59.50) and flags it."""
    check = check_balance(_read("checking.ofx").statements[0])
    assert check.outcome is BalanceOutcome.UNCHECKED and check.opening_derived
    assert check.opening.amount == Decimal("160.49") and check.lines_total.amount == Decimal("-59.50")


def test_bank_medium_cad_local_dates() -> None:
    """bank_medium.ofx keeps the bank's local dates despite the [-5:EST] offsets, CAD, apostrophes in NAME."""
    (statement,) = _read("bank_medium.ofx").statements
    assert statement.currency == "CAD"
    assert _amounts(statement) == [
        (date(2009, 4, 1), Decimal("-6.60"), "0000123456782009040100001"),
        (date(2009, 4, 2), Decimal("-316.67"), "0000123456782009040200004"),
        (date(2009, 4, 3), Decimal("-22.00"), "0000123456782009040300005"),
    ]
    assert [line.payee for line in statement.lines] == ["MCDONALD'S #112", "Joe's Bald Hairstyles", "CONNIE'S HAIR D"]
    assert [line.txn_type for line in statement.lines] == ["POS", "CHECK", "POS"]
    assert statement.closing.amount == Decimal("382.34")  # LEDGERBAL, not the 682.34 AVAILBAL


def test_anzcc_credit_card_statement() -> None:
    """anzcc.ofx (2.03 header, SGML body) is an AUD card statement: one -5.50 charge, -123.45 owed."""
    parsed = _read("anzcc.ofx")
    assert parsed.ok
    (statement,) = parsed.statements
    assert statement.account.kind is AccountKind.CARD and statement.currency == "AUD"
    assert statement.account.hint == "1234"
    assert _amounts(statement) == [(date(2017, 5, 8), Decimal("-5.50"), "201705080001")]
    assert statement.lines[0].memo == "SOME MEMO"
    assert statement.closing.amount == Decimal("-123.45")


def test_suncorp_xml_with_cdata() -> None:
    """suncorp.ofx (2.00 XML, CRLF, CDATA names) gives one AUD line with the CDATA payee cleaned."""
    (statement,) = _read("suncorp.ofx").statements
    assert statement.currency == "AUD"
    assert _amounts(statement) == [(date(2013, 12, 15), Decimal("-16.85"), "1")]
    assert statement.lines[0].payee == "EFTPOS WDL HANDYWAY ALDI STORE"
    assert statement.closing.amount == Decimal("1234.12")


def test_error_message_is_the_banks_error_not_an_empty_statement() -> None:
    """error_message.ofx carries STATUS 2000: reported as the bank's error, with no statement."""
    parsed = _read("error_message.ofx")
    assert not parsed.ok and parsed.statements == ()
    (issue,) = parsed.errors
    assert issue.code == "bank_error"
    text = issue.render(parsed.file_name)
    assert text.startswith("error_message.ofx") and "2000" in text and "General Server Error" in text


def test_empty_tags_file_imports_with_inferred_currency() -> None:
    """ofx-v102-empty-tags.ofx: blank lines, empty CURDEF/FITID/BALAMT: one AUD line, warnings, no closing."""
    parsed = _read("ofx-v102-empty-tags.ofx")
    assert parsed.ok
    (statement,) = parsed.statements
    assert statement.currency == "AUD"  # from the transaction's CURRENCY/CURSYM at rate 1
    assert _amounts(statement) == [(date(2018, 5, 7), Decimal("12.34"), None)]  # empty FITID: content key later
    assert statement.lines[0].txn_type == "CREDIT" and statement.lines[0].memo == "CBA:Transfer"
    assert statement.closing is None
    assert {w.code for w in parsed.warnings} == {"currency_inferred", "no_closing_balance"}


def test_decimal_error_refused_naming_file_field_and_value() -> None:
    """decimal_error.ofx: "$120" and the impossible date 2011-20-00 are both reported; nothing is read."""
    parsed = _read("decimal_error.ofx")
    assert not parsed.ok and parsed.statements == ()
    messages = {i.code: i.render(parsed.file_name) for i in parsed.errors}
    assert set(messages) == {"amount_not_a_number", "date_invalid"}
    assert "'$120'" in messages["amount_not_a_number"] and "TRNAMT" in messages["amount_not_a_number"]
    assert messages["amount_not_a_number"].startswith("decimal_error.ofx, transaction 1 (FITID 2000957249)")
    assert "no_header" in {w.code for w in parsed.warnings}


def test_truncated_ofx_is_refused() -> None:
    """A download cut short (no closing </OFX>) is refused as truncated, even if the lines so far parse."""
    data = (OFX_DIR / "checking.ofx").read_bytes()
    parsed = read_ofx(data[: len(data) - 30], "checking-cut.ofx")
    assert [e.code for e in parsed.errors] == ["truncated"] and parsed.statements == ()


def test_garbage_is_not_ofx() -> None:
    """A file with an OFX-looking start but a broken header is refused with a message, not a traceback."""
    parsed = read_ofx(b"OFXHEADER:100\nDATA:nonsense\n\n<OFX></OFX>", "broken.ofx")
    assert [e.code for e in parsed.errors] == ["not_ofx"]
