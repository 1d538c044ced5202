"""Importing statements into a real book: dedupe on re-import, balances, gaps, refusals."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bookbridge.core.errors import UsageError
from bookbridge.reconcile.statements.service import StatementRejected, import_statement_file, list_statements
from bookbridge.store.models import AuditEntry, BankAccount, BankStatement, StatementLine

from recon_helpers import CAMT_DIR, OFX_DIR

OFX_TEMPLATE = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>021000021<ACCTID>000123456789<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>{start}<DTEND>{end}
{lines}
</BANKTRANLIST><LEDGERBAL><BALAMT>{closing}<DTASOF>{end}</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def _ofx(start: str, end: str, closing: str, *lines: tuple[str, str, str, str]) -> str:
    body = "\n".join(f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{d}<TRNAMT>{a}<FITID>{f}<NAME>{n}</STMTTRN>" for d, a, f, n in lines)
    return OFX_TEMPLATE.format(start=start, end=end, closing=closing, lines=body)


JAN_1_20 = _ofx("20260101", "20260120", "900.00",
                ("20260105", "-60.00", "F1", "SHELL"), ("20260110", "-40.00", "F2", "PILOT"))
JAN_15_31 = _ofx("20260115", "20260131", "850.00",
                 ("20260110", "-40.00", "F2", "PILOT"), ("20260125", "-50.00", "F3", "LOVES"))


def _count(book, model) -> int:
    with book.read() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def test_overlapping_reimport_adds_only_new_lines(book, write_file) -> None:
    """A second download overlapping the first adds its one new line; the shared FITID is a duplicate."""
    first = import_statement_file(book, write_file("a.ofx", JAN_1_20))
    second = import_statement_file(book, write_file("b.ofx", JAN_15_31))
    assert (first.new, first.duplicates) == (2, 0)
    assert (second.new, second.duplicates) == (1, 1)
    assert _count(book, StatementLine) == 3 and _count(book, BankAccount) == 1


def test_same_file_twice_adds_nothing(book) -> None:
    """Importing the very same statement again changes no line and stores no second statement."""
    import_statement_file(book, OFX_DIR / "bank_medium.ofx")
    again = import_statement_file(book, OFX_DIR / "bank_medium.ofx")
    assert (again.new, again.duplicates) == (0, 3) and again.statements[0].already_imported
    assert _count(book, StatementLine) == 3 and _count(book, BankStatement) == 1


def test_lines_without_bank_id_dedupe_by_content(book) -> None:
    """camt entries without AcctSvcrRef get content keys, so the multi-statement file re-imports as duplicates."""
    import_statement_file(book, CAMT_DIR / "camt053.v2.multi.statement.xml")
    with book.read() as s:
        kinds = set(s.scalars(sa.select(StatementLine.bank_id_kind)))
    again = import_statement_file(book, CAMT_DIR / "camt053.v2.multi.statement.xml")
    assert {k.value for k in kinds} == {"content"}
    assert (again.new, again.duplicates) == (0, 2)


def test_identical_lines_on_one_day_both_kept(book, write_file) -> None:
    """Two identical coffees on one day without FITIDs are two lines, and stay two on re-import."""
    csv_text = "Date,Description,Amount\n2026-03-02,COFFEE CART,-4.50\n2026-03-02,COFFEE CART,-4.50\n"
    path = write_file("cafe.csv", csv_text)
    profile = write_file("cafe.json", json.dumps({"name": "cafe", "date_column": "Date", "amount_column": "Amount",
                                                  "payee_column": "Description", "currency": "USD"}))
    first = import_statement_file(book, path, account_name="Petty", profile_name=str(profile))
    second = import_statement_file(book, path, account_name="Petty", profile_name="generic")
    assert (first.new, second.new, second.duplicates) == (2, 0, 2)


def test_balance_mismatch_is_stored_and_reported(book) -> None:
    """The five-decimals fixture imports, with its 0.05 mismatch in the warnings and on the statement."""
    result = import_statement_file(book, CAMT_DIR / "camt053.v2.five.decimals.xml")
    assert result.new == 1
    assert [w["code"] for w in result.warnings] == ["balance_mismatch"]
    with book.read() as s:
        statement = s.scalars(sa.select(BankStatement)).one()
    assert statement.balance_status.value == "mismatch" and statement.balance_difference_minor == 5


def test_balance_gap_between_statements_is_reported(book, write_file) -> None:
    """February opens 30.00 below January's close: a balance gap names the missing amount."""
    jan = _ofx("20260101", "20260131", "900.00", ("20260105", "-100.00", "J1", "SHELL"))
    feb = _ofx("20260201", "20260228", "800.00", ("20260203", "-70.00", "B1", "PILOT"))
    import_statement_file(book, write_file("jan.ofx", jan))
    result = import_statement_file(book, write_file("feb.ofx", feb))
    (gap,) = result.gaps
    assert gap["kind"] == "balance" and gap["missing"] == "-30.00"
    listed = list_statements(book)["accounts"][0]
    assert [g["kind"] for g in listed["gaps"]] == ["balance"]


def test_continuous_statements_have_no_gap(book, write_file) -> None:
    """When February opens where January closed there is no gap, whatever the dates in between."""
    jan = _ofx("20260101", "20260131", "900.00", ("20260105", "-100.00", "J1", "SHELL"))
    feb = _ofx("20260201", "20260228", "830.00", ("20260203", "-70.00", "B1", "PILOT"))
    import_statement_file(book, write_file("jan.ofx", jan))
    assert import_statement_file(book, write_file("feb.ofx", feb)).gaps == []


def test_csv_for_a_new_account_needs_a_currency(book, write_file) -> None:
    """A CSV file names no currency: importing it into a new account without one is refused."""
    path = write_file("x.csv", "Date,Description,Amount\n2026-03-02,FEE,-1.00\n")
    with pytest.raises(StatementRejected, match="names no currency"):
        import_statement_file(book, path, account_name="New", profile_name="generic")


def test_rejected_file_writes_nothing(book) -> None:
    """decimal_error.ofx is refused whole: no account, statement or line is stored; errors name the file."""
    with pytest.raises(StatementRejected) as refused:
        import_statement_file(book, OFX_DIR / "decimal_error.ofx")
    assert {i["code"] for i in refused.value.issues if i["severity"] == "error"} == {"amount_not_a_number", "date_invalid"}
    assert "decimal_error.ofx" in refused.value.user_message and refused.value.exit_code == 2
    assert _count(book, BankAccount) == 0 and _count(book, StatementLine) == 0


def test_bank_error_file_is_refused(book) -> None:
    """error_message.ofx is refused with the bank's code and message."""
    with pytest.raises(StatementRejected, match="2000, General Server Error"):
        import_statement_file(book, OFX_DIR / "error_message.ofx")


def test_file_for_another_account_is_refused(book, write_file) -> None:
    """A statement whose account number differs from the named account is refused, naming both endings."""
    import_statement_file(book, OFX_DIR / "checking.ofx", account_name="Operating")
    with pytest.raises(UsageError, match="…5678.*'Operating' is account …87~7"):
        import_statement_file(book, OFX_DIR / "bank_medium.ofx", account_name="Operating")


def test_account_number_is_not_stored_in_clear(book) -> None:
    """Only a hash and the last four characters of the card number reach the book."""
    import_statement_file(book, OFX_DIR / "anzcc.ofx")
    with book.read() as s:
        account = s.scalars(sa.select(BankAccount)).one()
        dumped = json.dumps([str(v) for v in vars(account).values()])
    assert account.kind.value == "card" and account.ref_hint == "1234" and account.currency == "AUD"
    assert "1234123412341234" not in dumped


def test_import_is_audit_logged(book) -> None:
    """Each import leaves one audit entry with the file name and counts."""
    import_statement_file(book, OFX_DIR / "checking.ofx", actor="dana")
    with book.read() as s:
        entry = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "statements.imported")).one()
    assert entry.actor == "dana" and json.loads(entry.detail_json)["new"] == 3
