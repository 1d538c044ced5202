"""The Expenses grid model on a real book: model contract, lazy fetching, typed sort and filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QModelIndex, Qt

from bookbridge.core.money import Money
from bookbridge.store.models import Expense
from bookbridge.ui.models.expense_query import Column, ExpenseFilter
from bookbridge.ui.models.expenses_model import CHUNK, ID_ROLE, SORT_ROLE, ExpenseTableModel
from bookbridge.ui.tasks import TaskRunner
from tests.ui.book_seed import seed_expenses

ROWS = 1_200  # more than two chunks, so lazy fetching shows


@pytest.fixture
def seeded(book):
    seed_expenses(book, ROWS)
    return book


@pytest.fixture
def model(qtbot, seeded):
    runner = TaskRunner()
    model = ExpenseTableModel(runner)
    model.set_book(seeded)
    _wait_loaded(qtbot, model)
    yield model
    runner.wait(10_000)


def _wait_loaded(qtbot, model: ExpenseTableModel) -> None:
    qtbot.waitUntil(lambda: not model.loading and model.total is not None, timeout=15_000)


def _fetch_all(qtbot, model: ExpenseTableModel) -> None:
    """Ask for rows like a scrolling view until every row is there (chunks arrive from a worker)."""
    while model.canFetchMore(QModelIndex()):
        before = model.rowCount()
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: model.rowCount() > before, timeout=10_000)


def _book_amounts(book, flt_sql=None) -> list[Decimal]:
    with book.engine.connect() as conn:
        rows = conn.execute(sa.select(Expense.amount_minor, Expense.currency)).all()
    return [Money.from_minor(m, c).amount for m, c in rows]


def test_model_passes_qtmodeltester(qtbot, qtmodeltester, model: ExpenseTableModel) -> None:
    """The grid model keeps Qt's model contract, while rows are fetched and after a re-sort."""
    qtmodeltester.check(model, force_py=True)  # it asks for more rows; they arrive from a worker
    qtbot.waitUntil(lambda: model.rowCount() >= 2 * CHUNK, timeout=10_000)
    model.sort(Column.VENDOR, Qt.SortOrder.AscendingOrder)  # a reset and a new first chunk, watched
    _wait_loaded(qtbot, model)
    _fetch_all(qtbot, model)
    assert model.rowCount() == ROWS


def test_rows_arrive_in_chunks_as_the_view_asks(qtbot, model: ExpenseTableModel) -> None:
    """A reload shows one chunk; each fetchMore adds one more (read ahead) until every row is there."""
    assert model.rowCount() == CHUNK and model.total == ROWS
    assert model.canFetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model._ready is not None, timeout=10_000)  # the next chunk was read ahead
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * CHUNK  # at once, from the read-ahead
    _fetch_all(qtbot, model)
    assert model.rowCount() == ROWS and not model.canFetchMore(QModelIndex())
    ids = [model.data(model.index(r, 0), ID_ROLE) for r in range(ROWS)]
    assert len(set(ids)) == ROWS


def test_amount_sort_is_typed_across_currencies_over_all_rows(qtbot, model: ExpenseTableModel, seeded) -> None:
    """Sorting by amount orders every row (not just those fetched) by exact Decimal value."""
    model.sort(Column.AMOUNT, Qt.SortOrder.AscendingOrder)
    _wait_loaded(qtbot, model)
    first_chunk = [model.data(model.index(r, Column.AMOUNT), SORT_ROLE) for r in range(model.rowCount())]
    assert all(isinstance(v, Decimal) for v in first_chunk)
    assert first_chunk[: len(first_chunk)] == sorted(_book_amounts(seeded))[: len(first_chunk)]
    _fetch_all(qtbot, model)
    shown = [model.data(model.index(r, Column.AMOUNT), SORT_ROLE) for r in range(model.rowCount())]
    assert shown == sorted(_book_amounts(seeded))
    currencies = {model.index(r, Column.AMOUNT).data().split("\u00a0")[0] for r in range(model.rowCount())}
    assert len(currencies) > 2  # JPY, KWD and others really were compared with USD


def test_date_sort_descending_is_by_date(qtbot, model: ExpenseTableModel) -> None:
    """Sorting by date descending shows the newest expense first, over every row."""
    model.sort(Column.DATE, Qt.SortOrder.DescendingOrder)
    _wait_loaded(qtbot, model)
    _fetch_all(qtbot, model)
    dates = [model.data(model.index(r, Column.DATE), SORT_ROLE) for r in range(model.rowCount())]
    assert dates == sorted(dates, reverse=True) and dates[0] > dates[-1]


def test_status_sort_follows_the_workflow(qtbot, model: ExpenseTableModel) -> None:
    """Statuses sort in workflow order (imported before awaiting approval before posted)."""
    model.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    _wait_loaded(qtbot, model)
    _fetch_all(qtbot, model)
    labels = [model.index(r, Column.STATUS).data() for r in range(model.rowCount())]
    assert labels.index("Imported") < labels.index("Awaiting approval") < labels.index("Posted")
    ranks = [model.data(model.index(r, Column.STATUS), SORT_ROLE) for r in range(model.rowCount())]
    assert ranks == sorted(ranks)


def test_filter_on_typed_amount_range_and_status(qtbot, model: ExpenseTableModel, seeded) -> None:
    """An amount range compares exact values and a status filter keeps only that status."""
    model.set_filter(ExpenseFilter(amount_min=Decimal("100"), amount_max=Decimal("500.50"),
                                   statuses=frozenset({"posted"})))
    _wait_loaded(qtbot, model)
    _fetch_all(qtbot, model)
    with seeded.engine.connect() as conn:
        rows = conn.execute(sa.select(Expense.amount_minor, Expense.currency, Expense.status)).all()
    expected = sum(1 for m, c, s in rows
                   if s.value == "posted" and Decimal("100") <= Money.from_minor(m, c).amount <= Decimal("500.50"))
    assert model.total == model.rowCount() == expected > 0
    for r in range(model.rowCount()):
        assert Decimal("100") <= model.data(model.index(r, Column.AMOUNT), SORT_ROLE) <= Decimal("500.50")
        assert model.index(r, Column.STATUS).data() == "Posted"


def test_deleted_expense_does_not_stall_fetching(qtbot, model: ExpenseTableModel, seeded) -> None:
    """An expense deleted after the order was read is skipped; fetching still reaches the end."""
    victim = model._ids[-1]  # in the last chunk, not fetched yet
    with seeded.engine.begin() as conn:
        conn.execute(sa.delete(Expense).where(Expense.id == victim))
    _fetch_all(qtbot, model)
    assert model.rowCount() == ROWS - 1 and not model.canFetchMore(QModelIndex())
    assert model.row_of(victim) is None


def test_text_filter_matches_vendor_and_category(qtbot, model: ExpenseTableModel) -> None:
    """Words in the search must each appear in the vendor, category, memo, employee or reference."""
    model.set_filter(ExpenseFilter(text="shell fuel"))
    _wait_loaded(qtbot, model)
    _fetch_all(qtbot, model)
    assert model.rowCount() > 0
    for r in range(model.rowCount()):
        assert model.index(r, Column.VENDOR).data() == "Shell"
        assert model.index(r, Column.CATEGORY).data() == "Fuel"


def test_a_late_reload_result_is_dropped(qtbot, model: ExpenseTableModel) -> None:
    """Two filters in quick succession show the second one's rows, never the first's."""
    model.set_filter(ExpenseFilter(vehicle="T-01"))
    model.set_filter(ExpenseFilter(vehicle="T-02"))
    _wait_loaded(qtbot, model)
    qtbot.wait(100)
    _fetch_all(qtbot, model)
    assert {model.index(r, Column.VEHICLE).data() for r in range(model.rowCount())} == {"T-02"}


def test_amount_column_shows_locale_money_with_exact_tooltip(model: ExpenseTableModel) -> None:
    """Amounts display with the currency and right-aligned; the tooltip is the exact stored value."""
    index = model.index(0, Column.AMOUNT)
    value = model.data(index, SORT_ROLE)
    tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert tooltip.split(" ")[0] == format(value, "f")
    assert model.data(index, Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
