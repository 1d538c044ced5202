"""Gather one month into a frozen :class:`~bookbridge.reports.pack.model.PackSnapshot`.

This is the only part of the pack that reads the book. It checkpoints the book first so the
fingerprint on the cover is the SHA-256 of the file as it stands when the pack is made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import UsageError
from bookbridge.reconcile.checklist import build_checklist
from bookbridge.reconcile.periods import Period, period_state
from bookbridge.reconcile.ledger import LedgerSource, StoredLedgerSource
from bookbridge.reports.pack import sections
from bookbridge.reports.pack.model import Cover, PackSnapshot, ReceiptImage, Section, Table, amount_text
from bookbridge.store.book import Book, file_fingerprint
from bookbridge.store.engine import checkpoint
from bookbridge.store.models import Expense, ExpenseReceipt, Receipt, Vendor

# What reportlab can draw straight from the bytes; other receipts are listed, not drawn.
DRAWABLE = ("image/png", "image/jpeg", "image/gif")


def gather_snapshot(
    book: Book, period: Period, *, preparer: str, source: LedgerSource | None = None
) -> PackSnapshot:
    """Everything the pack of ``period`` shows, read now.

    Raises:
        UsageError: no preparer was given.
    """
    preparer = (preparer or "").strip()
    if not preparer:
        raise UsageError("Say who prepares the pack with --preparer NAME.")
    source = source or StoredLedgerSource()
    checklist = build_checklist(book, period, source=source)
    checkpoint(book.engine)
    fingerprint = file_fingerprint(book.path)
    company = book.company()
    generated = clock.now()
    with book.read() as session:
        state = period_state(session, period)
        revision = MigrationContext.configure(session.connection()).get_current_revision() or ""
        scope = sections.Scope.load(session, period, generated)
        signoffs = [e for e in state.history if e.action == "signed_off"]
        cover = Cover(
            company=company.name, home_currency=company.home_currency, period=period.label,
            period_start=period.start, period_end=period.end, preparer=preparer, generated_at=generated,
            book_file=book.path.name, book_id=book.book_id, book_fingerprint=fingerprint, schema_version=revision,
            signed_off=state.locked, signed_off_by=state.locked_by, signed_off_at=state.locked_at,
            signoff_checklist_sha256=signoffs[-1].checklist_sha256 if state.locked and signoffs else None,
            accounting_source=source.label,
        )
        summary = Section("Summary and tie-out", "The month-end checklist as it stands now, the tie-out of each "
                          "statement account three ways, and the sign-off history of the month.",
                          sections.checklist_tables(checklist)
                          + (sections.history_table(state.history),))
        chapters = (
            summary,
            sections.matching_section(session, scope),
            sections.exceptions_section(session, scope),
            sections.dedupe_section(session, scope),
            sections.templates_section(session, scope),
            sections.approvals_section(session, scope),
            sections.sync_section(session, scope),
        )
        receipts = _receipts(session, period)
    listing = Section("Appendix: receipts", "The receipts of the month's expenses, by date; images are drawn scaled "
                      "to the page, other files are listed with their SHA-256.", (_receipt_table(receipts),))
    return PackSnapshot(cover, checklist, chapters + (listing,), receipts)


def _receipts(session: Session, period: Period) -> tuple[ReceiptImage, ...]:
    rows = session.execute(
        sa.select(Expense, Vendor.name, Receipt).join(ExpenseReceipt, ExpenseReceipt.expense_id == Expense.id)
        .join(Receipt, Receipt.id == ExpenseReceipt.receipt_id).outerjoin(Vendor, Vendor.id == Expense.vendor_id)
        .where(Expense.txn_date >= period.start, Expense.txn_date <= period.end)
        .order_by(Expense.txn_date, Expense.id, Receipt.id)
    ).all()
    found = []
    for expense, vendor, receipt in rows:
        mime = receipt.mime_type or "application/octet-stream"
        content = receipt.content if mime in DRAWABLE else None
        found.append(ReceiptImage(expense.id, expense.txn_date, vendor or expense.vendor_raw or "",
                                  amount_text(expense.amount_minor, expense.currency), expense.currency,
                                  receipt.file_name or f"receipt-{receipt.id}", mime, receipt.sha256 or "", content))
    return tuple(found)


def _receipt_table(receipts: tuple[ReceiptImage, ...]) -> Table:
    rows = tuple((f"#{r.expense_id}", r.day.isoformat(), r.vendor, r.amount, r.currency, r.file_name, r.mime_type,
                  r.sha256) for r in receipts)
    return Table("receipts", "Receipts", ("Expense", "Date", "Vendor", "Amount", "Currency", "File", "Type", "SHA-256"),
                 rows, (), (3,), "No receipt is attached to the month's expenses.", (6, 8, 14, 7, 5, 12, 9, 39))
