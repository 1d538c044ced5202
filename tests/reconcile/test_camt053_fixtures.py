"""camt.053: every genkgo fixture on its own, plus small files of ours for batches, reversals,
pending entries, precision and unsafe or truncated XML."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bookbridge.reconcile.statements.camt053 import read_camt053
from bookbridge.reconcile.statements.checks import BalanceOutcome, check_balance
from bookbridge.reconcile.statements.reader import read_statement_file

from recon_helpers import CAMT_DIR


def _read(name: str):
    return read_statement_file(CAMT_DIR / name)


def test_minimal_v2_one_credit_and_a_foreign_closing_balance_ignored() -> None:
    """v2 minimal: one +8.85 EUR credit from NAME NAME; the SEK closing balance is ignored with a warning."""
    parsed = _read("camt053.v2.minimal.xml")
    assert parsed.ok
    (statement,) = parsed.statements
    assert statement.currency == "EUR" and statement.account.hint == "6890"
    assert statement.statement_id == "253EURNL26VAYB8060476890" and statement.sequence == "12312"
    (line,) = statement.lines
    assert (line.booked_date, line.value_date, line.amount.amount) == (date(2014, 12, 31), date(2015, 1, 2), Decimal("8.85"))
    assert line.payee == "NAME NAME" and line.reference == "4654654654654654" and line.bank_id is None
    assert statement.opening.amount == Decimal("18.15") and statement.closing is None
    assert [w.code for w in parsed.warnings] == ["balance_currency_mismatch"]
    assert "SEK" in parsed.warnings[0].message


def test_multi_statement_file_gives_two_balanced_statements() -> None:
    """Two <Stmt> blocks: 18.15 + 8.85 = 27.00, then 27.00 - 7.00 = 20.00; both balance."""
    parsed = _read("camt053.v2.multi.statement.xml")
    assert parsed.ok and parsed.issues == ()
    first, second = parsed.statements
    assert [first.statement_id, second.statement_id] == ["253EURNL26VAYB8060476890", "254EURNL26VAYB8060476890"]
    assert [line.amount.amount for line in first.lines] == [Decimal("8.85")]
    assert [line.amount.amount for line in second.lines] == [Decimal("-7.00")]
    assert second.lines[0].payee == "Company Name 2" and second.lines[0].memo == "Transaction Description 2"
    assert [check_balance(s).outcome for s in (first, second)] == [BalanceOutcome.OK, BalanceOutcome.OK]
    assert (second.opening.amount, second.closing.amount) == (Decimal("27.00"), Decimal("20.00"))


def test_five_decimals_fixture_is_exact_and_its_balance_mismatch_reported() -> None:
    """18.150/8.850/27.050 carry only zeros beyond cents: kept exactly; 18.15 + 8.85 != 27.05 is a mismatch."""
    parsed = _read("camt053.v2.five.decimals.xml")
    assert parsed.ok
    (statement,) = parsed.statements
    assert statement.lines[0].amount.amount == Decimal("8.85")
    check = check_balance(statement)
    assert check.outcome is BalanceOutcome.MISMATCH and check.difference.amount == Decimal("0.05")
    assert "27.05" in check.message


def test_v8_reads_acctsvcrref_status_code_and_pty_names() -> None:
    """v8: Sts/Cd, BookgDt/DtTm, Pty-wrapped names, AcctSvcrRef as bank id, currency from the entries."""
    parsed = _read("camt053.v8.xml")
    assert parsed.ok
    (statement,) = parsed.statements
    assert statement.currency == "EUR" and statement.account.institution == "AAAA BANKEN"
    (line,) = statement.lines
    assert line.bank_id == "AAAASESS-FP-CN_98765/01" and line.bank_id_kind == "acct_svcr_ref"
    assert line.booked_date == date(2014, 12, 31) and line.amount.amount == Decimal("8.85")
    assert line.payee == "NAME NAME" and line.txn_type == "PMNT/RCDT/BOOK"
    assert [w.code for w in parsed.warnings] == ["balance_currency_mismatch"]


def test_wrong_file_without_statement_is_refused() -> None:
    """camt053.v2.wrong.xml has a group header and no <Stmt>: refused with a message naming the file."""
    parsed = _read("camt053.v2.wrong.xml")
    assert not parsed.ok and parsed.statements == ()
    (issue,) = parsed.errors
    assert issue.code == "no_statement" and issue.render(parsed.file_name).startswith("camt053.v2.wrong.xml: ")


# --- files of our own -----------------------------------------------------------------------------

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>T1</MsgId><CreDtTm>2026-02-01T08:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>{ccy}</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{opening}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-31</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-02-01</Dt></Dt></Bal>
"""
TAIL = "</Stmt></BkToCstmrStmt></Document>"


def _entry(amount: str, sign: str, *, ref: str = "", status: str = "BOOK", reversal: bool = False,
           details: str = "", ccy: str = "EUR") -> str:
    return (f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
            f"{'<RvslInd>true</RvslInd>' if reversal else ''}<Sts><Cd>{status}</Cd></Sts>"
            f"<BookgDt><Dt>2026-02-01</Dt></BookgDt>{f'<AcctSvcrRef>{ref}</AcctSvcrRef>' if ref else ''}"
            f"<NtryDtls>{details}</NtryDtls></Ntry>")


def _tx(amount: str, name: str, e2e: str) -> str:
    return (f'<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
            f"<RltdPties><Cdtr><Pty><Nm>{name}</Nm></Pty></Cdtr></RltdPties></TxDtls>")


def _camt(*entries: str, opening: str = "500.00", closing: str = "500.00", ccy: str = "EUR") -> bytes:
    return (HEAD.format(ccy=ccy, opening=opening, closing=closing) + "".join(entries) + TAIL).encode()


def test_batch_entry_is_split_into_its_transactions() -> None:
    """A 300.00 batch debit with three TxDtls becomes three lines with their own payees and ids."""
    batch = _entry("300.00", "DBIT", ref="B-77", details=_tx("100.00", "Acme Fuel", "E1") + _tx("150.00", "Road Tolls", "E2")
                   + _tx("50.00", "Tyre Shop", "E3"))
    parsed = read_camt053(_camt(batch, closing="200.00"), "batch.xml")
    assert parsed.ok and parsed.issues == ()
    lines = parsed.statements[0].lines
    assert [(ln.amount.amount, ln.payee, ln.bank_id, ln.reference) for ln in lines] == [
        (Decimal("-100.00"), "Acme Fuel", "B-77/1", "E1"),
        (Decimal("-150.00"), "Road Tolls", "B-77/2", "E2"),
        (Decimal("-50.00"), "Tyre Shop", "B-77/3", "E3"),
    ]
    assert check_balance(parsed.statements[0]).outcome is BalanceOutcome.OK


def test_batch_that_does_not_add_up_stays_one_line() -> None:
    """Transactions summing to 250.00 under a 300.00 entry: kept as one line, with a warning."""
    batch = _entry("300.00", "DBIT", ref="B-78", details=_tx("100.00", "A", "E1") + _tx("150.00", "B", "E2"))
    parsed = read_camt053(_camt(batch, closing="200.00"), "batch.xml")
    (line,) = parsed.statements[0].lines
    assert line.amount.amount == Decimal("-300.00") and line.bank_id == "B-78"
    assert [w.code for w in parsed.warnings] == ["batch_not_split"]


def test_reversal_keeps_iso_sign_and_is_flagged() -> None:
    """A reversed 40.00 debit arrives as CRDT with RvslInd: +40.00, flagged as a reversal."""
    parsed = read_camt053(_camt(_entry("40.00", "DBIT", ref="R1"), _entry("40.00", "CRDT", ref="R2", reversal=True)), "rev.xml")
    first, second = parsed.statements[0].lines
    assert (first.amount.amount, first.is_reversal) == (Decimal("-40.00"), False)
    assert (second.amount.amount, second.is_reversal) == (Decimal("40.00"), True)
    assert check_balance(parsed.statements[0]).outcome is BalanceOutcome.OK


def test_pending_entry_is_skipped_with_a_warning() -> None:
    """Only booked entries are lines: a PDNG entry is left out and said so."""
    parsed = read_camt053(_camt(_entry("10.00", "DBIT", ref="P1", status="PDNG"), _entry("10.00", "DBIT", ref="B1"),
                                closing="490.00"), "pending.xml")
    assert [ln.bank_id for ln in parsed.statements[0].lines] == ["B1"]
    assert [w.code for w in parsed.warnings] == ["entry_not_booked"]


@pytest.mark.parametrize(("amount", "currency"), [("18.155", "EUR"), ("2700.5", "JPY")])
def test_more_decimals_than_the_currency_allows_is_refused(amount: str, currency: str) -> None:
    """A non-zero digit beyond the minor unit refuses the file: bank amounts are never rounded."""
    parsed = read_camt053(_camt(_entry(amount, "DBIT", ref="X", ccy=currency), opening="0", closing="0", ccy=currency), "odd.xml")
    assert not parsed.ok and [e.code for e in parsed.errors] == ["amount_too_precise"]
    assert amount in parsed.errors[0].message and "never rounds" in parsed.errors[0].message


def test_truncated_xml_is_refused_with_its_position() -> None:
    """A camt file cut in the middle is reported as damaged or truncated, with line and column."""
    data = (CAMT_DIR / "camt053.v8.xml").read_bytes()
    parsed = read_camt053(data[:3000], "cut.xml")
    assert [e.code for e in parsed.errors] == ["not_xml"] and "line" in parsed.errors[0].message


def test_entity_expansion_is_refused() -> None:
    """defusedxml refuses a document that declares entities (billion laughs and friends)."""
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>'
    parsed = read_camt053(bomb, "bomb.xml")
    assert [e.code for e in parsed.errors] == ["unsafe_xml"]


def test_other_iso20022_message_is_not_a_statement() -> None:
    """A camt.054 notification is refused as not being a camt.053 statement."""
    data = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/></Document>'
    parsed = read_camt053(data, "notice.xml")
    assert [e.code for e in parsed.errors] == ["not_camt053"] and "camt.054" in parsed.errors[0].message
