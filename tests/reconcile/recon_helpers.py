"""Building expenses and reference data in a real book for the reconcile tests."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from pathlib import Path

from bookbridge.store.models import Employee, Expense, ExpenseStatus, PaymentMethod, Vendor

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
OFX_DIR = FIXTURES / "ofxparse"
CAMT_DIR = FIXTURES / "camt053-genkgo"
_keys = itertools.count(1)


def add_vendor(session, name: str) -> Vendor:
    vendor = Vendor(name=name, norm_key=name.lower(), created_at=datetime.now(timezone.utc))
    session.add(vendor)
    session.flush()
    return vendor


def add_employee(session, name: str) -> Employee:
    employee = Employee(name=name, norm_key=name.lower())
    session.add(employee)
    session.flush()
    return employee


def add_expense(
    session,
    amount_minor: int,
    day: date,
    *,
    vendor: Vendor | None = None,
    vendor_raw: str | None = None,
    method: PaymentMethod = PaymentMethod.BANK,
    currency: str = "USD",
    employee: Employee | None = None,
    card: str | None = None,
    report_id: str | None = None,
    category_raw: str | None = None,
    original: tuple[int, str] | None = None,
    status: ExpenseStatus = ExpenseStatus.APPROVED,
    reference: str | None = None,
) -> Expense:
    """One expense as the importer would have stored it (only the fields matching reads)."""
    n = next(_keys)
    expense = Expense(
        key=f"test:{n}", source_system="test", source_id=str(n), occurrence_index=0, content_hash=f"{n:064d}",
        txn_date=day, amount_minor=amount_minor, currency=currency, payment_method=method,
        vendor_id=vendor.id if vendor else None, vendor_raw=vendor_raw or (vendor.name if vendor else None),
        employee_id=employee.id if employee else None, card=card, report_id=report_id, category_raw=category_raw,
        original_amount_minor=original[0] if original else None, original_currency=original[1] if original else None,
        status=status, reference=reference, created_at=datetime.now(timezone.utc),
    )
    session.add(expense)
    session.flush()
    return expense


def ofx_text(lines: list[tuple[str, str, str, str]], *, card: bool = False, account: str = "000123456789",
             closing: str = "0.00", start: str = "20260101", end: str = "20260131") -> str:
    """A small OFX 1.02 statement; ``lines`` are (YYYYMMDD, amount, FITID, NAME)."""
    body = "\n".join(f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{d}<TRNAMT>{a}<FITID>{f}<NAME>{n}</STMTTRN>"
                     for d, a, f, n in lines)
    wrapper, rs, acct = (("CREDITCARDMSGSRSV1", "CCSTMT", f"<CCACCTFROM><ACCTID>{account}</CCACCTFROM>") if card else
                         ("BANKMSGSRSV1", "STMT", f"<BANKACCTFROM><BANKID>021000021<ACCTID>{account}"
                                                  "<ACCTTYPE>CHECKING</BANKACCTFROM>"))
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        f"<OFX><{wrapper}><{rs}TRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        f"<{rs}RS><CURDEF>USD{acct}<BANKTRANLIST><DTSTART>{start}<DTEND>{end}\n{body}\n</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{closing}<DTASOF>{end}</LEDGERBAL></{rs}RS></{rs}TRNRS></{wrapper}></OFX>\n"
    )
