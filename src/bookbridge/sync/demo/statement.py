"""The demo company's Visa card statement for its last month: built, imported and matched.

Used by both demos: the desktop one (``ui.demo_session``) gives its book this statement so the
Reconcile page has lines to match, and ``bookbridge demo --headless`` imports it after the sync and
goes on to the month end (:mod:`bookbridge.sync.demo.month_end`).

The statement is what the card issuer would send: one line per charge of the month that our
journal carries (approved, queued or posted; skipped personal spend and an unmapped charge would
be on a real statement too, but then the demo's tie-out could never agree), posted a day or two
after the purchase under the issuer's spelling of the merchant, plus two bank charges that no
expense stands behind. Those stay unmatched, as on any real card statement, until a bookkeeper
explains them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.core.money import Money, total
from bookbridge.reconcile.matching.service import MatchRun, run_matching
from bookbridge.reconcile.periods import Period
from bookbridge.reconcile.statements.service import import_statement_file
from bookbridge.reconcile.tieout import JOURNAL_STATUSES
from bookbridge.store.book import Book
from bookbridge.store.models import BankAccount, Expense, PaymentMethod, Vendor
from bookbridge.sync.demo.data import demo_months

CARD = "Visa 4444"  # the demo company's Visa card (its Comdata fuel card has no statement here)
CARD_ACCOUNT = "Visa 4444"  # the statement account's name in the book
CARD_NUMBER = "4111111111114444"  # a well-known test card number, not a real one


@dataclass(frozen=True, slots=True)
class DemoFee:
    """A bank charge on the card statement with no expense behind it.

    Attributes:
        amount: signed, as the statement prints it (money out is negative).
        payee: the statement's text.
        bank_id: the line's FITID.
        explanation: what the headless demo's bookkeeper records for it; ``None`` leaves the
            line unmatched, for the newcomer to explain (``bookbridge match explain``).
    """

    amount: str
    payee: str
    bank_id: str
    explanation: str | None


DEMO_FEES = (
    DemoFee("-35.00", "CARD ANNUAL FEE", "DEMO-FEE",
            "Visa annual fee: a bank charge with no expense behind it; booked to bank charges from the statement"),
    DemoFee("-12.46", "INTEREST CHARGE ON PURCHASES", "DEMO-INTEREST", None),
)


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One line of the demo statement."""

    day: date
    amount: str  # signed decimal text, exactly as OFX carries it
    bank_id: str
    payee: str


@dataclass(frozen=True, slots=True)
class DemoStatement:
    """What adding the demo statement did (``path`` is None when the book already had one)."""

    period: Period
    path: Path | None
    new_lines: int
    matching: MatchRun | None


def statement_period(today: date | None = None) -> Period:
    """The month the demo statement covers: the last of the demo's two months."""
    last_day = demo_months(today or clock.today())[1]
    return Period(last_day.year, last_day.month)


def signed_amount(minor: int, currency: str = "USD") -> str:
    """An expense's amount as the card statement shows it: money out is negative (exact, no float)."""
    return format(Money.from_minor(-minor, currency).amount, "f")


def card_rows(book: Book, period: Period) -> list[StatementRow]:
    """The month's card charges our journal carries, as the issuer posts them, then the fees."""
    with book.read() as session:
        rows = session.execute(
            sa.select(Expense.id, Expense.txn_date, Expense.amount_minor, sa.func.coalesce(Vendor.name, Expense.vendor_raw))
            .outerjoin(Vendor, Vendor.id == Expense.vendor_id)
            .where(Expense.payment_method == PaymentMethod.COMPANY_CARD, Expense.card == CARD, Expense.currency == "USD",
                   Expense.status.in_(JOURNAL_STATUSES), Expense.txn_date >= period.start, Expense.txn_date <= period.end)
            .order_by(Expense.txn_date, Expense.id)).all()
    # Card networks post a day or two after the purchase and print the merchant their own way:
    # the matcher has to work with a date window and payee similarity, as with a real statement.
    lines = [StatementRow(min(period.end, day + timedelta(days=expense_id % 3)), signed_amount(minor),
                          f"DEMO-{expense_id}", f"{(name or 'CARD PURCHASE').upper()} #{expense_id % 997:03d}")
             for expense_id, day, minor, name in rows]
    lines += [StatementRow(period.end, fee.amount, fee.bank_id, fee.payee) for fee in DEMO_FEES]
    return lines


def card_ofx(rows: list[StatementRow], period: Period) -> str:
    """A credit-card OFX 1.02 statement of ``rows`` whose closing balance is their sum.

    The card was paid off at the end of the previous month, so the month's lines are the whole
    balance: the import can check the closing balance against them.
    """
    closing = total((Money.parse(row.amount, "USD") for row in rows), "USD")
    body = "".join(f"<STMTTRN><TRNTYPE>{'DEBIT' if r.amount.startswith('-') else 'CREDIT'}<DTPOSTED>{r.day:%Y%m%d}120000"
                   f"<TRNAMT>{r.amount}<FITID>{r.bank_id}<NAME>{r.payee[:32]}</STMTTRN>\n" for r in rows)
    return ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
            "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1"
            f"<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>{CARD_NUMBER}"
            f"</CCACCTFROM>\n<BANKTRANLIST><DTSTART>{period.start:%Y%m%d}<DTEND>{period.end:%Y%m%d}\n{body}</BANKTRANLIST>"
            f"<LEDGERBAL><BALAMT>{format(closing.amount, 'f')}<DTASOF>{period.end:%Y%m%d}</LEDGERBAL>"
            "</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n")


def has_card_statement(book: Book) -> bool:
    """Whether the demo card's statement account exists already (an earlier run imported it)."""
    with book.read() as session:
        return session.scalar(sa.select(BankAccount.id).where(BankAccount.name == CARD_ACCOUNT)) is not None


def add_demo_statement(
    book: Book, folder: Path, *, today: date | None = None, actor: str = "demo", auto: bool = False,
) -> DemoStatement:
    """Write the demo card statement of the last month into ``folder``, import it and match it.

    Does nothing when the book already has the card's statement account: the demo book is
    reused between runs, and its lines keep the matches and explanations made on them.

    Args:
        auto: accept the matcher's auto band at once (the headless demo); without it the
            proposals wait as suggestions for a person (the desktop demo's Reconcile page).
    """
    period = statement_period(today)
    if has_card_statement(book):
        return DemoStatement(period, None, 0, None)
    path = Path(folder) / f"demo-card-{period.label}.ofx"
    path.write_text(card_ofx(card_rows(book, period), period), encoding="ascii", errors="replace")
    result = import_statement_file(book, path, account_name=CARD_ACCOUNT, actor=actor)
    matching = run_matching(book, period=period.label, account_name=CARD_ACCOUNT, auto=auto, actor=actor)
    return DemoStatement(period, path, result.new, matching)
