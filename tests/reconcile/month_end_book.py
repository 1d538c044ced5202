"""A small, realistic January 2026 for the month-end tests, built through the real services.

A haulage company (home USD) with one Visa card (…4444) and one operating bank account:

* six expenses: four on the card (fuel, tolls, fuel, meals), one hotel paid by a driver and
  reimbursed from the bank, one diner lunch paid from the bank;
* the "Fleet" template codes them (card → 2210, reimbursable → 2100, bank → 1000), no approval
  policy, so coding approves them;
* "posting" writes what the sync engine leaves behind (outbox rows marked posted, a sync run)
  with the committed models, because the engine itself lives in another package;
* two OFX statements (card and bank) are imported with the statements service, matched with the
  matcher (every proposal accepted) and the two remaining lines explained.

Each step is a function so a test can stop early or change one thing.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.core.keys import sha256_hex, short_key
from bookbridge.core.money import Money
from bookbridge.store.models import (
    Category, Connection, Employee, Expense, ExpenseReceipt, ExpenseStatus, OutboxExpense, OutboxItem, OutboxStatus,
    PaymentMethod, Receipt, RemoteState, RunStatus, StatementLine, SyncRun, Vendor,
)

PERIOD = "2026-01"
AFTER_CLOSE = datetime(2026, 2, 6, 9, 30, tzinfo=timezone.utc)

TEMPLATE = """\
template: Fleet
effective_from: 2025-12-01
credit_accounts: {company_card: "2210", reimbursable: "2100", bill: "2000", bank: "1000"}
cards: {Visa 4444: "2210"}
mappings:
  - category: Fuel
    account: "6100"
  - category: Tolls
    account: "6200"
  - category: Meals
    account: "6400"
  - category: Lodging
    account: "6500"
"""


@dataclass(frozen=True)
class Spend:
    """One expense of the month, as a source system reported it."""

    day: date
    vendor: str
    category: str
    amount: str
    method: str
    employee: str | None = None
    receipt: bool = False


SPENDS = [
    Spend(date(2026, 1, 5), "Shell", "Fuel", "85.40", "company_card", receipt=True),
    Spend(date(2026, 1, 7), "E-ZPass", "Tolls", "12.50", "company_card"),
    Spend(date(2026, 1, 10), "Hilton Garden Inn", "Lodging", "210.00", "reimbursable", employee="Dana Reyes",
          receipt=True),
    Spend(date(2026, 1, 12), "Joe's Diner", "Meals", "48.20", "bank"),
    Spend(date(2026, 1, 20), "Pilot Flying J", "Fuel", "120.00", "company_card"),  # no receipt: over 75.00
    Spend(date(2026, 1, 22), "Starbucks", "Meals", "23.99", "company_card"),
]


@dataclass
class MonthBook:
    """Ids the tests need to find things again."""

    book: object
    folder: Path
    expense_ids: list[int] = field(default_factory=list)
    receipt_ids: list[int] = field(default_factory=list)
    line_ids: dict[str, int] = field(default_factory=dict)

    def expense(self, vendor: str) -> int:
        return self.expense_ids[[s.vendor for s in SPENDS].index(vendor)]


def _named(session, model, name: str) -> int:
    key = " ".join(name.split()).casefold()
    found = session.scalars(sa.select(model.id).where(model.norm_key == key)).first()
    if found is not None:
        return found
    extra = {"created_at": clock.now()} if model is Vendor else {}
    row = model(name=name, norm_key=key, **extra)
    session.add(row)
    session.flush()
    return row.id


def receipt_png(label: str, size: tuple[int, int] = (360, 640)) -> bytes:
    """A receipt-like PNG: white paper, dark text lines, a dark total bar (so renders are not blank)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), label, fill="black")
    for row in range(80, size[1] - 120, 28):
        draw.rectangle((20, row, size[0] - 40 - (row % 90), row + 10), fill=(60, 60, 60))
    draw.rectangle((20, size[1] - 90, size[0] - 20, size[1] - 40), fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def add_expenses(month: MonthBook, spends: list[Spend] = SPENDS) -> None:
    """Insert the month's expenses as the importer leaves them (status imported)."""
    with month.book.unit_of_work() as session:
        for n, spend in enumerate(spends, start=1):
            money = Money.parse(spend.amount, "USD")
            expense = Expense(
                key=f"{spend.day.isoformat()}-{n:03d}", source_system="fleetcard", source_id=f"T-{n:04d}",
                content_hash=short_key(spend.vendor, spend.amount, length=64), txn_date=spend.day,
                vendor_id=_named(session, Vendor, spend.vendor), vendor_raw=spend.vendor,
                category_id=_named(session, Category, spend.category), category_raw=spend.category,
                employee_id=_named(session, Employee, spend.employee) if spend.employee else None,
                amount_minor=money.minor_units(), currency="USD", payment_method=PaymentMethod(spend.method),
                card="Visa 4444" if spend.method == "company_card" else None, created_at=clock.now(),
            )
            session.add(expense)
            session.flush()
            month.expense_ids.append(expense.id)
            if spend.receipt:
                content = receipt_png(f"{spend.vendor} {spend.amount}")
                receipt = Receipt(sha256=sha256_hex(content), file_name=f"T-{n:04d}.png", mime_type="image/png",
                                  size=len(content), content=content, created_at=clock.now())
                session.add(receipt)
                session.flush()
                session.add(ExpenseReceipt(expense_id=expense.id, receipt_id=receipt.id))
                month.receipt_ids.append(receipt.id)


def code_and_approve(month: MonthBook) -> None:
    """Publish the template and code every expense (no approval policy: coding approves)."""
    from bookbridge.coding.service import code_expenses
    from bookbridge.coding.templates import get_template, publish, save_draft
    from bookbridge.coding.yaml_io import load_template

    spec, issues = load_template(TEMPLATE)
    assert spec is not None, issues
    with month.book.unit_of_work() as session:
        save_draft(session, spec, actor="Tess Template", source_text=TEMPLATE)
        publish(session, get_template(session, spec.name), actor="Tess Template", note="January chart")
    code_expenses(month.book, actor="Tess Template")


def post_all(month: MonthBook, *, only: list[int] | None = None) -> None:
    """Record what a completed sync run leaves: posted outbox rows, posted expenses, the run."""
    with month.book.unit_of_work() as session:
        connection = session.scalars(sa.select(Connection)).first()
        if connection is None:
            connection = Connection(name="main", provider="qbo", base_url="http://127.0.0.1:1", company_ref="9130",
                                    created_at=clock.now())
            session.add(connection)
            session.flush()
        run = SyncRun(id=short_key("run", str(len(month.expense_ids))), connection_id=connection.id,
                      status=RunStatus.COMPLETED, actor="Sam Sync", pid=4242, host="office-pc",
                      started_at=datetime(2026, 2, 2, 8, 0, tzinfo=timezone.utc),
                      finished_at=datetime(2026, 2, 2, 8, 1, tzinfo=timezone.utc), api_calls=7)
        session.add(run)
        posted = 0
        for expense in session.scalars(sa.select(Expense).order_by(Expense.id)):
            if (only is not None and expense.id not in only) or expense.status is not ExpenseStatus.APPROVED:
                continue
            kind = "journal_entry" if expense.payment_method is PaymentMethod.REIMBURSABLE else "purchase"
            row = OutboxItem(
                connection_id=connection.id, entry_key=short_key("entry", expense.key, length=64),
                key=short_key("key", expense.key), doc_kind=kind, doc_number=f"BB-{expense.id:04d}",
                txn_date=expense.txn_date, currency=expense.currency, amount_minor=expense.amount_minor,
                document_json="{}", payload_json="{}", payload_hash=sha256_hex(expense.key),
                status=OutboxStatus.POSTED, remote_id=str(100 + expense.id), remote_state=RemoteState.LIVE,
                created_at=clock.now(), updated_at=clock.now(), posted_at=clock.now(), last_run_id=run.id,
            )
            session.add(row)
            session.flush()
            session.add(OutboxExpense(outbox_id=row.id, expense_id=expense.id))
            expense.status = ExpenseStatus.POSTED
            posted += 1
        run.posted = posted


def _ofx(kind: str, account: str, rows: list[tuple[str, str, str, str]], closing: str) -> str:
    """An OFX 1.02 SGML statement for January 2026 (``rows``: date, amount, fitid, name)."""
    transactions = "".join(
        f"<STMTTRN><TRNTYPE>{'DEBIT' if amount.startswith('-') else 'CREDIT'}<DTPOSTED>{day}120000"
        f"<TRNAMT>{amount}<FITID>{fitid}<NAME>{name}</STMTTRN>\n" for day, amount, fitid, name in rows)
    if kind == "card":
        wrapper = ("CREDITCARDMSGSRSV1", "CCSTMTTRNRS", "CCSTMTRS", f"<CCACCTFROM><ACCTID>{account}</CCACCTFROM>")
    else:
        wrapper = ("BANKMSGSRSV1", "STMTTRNRS", "STMTRS",
                   f"<BANKACCTFROM><BANKID>021000021<ACCTID>{account}<ACCTTYPE>CHECKING</BANKACCTFROM>")
    msgs, trnrs, stmtrs, acct = wrapper
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260201120000"
        "<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>\n"
        f"<{msgs}><{trnrs}><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><{stmtrs}><CURDEF>USD{acct}\n"
        f"<BANKTRANLIST><DTSTART>20260101<DTEND>20260131\n{transactions}</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{closing}<DTASOF>20260131</LEDGERBAL></{stmtrs}></{trnrs}></{msgs}></OFX>\n"
    )


CARD_ROWS = [
    ("20260106", "-85.40", "C-0106-1", "SHELL"),
    ("20260108", "-12.50", "C-0108-1", "E-ZPASS"),
    ("20260121", "-120.00", "C-0121-1", "PILOT FLYING J"),
    ("20260123", "-23.99", "C-0123-1", "STARBUCKS"),
    ("20260128", "241.89", "C-0128-1", "PAYMENT THANK YOU"),
]
BANK_ROWS = [
    ("20260113", "-48.20", "B-0113-1", "JOES DINER"),
    ("20260113", "-210.00", "B-0113-2", "DANA REYES"),
    ("20260128", "-241.89", "B-0128-1", "VISA 4444 PAYMENT"),
    ("20260130", "-15.00", "B-0130-1", "MONTHLY SERVICE FEE"),
]


def import_statements(month: MonthBook, *, card_rows=CARD_ROWS, bank_rows=BANK_ROWS) -> None:
    """Import the card and bank statements for January through the statements service."""
    from bookbridge.reconcile.statements.service import import_statement_file

    card = month.folder / "visa-2026-01.ofx"
    card.write_text(_ofx("card", "4111111111114444", card_rows, "-0.00"))
    bank = month.folder / "operating-2026-01.ofx"
    bank.write_text(_ofx("bank", "000123456789", bank_rows, "4484.91"))
    import_statement_file(month.book, card, account_name="Visa 4444", actor="Rita Recon")
    import_statement_file(month.book, bank, account_name="Operating", actor="Rita Recon")
    with month.book.read() as session:
        for line in session.scalars(sa.select(StatementLine)):
            month.line_ids[line.bank_id] = line.id


def match_everything(month: MonthBook, *, explain: bool = True) -> None:
    """Run the matcher, accept every proposal, and explain the card payment and the bank fee."""
    from bookbridge.reconcile.matching import decisions
    from bookbridge.reconcile.matching.service import run_matching

    run = run_matching(month.book, period=PERIOD, auto=True, actor="Rita Recon")
    for proposal in run.matches:
        if proposal["status"] == "suggested":
            decisions.accept_match(month.book, int(proposal["match_id"]), actor="Rita Recon")
    if explain:
        decisions.explain_line(month.book, month.line_ids["C-0128-1"], actor="Rita Recon",
                               note="card repayment from the operating account")
        decisions.explain_line(month.book, month.line_ids["B-0130-1"], actor="Rita Recon", note="bank service fee")


def build_month(book, folder: Path, *, post: bool = True, match: bool = True) -> MonthBook:
    """The whole January, ready to sign off (unless told to stop short)."""
    month = MonthBook(book, folder)
    add_expenses(month)
    code_and_approve(month)
    if post:
        post_all(month)
    import_statements(month)
    if match:
        match_everything(month)
    return month


# --- fixtures: build January once per session, hand each test its own copy -------------------------

PASSPHRASE = "test passphrase 1234"  # the same as tests/conftest.py's TEST_PASSPHRASE (run_cli uses it)


def reload(book, folder: Path) -> MonthBook:
    """The ids of a built January, read back from a copy of its book."""
    month = MonthBook(book, folder)
    with book.read() as session:
        month.expense_ids = list(session.scalars(sa.select(Expense.id).where(Expense.key.like("2026-01-%"))
                                                 .order_by(Expense.key)))
        month.receipt_ids = list(session.scalars(sa.select(Receipt.id).order_by(Receipt.id)))
        month.line_ids = {bank_id: line_id for bank_id, line_id in session.execute(
            sa.select(StatementLine.bank_id, StatementLine.id))}
    return month


@pytest.fixture
def after_close():
    """The clock a few days after January closed (what the month-end tests assume)."""
    clock.set_clock(lambda: AFTER_CLOSE)
    yield AFTER_CLOSE
    clock.set_clock(None)


def _template(tmp_path_factory, name: str, **steps) -> Path:
    from bookbridge.store.book import create_book
    from bookbridge.store.engine import checkpoint

    folder = tmp_path_factory.mktemp(name)
    clock.set_clock(lambda: AFTER_CLOSE)
    try:
        with create_book(folder / "template.bbk", PASSPHRASE, company="Test Haulage Ltd") as book:
            build_month(book, folder, **steps)
            checkpoint(book.engine)
    finally:
        clock.set_clock(None)
    return folder / "template.bbk"


@pytest.fixture(scope="session")
def january_file(tmp_path_factory) -> Path:
    """A book file holding the finished January (built once per test session)."""
    return _template(tmp_path_factory, "january")


@pytest.fixture(scope="session")
def january_unmatched_file(tmp_path_factory) -> Path:
    """January posted but not matched yet (statements imported, matcher not run)."""
    return _template(tmp_path_factory, "january-unmatched", match=False)


def _open_copy(source: Path, target: Path) -> MonthBook:
    from bookbridge.store.book import open_book

    shutil.copyfile(source, target)
    book = open_book(target, PASSPHRASE)
    return reload(book, target.parent)


@pytest.fixture
def january(january_file: Path, tmp_path: Path, after_close) -> Iterator[MonthBook]:
    """A private copy of the finished January, open, with the clock after the close."""
    month = _open_copy(january_file, tmp_path / "company.bbk")
    yield month
    month.book.close()


@pytest.fixture
def january_unmatched(january_unmatched_file: Path, tmp_path: Path, after_close) -> Iterator[MonthBook]:
    month = _open_copy(january_unmatched_file, tmp_path / "company.bbk")
    yield month
    month.book.close()
