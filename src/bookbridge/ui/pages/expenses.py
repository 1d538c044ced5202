"""The Expenses page: the lazily fetched grid, its typed filters, and the detail panel."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.core.errors import BookbridgeError
from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import parse_user_amount
from bookbridge.ui.models.expense_detail import ExpenseDetail, load_detail
from bookbridge.ui.models.expense_query import STATUS_LABELS, STATUS_ORDER, Column, ExpenseFilter
from bookbridge.ui.models.expenses_model import ExpenseTableModel
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, IMPORTS, SYNC, AppContext, Page
from bookbridge.ui.settings import remember_header, remember_splitter
from bookbridge.ui.widgets.expense_detail_panel import ExpenseDetailPanel

SEARCH_DELAY_MS = 250  # wait for a pause in typing before asking the book again
NO_DATE = QDate(2000, 1, 1)  # the date edits' minimum shows as "Any"


class ExpensesPage(Page):
    """Every expense in the book; filters narrow it, the panel explains the selected one."""

    key = "expenses"
    title = "Expenses"
    areas = frozenset({EXPENSES, IMPORTS, APPROVALS, SYNC})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = ExpenseTableModel(ctx.runner, self)
        self._extra = ExpenseFilter()  # drill-down parts with no widget (category, vehicle, batch)
        self._detail_generation = 0

        self.search = QLineEdit()
        self.search.setObjectName("expenseSearch")
        self.search.setPlaceholderText("Search vendor, category, memo, employee…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.addItem("All statuses", None)
        for status in STATUS_ORDER:
            self.status.addItem(STATUS_LABELS[status.value], status.value)
        self.date_from = self._date_edit("dateFrom")
        self.date_to = self._date_edit("dateTo")
        self.amount_min = QLineEdit()
        self.amount_min.setObjectName("amountMin")
        self.amount_min.setPlaceholderText("any")
        self.amount_max = QLineEdit()
        self.amount_max.setObjectName("amountMax")
        self.amount_max.setPlaceholderText("any")
        for edit in (self.amount_min, self.amount_max):
            edit.setMinimumWidth(90)
            edit.setMaximumWidth(120)
        self.count = QLabel("")
        self.count.setObjectName("expenseCount")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.count)

        self.filter_line = QLabel()
        self.filter_line.setObjectName("filterLine")
        # A long description must not widen the window: it is cut, and the tooltip has it all.
        self.filter_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.clicked.connect(self.clear_filters)
        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel("Dates"))
        filter_row.addWidget(self.date_from)
        filter_row.addWidget(QLabel("to"))
        filter_row.addWidget(self.date_to)
        filter_row.addSpacing(12)
        filter_row.addWidget(QLabel("Amounts"))
        filter_row.addWidget(self.amount_min)
        filter_row.addWidget(QLabel("to"))
        filter_row.addWidget(self.amount_max)
        filter_row.addSpacing(12)
        filter_row.addWidget(self.filter_line, 1)
        filter_row.addWidget(self.clear_button)

        self.table = QTableView()
        self.table.setObjectName("expenseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSortIndicator(Column.DATE, Qt.SortOrder.DescendingOrder)
        self.table.setColumnWidth(Column.DATE, 100)
        self.table.setColumnWidth(Column.VENDOR, 170)
        self.table.setColumnWidth(Column.CATEGORY, 130)
        self.table.setColumnWidth(Column.EMPLOYEE, 120)
        self.table.setColumnWidth(Column.VEHICLE, 70)
        self.table.setColumnWidth(Column.AMOUNT, 150)
        remember_header(self.table.horizontalHeader(), "expenses")
        self.detail_panel = ExpenseDetailPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("expensesSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 340])
        remember_splitter(self.splitter, "expenses")

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(filter_row)
        layout.addWidget(self.splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        self.status.currentIndexChanged.connect(self.apply_filters)
        self.date_from.dateChanged.connect(self.apply_filters)
        self.date_to.dateChanged.connect(self.apply_filters)
        self.amount_min.editingFinished.connect(self.apply_filters)
        self.amount_max.editingFinished.connect(self.apply_filters)
        self.model.total_changed.connect(self._update_count)
        self.model.loading_changed.connect(self._update_count)
        self.model.load_failed.connect(lambda exc: show_error(self, exc))
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._update_filter_line()

    @staticmethod
    def _date_edit(name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("Any")
        edit.setDate(NO_DATE)
        return edit

    # --- Page ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        if self.model.book is not self.ctx.book:
            self.model.set_book(self.ctx.book)
        else:
            self.model.reload()

    def clear(self) -> None:
        self.model.set_book(None)
        self.detail_panel.show_message("Select an expense to see its receipt, coding and history.")

    def receive(self, argument: object) -> None:
        """Navigation with an :class:`ExpenseFilter` (dashboard and inbox drill-downs)."""
        if isinstance(argument, ExpenseFilter):
            self.set_filter(argument)

    # --- filters ------------------------------------------------------------------------------------
    def current_filter(self) -> ExpenseFilter:
        """The filter the widgets and the drill-down describe together."""
        status = self.status.currentData()
        start = self.date_from.date()
        end = self.date_to.date()
        return ExpenseFilter(
            text=self.search.text().strip(),
            statuses=frozenset({status}) if status else self._extra.statuses,
            date_from=None if start == NO_DATE else date(start.year(), start.month(), start.day()),
            date_to=None if end == NO_DATE else date(end.year(), end.month(), end.day()),
            amount_min=self._amount(self.amount_min),
            amount_max=self._amount(self.amount_max),
            category=self._extra.category,
            vehicle=self._extra.vehicle,
            currency=self._extra.currency,
            batch_id=self._extra.batch_id,
        )

    def _amount(self, edit: QLineEdit):
        try:
            value = parse_user_amount(edit.text())
        except BookbridgeError:
            edit.setToolTip("Not an amount: type digits with an optional decimal separator.")
            edit.setStyleSheet("color: #c0392b;")
            return None
        edit.setToolTip("")
        edit.setStyleSheet("")
        return value

    def apply_filters(self) -> None:
        self._search_timer.stop()
        self.model.set_filter(self.current_filter())
        self._update_filter_line()

    def set_filter(self, flt: ExpenseFilter) -> None:
        """Show exactly ``flt``: the widgets take what they can show, the rest is kept aside."""
        widgets = [self.search, self.status, self.date_from, self.date_to, self.amount_min, self.amount_max]
        for w in widgets:
            w.blockSignals(True)
        try:
            self.search.setText(flt.text)
            single = next(iter(flt.statuses)) if len(flt.statuses) == 1 else None
            self.status.setCurrentIndex(max(0, self.status.findData(single)) if single else 0)
            self.date_from.setDate(QDate(flt.date_from) if flt.date_from else NO_DATE)
            self.date_to.setDate(QDate(flt.date_to) if flt.date_to else NO_DATE)
            self.amount_min.setText("" if flt.amount_min is None else str(flt.amount_min))
            self.amount_max.setText("" if flt.amount_max is None else str(flt.amount_max))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._extra = ExpenseFilter(statuses=flt.statuses if len(flt.statuses) > 1 else frozenset(),
                                    category=flt.category, vehicle=flt.vehicle, currency=flt.currency,
                                    batch_id=flt.batch_id)
        self.apply_filters()

    def clear_filters(self) -> None:
        self.set_filter(ExpenseFilter())

    def _update_filter_line(self) -> None:
        description = self.current_filter().describe()
        self.filter_line.setText(f"Showing: {description}" if description else "Showing every expense")
        self.filter_line.setToolTip(self.filter_line.text())
        self.clear_button.setEnabled(bool(description))

    def _update_count(self, *_args: object) -> None:
        self.count.setText(self.model.describe_count())

    # --- selection and detail -----------------------------------------------------------------------
    def select_expense(self, expense_id: int) -> bool:
        """Select the row of ``expense_id`` if it is fetched; True when selected."""
        row = self.model.row_of(expense_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _after_reset(self) -> None:
        self.detail_panel.show_message("Select an expense to see its receipt, coding and history.")

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.ctx.book is None:
            return
        expense_id = self.model.expense_id(rows[0].row())
        if expense_id is None:
            return
        self._detail_generation += 1
        generation = self._detail_generation
        book = self.ctx.book
        handle = self.ctx.runner.submit(f"Reading expense {expense_id}",
                                        lambda progress, cancel: load_detail(book, expense_id))
        handle.succeeded.connect(lambda detail: self._show_detail(generation, detail))
        handle.failed.connect(lambda exc: self._detail_failed(generation, exc))

    def _show_detail(self, generation: int, detail: ExpenseDetail) -> None:
        if generation == self._detail_generation:
            self.detail_panel.show_detail(detail)

    def _detail_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._detail_generation:
            self.detail_panel.show_message("This expense could not be read.")
            show_error(self, exc)
