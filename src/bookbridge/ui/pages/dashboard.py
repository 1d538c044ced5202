"""The Dashboard: what is in the book now, every figure a door to the rows behind it.

It shows sync health, open exceptions against their SLA and the month's reconciliation
(``widgets.health_panel``), expenses by status, home-currency spend by category and by vehicle,
and the last import.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bookbridge.ui.errors import show_error
from bookbridge.ui.formatting import format_count, format_datetime
from bookbridge.ui.models.book_facts import DashboardFacts, dashboard_facts
from bookbridge.ui.models.expense_query import STATUS_LABELS, ExpenseFilter
from bookbridge.ui.pages.base import APPROVALS, EXPENSES, IMPORTS, SYNC, AppContext, Page
from bookbridge.ui.models.health_facts import read_health
from bookbridge.ui.widgets.health_panel import HealthPanel
from bookbridge.ui.widgets.spend_chart import SpendChart


class DashboardPage(Page):
    """Figures and charts with drill-down to the Expenses page."""

    key = "dashboard"
    title = "Dashboard"
    areas = frozenset({EXPENSES, IMPORTS, APPROVALS, SYNC, "exceptions", "reconcile"})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.facts: DashboardFacts | None = None
        self._generation = 0
        body = QWidget()
        layout = QVBoxLayout(body)
        self.health = HealthPanel(self.ctx.navigate)
        self.health.setObjectName("healthPanel")
        layout.addWidget(self.health)

        self.status_box = QGroupBox("Expenses by status")
        self.status_grid = QGridLayout(self.status_box)
        self.status_buttons: dict[str, QPushButton] = {}
        layout.addWidget(self.status_box)

        charts = QHBoxLayout()
        self.category_chart = SpendChart("Spend by category")
        self.category_chart.setObjectName("categoryChart")
        self.category_chart.group_clicked.connect(
            lambda name: self._drill(ExpenseFilter(category=None if name in ("(none)", "Other") else name)))
        self.vehicle_chart = SpendChart("Spend by vehicle")
        self.vehicle_chart.setObjectName("vehicleChart")
        self.vehicle_chart.group_clicked.connect(
            lambda name: self._drill(ExpenseFilter(vehicle=None if name in ("(none)", "Other") else name)))
        charts.addWidget(self.category_chart)
        charts.addWidget(self.vehicle_chart)
        layout.addLayout(charts, 1)
        self.currency_note = QLabel()
        self.currency_note.setObjectName("currencyNote")
        self.currency_note.setWordWrap(True)
        layout.addWidget(self.currency_note)

        self.import_box = QGroupBox("Last import")
        import_layout = QHBoxLayout(self.import_box)
        self.last_import = QLabel("Nothing imported yet.")
        self.last_import.setObjectName("lastImport")
        self.last_import.setWordWrap(True)
        self.show_import = QPushButton("Show these expenses")
        self.show_import.setObjectName("showLastImport")
        self.show_import.clicked.connect(self._drill_last_import)
        self.show_import.setEnabled(False)
        import_layout.addWidget(self.last_import, 1)
        import_layout.addWidget(self.show_import)
        layout.addWidget(self.import_box)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def reload(self) -> None:
        book = self.ctx.book
        self._generation += 1
        generation = self._generation
        handle = self.ctx.runner.submit("Reading the dashboard", lambda progress, cancel: dashboard_facts(book))
        handle.succeeded.connect(lambda facts: self._show(generation, facts))
        handle.failed.connect(lambda exc: show_error(self, exc))
        health = self.ctx.runner.submit("Reading sync and exception health", lambda progress, cancel: read_health(book))
        health.succeeded.connect(lambda found: self.health.show_health(found) if generation == self._generation else None)
        health.failed.connect(lambda exc: show_error(self, exc))

    def clear(self) -> None:
        self.facts = None
        self._generation += 1

    def _show(self, generation: int, facts: DashboardFacts) -> None:
        if generation != self._generation:
            return
        self.facts = facts
        self._show_statuses(facts)
        self.category_chart.set_groups(facts.by_category)
        self.vehicle_chart.set_groups(facts.by_vehicle)
        self.currency_note.setText(
            f"Charts show spend in {facts.home_currency}; {format_count(facts.other_currency_expenses)} expenses "
            "in other currencies are counted above but not charted." if facts.other_currency_expenses else "")
        last = facts.last_import
        if last is None:
            self.last_import.setText("Nothing imported yet. Use Import (Ctrl+I) to bring in a file.")
            self.show_import.setEnabled(False)
        else:
            when = format_datetime(last.finished_at) if last.finished_at else "unfinished"
            self.last_import.setText(
                f"{last.file_name} from {last.source}, {when}: {format_count(last.new)} new, "
                f"{format_count(last.duplicates)} duplicates, {format_count(last.conflicts)} conflicts, "
                f"{format_count(last.rejected)} rejected rows.")
            self.show_import.setEnabled(True)

    def _show_statuses(self, facts: DashboardFacts) -> None:
        while self.status_grid.count():
            item = self.status_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.status_buttons.clear()
        total = QPushButton(f"{format_count(facts.total_expenses)}\nAll expenses")
        total.setObjectName("status_all")
        total.clicked.connect(lambda: self._drill(ExpenseFilter()))
        self.status_grid.addWidget(total, 0, 0)
        self.status_buttons["all"] = total
        for i, (status, count) in enumerate(facts.by_status, start=1):
            button = QPushButton(f"{format_count(count)}\n{STATUS_LABELS[status]}")
            button.setObjectName(f"status_{status}")
            button.setEnabled(count > 0)
            button.clicked.connect(lambda _checked=False, s=status: self._drill(ExpenseFilter(statuses=frozenset({s}))))
            self.status_grid.addWidget(button, i // 5, i % 5)
            self.status_buttons[status] = button

    def _drill(self, flt: ExpenseFilter) -> None:
        self.ctx.navigate("expenses", flt)

    def _drill_last_import(self) -> None:
        if self.facts is not None and self.facts.last_import is not None:
            self._drill(ExpenseFilter(batch_id=self.facts.last_import.batch_id))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.category_chart.apply_theme()
            self.vehicle_chart.apply_theme()
