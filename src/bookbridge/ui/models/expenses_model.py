"""The Expenses grid's model: 100,000 rows without freezing, sorted and filtered on typed values.

How it stays fast (see :mod:`bookbridge.ui.models.expense_query` for the SQL):

* A reload (new book, filter or sort) runs on a worker in two steps: first the first ``CHUNK``
  rows straight from the ordered query (``LIMIT``; the date index answers it in milliseconds),
  shown at once; then the ids of every matching expense in order, which gives the total and
  lets the rest be fetched. The GUI thread never waits for a sort.
* ``canFetchMore``/``fetchMore`` reveal the rest ``CHUNK`` rows at a time as the view scrolls:
  each chunk is one indexed ``WHERE id IN (...)`` read of plain tuples, done on a worker. The
  next chunk is read ahead as soon as one is shown, so a scrolling view usually gets its rows
  at once; when it outruns the read-ahead, the rows are inserted the moment they arrive. The GUI
  thread itself never reads the book (a read there could also stall on opening a connection).
* Sorting is server-side (``sort()`` reloads with a typed ORDER BY) rather than a proxy, because
  a proxy over a lazily fetched model only sorts what was fetched. ``SORT_ROLE`` still returns
  the typed value (``date``, ``Decimal``, workflow rank) for anyone who needs it.

A reload that finishes after a newer one started is dropped (a generation counter), so typing
fast in the search box never shows stale rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QApplication, QStyle

from bookbridge.core.money import Money
from bookbridge.store.book import Book
from bookbridge.ui.formatting import app_locale, format_count, format_date, format_money
from bookbridge.ui.models.expense_query import (
    HEADERS,
    R_CATEGORY,
    R_CURRENCY,
    R_DATE,
    R_EMPLOYEE,
    R_ID,
    R_MINOR,
    R_RECEIPTS,
    R_SOURCE,
    R_STATUS,
    R_VEHICLE,
    R_VENDOR,
    STATUS_LABELS,
    STATUS_ORDER,
    Column,
    ExpenseFilter,
    fetch_rows,
    first_rows,
    ordered_ids,
)
from bookbridge.ui.models.table_base import ID_ROLE, SORT_ROLE, Index, RowTableModel
from bookbridge.ui.tasks import TaskRunner

__all__ = ["CHUNK", "ExpenseTableModel", "ID_ROLE", "SORT_ROLE"]

CHUNK = 500
_STATUS_RANK = {s.value: i for i, s in enumerate(STATUS_ORDER)}
_COLUMNS = tuple(Column)  # index -> member without Enum.__call__ (data() runs for every painted cell)
_TEXT_COLUMNS = {Column.VENDOR: R_VENDOR, Column.CATEGORY: R_CATEGORY, Column.EMPLOYEE: R_EMPLOYEE,
                 Column.VEHICLE: R_VEHICLE, Column.SOURCE: R_SOURCE}


@dataclass(frozen=True)
class _Loaded:
    """What a reload step hands back: plain tuples (``ids`` None for the first step)."""

    generation: int
    rows: tuple[tuple, ...]
    ids: tuple[int, ...] | None = None


def _first_page_job(book: Book, flt: ExpenseFilter, column: Column, descending: bool, generation: int):
    """The first rows. By date, an index answers ``LIMIT`` at once and the ids follow in a second
    job; any other order needs a full scan anyway, so one scan gives the ids and the first rows."""
    def job(progress, cancel) -> _Loaded:
        progress("Reading expenses")
        with book.engine.connect() as conn:
            if column is Column.DATE:
                return _Loaded(generation, tuple(first_rows(conn, flt, column, descending, CHUNK)))
            ids = tuple(ordered_ids(conn, flt, column, descending))
            return _Loaded(generation, tuple(fetch_rows(conn, ids[:CHUNK])), ids)
    return job


def _ids_job(book: Book, flt: ExpenseFilter, column: Column, descending: bool, generation: int):
    def job(progress, cancel) -> _Loaded:
        progress("Counting expenses")
        with book.engine.connect() as conn:
            return _Loaded(generation, (), tuple(ordered_ids(conn, flt, column, descending)))
    return job


@dataclass(frozen=True)
class _Chunk:
    """Rows for ``ids[start:start + CHUNK]`` of one generation."""

    generation: int
    start: int
    rows: tuple[tuple, ...]


def _chunk_job(book: Book, ids: tuple[int, ...], start: int, generation: int):
    def job(progress, cancel) -> _Chunk:
        with book.engine.connect() as conn:
            return _Chunk(generation, start, tuple(fetch_rows(conn, ids)))
    return job


class ExpenseTableModel(RowTableModel):
    """One row per expense, columns from :class:`Column`.

    Signals:
        loading_changed(bool): a reload started (True) or its rows arrived (False).
        total_changed(int): how many expenses match the filter.
        load_failed(object): the reload's exception (the page shows it).
    """

    loading_changed = Signal(bool)
    total_changed = Signal(int)
    load_failed = Signal(object)
    headers = tuple(HEADERS[column] for column in Column)
    numbered_rows = True

    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._book: Book | None = None
        self._filter = ExpenseFilter()
        self._sort_column = Column.DATE
        self._descending = True
        self._ids: tuple[int, ...] | None = ()  # None while the full order is being read
        self._cursor = 0  # ids[:cursor] have been read (a deleted expense leaves no row behind)
        self._pending: int | None = None  # start of the chunk being read
        self._ready: _Chunk | None = None  # a chunk read ahead, waiting for the view to ask
        self._wanted = False  # the view asked for rows that are still being read
        self._generation = 0
        self._loading = False
        self._locale = app_locale()
        self._receipt_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    # --- state ------------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def book(self) -> Book | None:
        return self._book

    @property
    def total(self) -> int | None:
        """Matching expenses (fetched or not); None while they are being counted."""
        return None if self._ids is None else len(self._ids)

    @property
    def filter(self) -> ExpenseFilter:
        return self._filter

    @property
    def sort_order(self) -> tuple[Column, bool]:
        return self._sort_column, self._descending

    def set_book(self, book: Book | None) -> None:
        self._book = book
        self._locale = app_locale()
        self.reload()

    def set_filter(self, flt: ExpenseFilter) -> None:
        if flt != self._filter:
            self._filter = flt
            self.reload()

    def reload(self) -> None:
        """Re-read off the GUI thread: the first rows, then the full order (rows shown stay until then)."""
        self._generation += 1
        self._pending, self._ready, self._wanted = None, None, False
        if self._book is None:
            self._apply_first(_Loaded(self._generation, (), ()))
            return
        self._set_loading(True)
        self._submit(_first_page_job, self._apply_first)

    def _submit(self, make_job, on_success) -> None:
        job = make_job(self._book, self._filter, self._sort_column, self._descending, self._generation)
        handle = self._runner.submit("Reading expenses", job)
        handle.succeeded.connect(on_success)
        handle.failed.connect(self._failed)

    def expense_id(self, row: int) -> int | None:
        return self._rows[row][R_ID] if 0 <= row < len(self._rows) else None

    def row_of(self, expense_id: int) -> int | None:
        """The row showing ``expense_id`` among those fetched, else None."""
        return next((i for i, r in enumerate(self._rows) if r[R_ID] == expense_id), None)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _apply_first(self, loaded: _Loaded) -> None:
        if loaded.generation != self._generation:
            return  # a newer reload is on its way
        self.beginResetModel()
        self._ids = None if self._book is not None else ()
        self._rows = list(loaded.rows)
        self._cursor = len(self._rows)
        self.endResetModel()
        self._set_loading(False)
        if loaded.ids is not None:
            self._apply_ids(loaded)
        elif self._book is not None:
            self._submit(_ids_job, self._apply_ids)

    def _apply_ids(self, loaded: _Loaded) -> None:
        if loaded.generation != self._generation or loaded.ids is None:
            return
        shown = [row[R_ID] for row in self._rows]
        if list(loaded.ids[:len(shown)]) != shown:
            # The book changed between the two reads (an import landed): show the new order.
            self.beginResetModel()
            self._rows, self._ids, self._cursor = [], loaded.ids, 0
            self.endResetModel()
            self._wanted = True
            self._request(0)
        else:
            self._ids = loaded.ids
            # Nudge the views: one whose last row is on screen fetches more now that it can.
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()
            self._read_ahead()
        self.total_changed.emit(len(self._ids))

    def _failed(self, exc: BaseException) -> None:
        self._set_loading(False)
        self._pending, self._wanted = None, False
        self.load_failed.emit(exc)

    # --- lazy fetching ----------------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008 (Qt API)
        # While the full order is still being read there is nothing to fetch by id yet.
        return not parent.isValid() and self._ids is not None and self._cursor < len(self._ids)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008 (Qt API)
        if not self.canFetchMore(parent) or self._book is None:
            return
        if self._ready is not None and self._ready.start == self._cursor:
            chunk, self._ready = self._ready, None
            self._append(chunk)
            self._read_ahead()
            return
        self._wanted = True
        self._request(self._cursor)

    def _request(self, start: int) -> None:
        """Read ``ids[start:start + CHUNK]`` on a worker (once: a second ask waits for the first)."""
        if self._pending == start or self._book is None or self._ids is None:
            return
        self._pending = start
        job = _chunk_job(self._book, self._ids[start:start + CHUNK], start, self._generation)
        handle = self._runner.submit("Reading expenses", job)
        handle.succeeded.connect(self._chunk_arrived)
        handle.failed.connect(self._failed)

    def _read_ahead(self) -> None:
        if self._ids is not None and self._cursor < len(self._ids) and self._ready is None:
            self._request(self._cursor)

    def _chunk_arrived(self, chunk: _Chunk) -> None:
        if chunk.generation != self._generation or chunk.start != self._cursor:
            return  # from an earlier filter or sort
        self._pending = None
        if self._wanted:
            self._wanted = False
            self._append(chunk)
            self._read_ahead()
        else:
            self._ready = chunk

    def _append(self, chunk: _Chunk) -> None:
        if chunk.rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(chunk.rows) - 1)
            self._rows.extend(chunk.rows)
            self.endInsertRows()
        self._cursor = chunk.start + CHUNK

    # --- the model API (rows, columns, headers and flags come from RowTableModel) ----------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._in_range(index):
            return None
        row = self._rows[index.row()]
        column = _COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._typed(row, column)
        if role == ID_ROLE:
            return row[R_ID]
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.AMOUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is Column.AMOUNT:
                return Money.from_minor(row[R_MINOR], row[R_CURRENCY]).format()  # exact, locale-free
            if column is Column.VENDOR and row[R_RECEIPTS]:
                return f"{row[R_RECEIPTS]} receipt(s) attached"
        if role == Qt.ItemDataRole.DecorationRole and column is Column.VENDOR and row[R_RECEIPTS]:
            return self._receipt_icon
        return None

    def _display(self, row: tuple, column: Column) -> str:
        if column is Column.DATE:
            return format_date(row[R_DATE], self._locale)
        if column is Column.AMOUNT:
            return format_money(Money.from_minor(row[R_MINOR], row[R_CURRENCY]), self._locale)
        if column is Column.STATUS:
            return STATUS_LABELS.get(row[R_STATUS], row[R_STATUS])
        return row[_TEXT_COLUMNS[column]] or ""

    def _typed(self, row: tuple, column: Column) -> Any:
        """The value the column sorts by, with its real type."""
        if column is Column.DATE:
            return row[R_DATE]
        if column is Column.AMOUNT:
            amount: Decimal = Money.from_minor(row[R_MINOR], row[R_CURRENCY]).amount
            return amount
        if column is Column.STATUS:
            return _STATUS_RANK.get(row[R_STATUS], len(_STATUS_RANK))
        return (row[_TEXT_COLUMNS[column]] or "").lower()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every matching expense, fetched or not, by the column's typed value (in SQL)."""
        if not 0 <= column < len(Column):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (Column(column), descending) == (self._sort_column, self._descending) and self._rows:
            return
        self._sort_column, self._descending = Column(column), descending
        self.reload()

    def describe_count(self) -> str:
        if self._loading and not self._rows:
            return "Loading…"
        if self._ids is None:
            return "Counting…"
        noun = "expense" if len(self._ids) == 1 else "expenses"
        return f"{format_count(len(self._ids), self._locale)} {noun}"
