"""First run: "Try with demo data" — a demo company, a QBO sandbox inside the app, ready to sync.

:func:`prepare_demo_book` (a task-runner job) creates the demo trucking company's book with the
sync engine's demo-data function (``sync.demo.data.create_demo_book``, what
``bookbridge demo-data`` runs), or reuses the one made on an earlier try, and gives it a card
statement for its last month so the Reconcile page has lines to match. The window then opens
the book and connects it to an in-app QuickBooks Online sandbox
(:meth:`~bookbridge.ui.sandboxes.SandboxHost.connect_book`); the newcomer lands on the Sync page
with everything in place, well within a minute.

The demo book lives in the application's data folder and uses the documented demo passphrase
(``bookbridge demo --help``): it is a throwaway company, not a place for real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import QObject, Signal

from bookbridge.core.paths import data_dir
from bookbridge.reconcile.matching.service import run_matching
from bookbridge.reconcile.statements.service import import_statement_file
from bookbridge.store.book import Book, open_book
from bookbridge.store.models import BankAccount, Expense, PaymentMethod, Vendor
from bookbridge.sync.demo.data import create_demo_book, demo_months
from bookbridge.sync.demo.headless import CONNECTION, DEMO_PASSPHRASE
from bookbridge.ui.tasks import TaskHandle

DEMO_FILE = "Sandbox Trucking demo.bbk"
CARD = "Visa 4444"  # the demo company's Visa card (its fuel card has no statement here)
CARD_ACCOUNT = "Visa 4444"
DEMO_BANK_FEE = ("-35.00", "CARD ANNUAL FEE")  # a line with no expense: something to explain


@dataclass(frozen=True)
class DemoBook:
    """The opened demo book and whether it was made just now."""

    book: Book
    created: bool
    connection: str = CONNECTION


def demo_path() -> Path:
    return data_dir() / "demo" / DEMO_FILE


def _ofx(rows: list[tuple[date, str, str, str]], start: date, end: date) -> str:
    """A credit-card OFX 1.02 statement (``rows``: date, signed amount, bank id, payee)."""
    body = "".join(f"<STMTTRN><TRNTYPE>{'DEBIT' if a.startswith('-') else 'CREDIT'}<DTPOSTED>{d:%Y%m%d}120000"
                   f"<TRNAMT>{a}<FITID>{f}<NAME>{n[:32]}</STMTTRN>\n" for d, a, f, n in rows)
    return ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
            "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1"
            "<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>4111111111114444"
            f"</CCACCTFROM>\n<BANKTRANLIST><DTSTART>{start:%Y%m%d}<DTEND>{end:%Y%m%d}\n{body}</BANKTRANLIST>"
            f"</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n")


def add_demo_statement(book: Book, folder: Path, *, today: date | None = None, actor: str = "demo") -> int:
    """Import the Visa statement of the demo's last month (its Visa expenses, plus a fee) and match it.

    Returns the number of new lines (0 when the book already has statements).
    """
    from bookbridge.core import clock

    with book.read() as session:
        if session.scalar(sa.select(sa.func.count()).select_from(BankAccount)):
            return 0
        start, end = demo_months(today or clock.today())
        month_start = end.replace(day=1)
        rows = session.execute(
            sa.select(Expense.id, Expense.txn_date, Expense.amount_minor, sa.func.coalesce(Vendor.name, Expense.vendor_raw))
            .outerjoin(Vendor, Vendor.id == Expense.vendor_id)
            .where(Expense.payment_method == PaymentMethod.COMPANY_CARD, Expense.card == CARD, Expense.currency == "USD",
                   Expense.txn_date >= month_start, Expense.txn_date <= end)
            .order_by(Expense.txn_date, Expense.id)).all()
    # Card networks post a day or two after the purchase and print the merchant their own way.
    lines = [(min(end, day + timedelta(days=expense_id % 3)), _signed(minor), f"DEMO-{expense_id}",
              f"{(name or 'CARD PURCHASE').upper()} #{expense_id % 997:03d}") for expense_id, day, minor, name in rows]
    lines.append((end, DEMO_BANK_FEE[0], "DEMO-FEE", DEMO_BANK_FEE[1]))
    path = folder / f"demo-card-{month_start:%Y-%m}.ofx"
    path.write_text(_ofx(lines, month_start, end), encoding="ascii", errors="replace")
    result = import_statement_file(book, path, account_name=CARD_ACCOUNT, actor=actor)
    run_matching(book, period=f"{month_start:%Y-%m}", actor=actor)
    return result.new


def _signed(minor: int) -> str:
    """An expense's amount as the card statement shows it: money out is negative (exact, no float)."""
    sign = "-" if minor > 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def prepare_demo_book(path: Path | None = None, *, today: date | None = None):
    """A task-runner job: create (or reuse) the demo book, add its statement, open it."""
    def job(progress, cancel) -> DemoBook:
        target = Path(path) if path is not None else demo_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        created = not target.exists()
        if created:
            progress("Creating the demo trucking company")
            create_demo_book(target, DEMO_PASSPHRASE, today=today)
        progress("Opening the demo book")
        book = open_book(target, DEMO_PASSPHRASE)
        progress("Adding a card statement to reconcile")
        add_demo_statement(book, target.parent, today=today)
        return DemoBook(book, created)
    return job


class DemoStarter(QObject):
    """Runs the first-run demo for a main window: book, sandbox connection, then the Sync page.

    Signals:
        ready(object): the :class:`DemoBook`, once connected and shown.
        step(str): what is happening, for the status bar.
    """

    ready = Signal(object)
    step = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.handle: TaskHandle | None = None  # set while the demo is being prepared

    def start(self, path: Path | None = None, *, today: date | None = None):
        """Create or reuse the demo book, open it, connect the in-app sandbox, go to Sync."""
        if self.handle is not None:
            return self.handle
        self.step.emit("Preparing the demo company…")
        handle = self.window.runner.submit("Preparing the demo", prepare_demo_book(path, today=today))
        handle.progressed.connect(lambda report: self.step.emit(report.step))
        handle.succeeded.connect(self._opened)
        handle.failed.connect(self._failed)
        self.handle = handle
        return handle

    def _opened(self, demo: DemoBook) -> None:
        from bookbridge.ui.dialogs.connect_dialog import sandbox_job
        from bookbridge.ui.tasks import Lane

        self.window.set_book(demo.book)
        self.step.emit("Starting the QuickBooks Online sandbox inside Bookbridge…")
        handle = self.window.runner.submit(
            "Connecting the demo to the sandbox",
            sandbox_job(demo.book, self.window.ctx, demo.connection, self.window.ctx.actor()), lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(lambda _name: self._connected(demo))
        handle.failed.connect(self._failed)

    def _connected(self, demo: DemoBook) -> None:
        self.handle = None
        self.window.ctx.notify_changed("connections")
        self.window.go_to("sync")
        self.step.emit("Demo ready: the book is connected to a sandbox. Press Sync now (F9).")
        self.ready.emit(demo)

    def _failed(self, exc: BaseException) -> None:
        from bookbridge.ui.errors import show_error

        self.handle = None
        show_error(self.window, exc)
