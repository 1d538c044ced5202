"""The month-end checklist on a small realistic January: each item's status, count and sentence."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from bookbridge.reconcile.checklist import ItemStatus, build_checklist
from bookbridge.reconcile.periods import Period
from bookbridge.reconcile.tieout import compute_tieouts
from bookbridge.store.models import (
    ExceptionCategory, ExceptionSeverity, Expense, ExpenseStatus, OutboxItem, RemoteState, Setting,
)

from month_end_book import (  # noqa: F401  (fixtures)
    SPENDS, Spend, add_expenses, after_close, january, january_file, january_unmatched, january_unmatched_file,
    match_everything,
)

JANUARY = Period(2026, 1)


def _items(checklist) -> dict[tuple[str, str | None], object]:
    return {(item.code, item.account): item for item in checklist.items}


def _status(checklist) -> dict[tuple[str, str | None], str]:
    return {key: item.status.value for key, item in _items(checklist).items()}


def test_finished_month_is_all_ok_but_one_missing_receipt(january) -> None:
    """Posted, matched and explained January: every item ok except the 120.00 fuel without a receipt."""
    checklist = build_checklist(january.book, JANUARY)
    attention = {key for key, status in _status(checklist).items() if status != "ok"}
    assert attention == {("receipts", None)}
    receipts = _items(checklist)[("receipts", None)]
    assert receipts.count == 1 and f"#{january.expense('Pilot Flying J')}" in receipts.sentence
    assert checklist.overall is ItemStatus.ATTENTION and not checklist.blockers


def test_checklist_has_every_item_per_account(january) -> None:
    """Book-wide items appear once; statements, lines and tie-out once per statement account."""
    keys = set(_items(build_checklist(january.book, JANUARY)))
    book_wide = {"expenses_imported", "expenses_synced", "categories_mapped", "receipts", "blocker_exceptions"}
    per_account = {"statements", "lines_matched", "tie_out"}
    assert keys == {(c, None) for c in book_wide} | {(c, a) for c in per_account for a in ("Operating", "Visa 4444")}


def test_receipt_threshold_is_a_book_setting(january) -> None:
    """Raising the threshold to 150.00 leaves only the 210.00 hotel, which has its receipt."""
    with january.book.unit_of_work() as session:
        session.add(Setting(key="month_end.receipt_threshold", value_json=json.dumps("150.00")))
    item = _items(build_checklist(january.book, JANUARY))[("receipts", None)]
    assert item.status is ItemStatus.OK and "150.00 USD" in item.title


def test_unmatched_lines_block_per_account(january_unmatched) -> None:
    """Before matching, every statement line is open: both accounts' line items are blockers with the counts."""
    checklist = build_checklist(january_unmatched.book, JANUARY)
    items = _items(checklist)
    assert items[("lines_matched", "Visa 4444")].status is ItemStatus.BLOCKER
    assert items[("lines_matched", "Visa 4444")].count == 5
    assert items[("lines_matched", "Operating")].count == 4


def test_explaining_the_last_lines_clears_the_blocker(january_unmatched) -> None:
    """Matching then explaining the card repayment and the bank fee turns both line items ok."""
    match_everything(january_unmatched)
    items = _items(build_checklist(january_unmatched.book, JANUARY))
    assert items[("lines_matched", "Visa 4444")].status is ItemStatus.OK
    assert items[("lines_matched", "Operating")].status is ItemStatus.OK


def test_expense_not_posted_blocks_sync_item(january) -> None:
    """A new approved but unposted expense of the month makes "synced" a blocker naming its state."""
    from bookbridge.coding.service import code_expenses

    add_expenses(january, [Spend(date(2026, 1, 29), "Shell", "Fuel", "61.10", "company_card")])
    code_expenses(january.book, actor="Tess Template")
    item = _items(build_checklist(january.book, JANUARY))[("expenses_synced", None)]
    assert item.status is ItemStatus.BLOCKER and item.count == 1
    assert "1 of 7 expenses are not posted yet (1 approved, not queued)" in item.sentence


def test_unmapped_category_blocks(january) -> None:
    """An expense in a category the template does not map is a blocker naming the category."""
    from bookbridge.coding.service import code_expenses

    add_expenses(january, [Spend(date(2026, 1, 29), "City Parking", "Parking", "18.00", "company_card")])
    code_expenses(january.book, actor="Tess Template")
    item = _items(build_checklist(january.book, JANUARY))[("categories_mapped", None)]
    assert item.status is ItemStatus.BLOCKER and "Parking (1)" in item.sentence


def test_open_blocker_exception_of_the_month_blocks_but_not_another_months(january) -> None:
    """A blocker holding a January expense blocks January; one holding only a February expense does not."""
    from bookbridge.exceptions.queue import AffectedItem, report

    add_expenses(january, [Spend(date(2026, 2, 3), "Shell", "Fuel", "40.00", "company_card")])
    with january.book.read() as session:
        february = session.scalars(sa.select(Expense.id).where(Expense.txn_date == date(2026, 2, 3))).one()
    with january.book.unit_of_work() as session:
        report(session, category=ExceptionCategory.VALIDATION, severity=ExceptionSeverity.BLOCKER,
               title="Account 6100 is inactive", message="Reactivate it.", cause=["account", "6100"],
               items=[AffectedItem("expense", str(february))])
    assert _items(build_checklist(january.book, JANUARY))[("blocker_exceptions", None)].status is ItemStatus.OK
    with january.book.unit_of_work() as session:
        report(session, category=ExceptionCategory.REJECTED, severity=ExceptionSeverity.BLOCKER,
               title="QBO refused BB-0001", message="Duplicate document number.", cause=["doc", "1"],
               items=[AffectedItem("expense", str(january.expense("Shell")))])
    item = _items(build_checklist(january.book, JANUARY))[("blocker_exceptions", None)]
    assert item.status is ItemStatus.BLOCKER and item.count == 1 and "QBO refused BB-0001" in item.sentence


def test_tie_out_agrees_three_ways_on_the_card(january) -> None:
    """Visa: the card statement nets to 0.00, our journal and the accounting system both show -241.89."""
    visa = {t.account: t for t in compute_tieouts(january.book, JANUARY)}["Visa 4444"]
    charges = sum(Decimal(s.amount) for s in SPENDS if s.method == "company_card")
    assert visa.ledger_account == "2210"
    assert visa.journal == visa.accounting == visa.posted_journal == -charges
    assert visa.bank == Decimal("0.00") and visa.unexplained == 0
    assert [(r.code, r.amount) for r in visa.reconciling] == [("explained", charges)]


def test_tie_out_lists_settlements_on_the_bank(january) -> None:
    """Operating: the card payment and the reimbursement settle other accounts; the fee is explained."""
    operating = {t.account: t for t in compute_tieouts(january.book, JANUARY)}["Operating"]
    items = {r.code: (r.amount, r.count) for r in operating.reconciling}
    assert operating.ledger_account == "1000" and operating.journal == Decimal("-48.20")
    assert items == {"settlement": (Decimal("-451.89"), 2), "explained": (Decimal("-15.00"), 1)}
    assert operating.unexplained == 0


def test_remote_deletion_is_a_tie_out_blocker(january) -> None:
    """A posted document the last pull found deleted makes the accounting system differ: blocker."""
    with january.book.unit_of_work() as session:
        doc = session.scalars(sa.select(OutboxItem).where(OutboxItem.doc_number == f"BB-{january.expense('Shell'):04d}")).one()
        doc.remote_state = RemoteState.DELETED
    item = _items(build_checklist(january.book, JANUARY))[("tie_out", "Visa 4444")]
    assert item.status is ItemStatus.BLOCKER
    assert "accounting system shows -156.49 USD for what we posted as -241.89 USD" in item.sentence


def test_expense_changed_after_matching_is_unexplained(january) -> None:
    """Re-coding an expense to a new amount after its line was matched leaves an unexplained difference."""
    from bookbridge.coding.service import code_expenses

    with january.book.unit_of_work() as session:  # sent back for correction after its line was matched
        expense = session.get(Expense, january.expense("Starbucks"))
        expense.status, expense.amount_minor = ExpenseStatus.APPROVED, 2899  # the statement says 23.99
    code_expenses(january.book, actor="Tess Template")
    visa = {t.account: t for t in compute_tieouts(january.book, JANUARY)}["Visa 4444"]
    assert visa.unexplained == Decimal("5.00")
    item = _items(build_checklist(january.book, JANUARY))[("tie_out", "Visa 4444")]
    assert item.status is ItemStatus.BLOCKER and "5.00 USD between bank and journal is not explained" in item.sentence


def test_month_without_a_statement_needs_attention(january) -> None:
    """February has no statement yet: each account's statement item asks for one."""
    checklist = build_checklist(january.book, Period(2026, 2))
    statements = _items(checklist)[("statements", "Visa 4444")]
    assert statements.status is ItemStatus.ATTENTION and statements.sentence == "No statement covers 2026-02."
