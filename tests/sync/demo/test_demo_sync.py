"""The demo company and the headless demo: the whole job on an embedded sandbox, checked end to end."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from bookbridge.store.book import open_book
from bookbridge.store.models import Category, Expense, ExpenseReceipt, OutboxAttachment, OutboxItem, OutboxStatus
from bookbridge.sync.demo.data import build_expenses, demo_months
from bookbridge.sync.demo.headless import run_demo
from headless_run import PASSPHRASE, copy_demo

TODAY = date(2026, 11, 21)


def test_demo_months_are_the_two_before_today() -> None:
    """The demo covers the two full calendar months before the current one."""
    assert demo_months(date(2026, 1, 15)) == (date(2025, 11, 1), date(2025, 12, 31))
    assert demo_months(TODAY) == (date(2026, 9, 1), date(2026, 10, 31))


def test_demo_spending_is_realistic_and_deterministic() -> None:
    """A few hundred expenses of every kind the issue lists, the same for the same seed."""
    start, end = demo_months(TODAY)
    items = build_expenses(start, end)
    kinds = Counter(item.category for item in items)
    assert 200 <= len(items) <= 500 and build_expenses(start, end) == items
    assert {"Fuel", "Tolls", "Driver pay", "Maintenance", "Meals", "Lodging", "Mileage"} <= set(kinds)
    assert any(item.currency == "CAD" for item in items) and any(item.amount < 0 for item in items)
    assert sum(item.receipt for item in items) > 30


def test_headless_demo_posts_everything_postable_exactly_once(headless_demo) -> None:
    """Demo data → connect → sync: every approved expense but the two broken on purpose is in QBO once."""
    path, summary = headless_demo.book, headless_demo.summary
    approved = summary["expenses"]["before_sync"]["approved"]
    assert summary["created"] and summary["exactly_once"] and summary["sandbox"]["duplicates"] == 0
    assert summary["sync"]["posted"] == approved - 2 == summary["sandbox"]["journal_entries"]
    categories = Counter(e["category"] for e in summary["exceptions"]["items"])
    assert categories == {"closed_period": 1, "validation": 1, "mapping": 1, "approval": 2}  # see demo/content.py
    assert summary["sync"]["skipped"] == summary["expenses"]["before_sync"]["awaiting_approval"] + 1
    assert summary["expenses"]["before_sync"]["awaiting_approval"] >= 2
    with open_book(path, PASSPHRASE) as book, book.read() as session:
        attached = session.scalar(sa.select(sa.func.count()).select_from(OutboxAttachment)
                                  .where(OutboxAttachment.remote_id.is_not(None)))
        receipts_of_posted = session.scalar(
            sa.select(sa.func.count(sa.distinct(ExpenseReceipt.receipt_id)))
            .join(Expense, Expense.id == ExpenseReceipt.expense_id).where(Expense.status == "posted"))
        cad = session.scalars(sa.select(OutboxItem).where(OutboxItem.currency == "CAD")).one()
        unmapped = session.scalars(sa.select(Expense.status).join(Category)
                                   .where(Category.name == "Truck wash")).one()
    assert attached == receipts_of_posted == summary["sandbox"]["attachments"]
    assert cad.status is OutboxStatus.POSTED and json.loads(cad.payload_json, parse_float=Decimal)["ExchangeRate"] == Decimal("0.7312")
    assert unmapped.value == "imported"  # coding could not map it: never sent


def test_headless_demo_run_again_posts_and_imports_nothing_twice(headless_demo, tmp_path) -> None:
    """A second run on the same book and sandbox posts nothing, imports no statement line again, keeps the matches."""
    path = copy_demo(headless_demo, tmp_path / "again")
    first = headless_demo.summary
    again = run_demo(path, passphrase=PASSPHRASE, today=TODAY)
    assert not again["created"] and again["sync"]["posted"] == 0 and again["exactly_once"]
    assert again["sandbox"]["journal_entries"] == first["sandbox"]["journal_entries"]
    assert again["month_end"]["statement"]["new_lines"] == 0
    assert again["month_end"]["matching"] == {**first["month_end"]["matching"], "auto_accepted": 0, "explained_now": 0}
