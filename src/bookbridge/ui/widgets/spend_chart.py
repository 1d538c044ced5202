"""A horizontal bar chart of spend per group (QtCharts) whose bars drill down when clicked.

Bar lengths are whole currency units as integers (a bar needs a length, not an exact amount);
the amount, formatted for the locale, is in each bar's label (short form) and tooltip (exact), so
nothing the user reads went through a float.
"""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QHorizontalBarSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QCursor, QPainter
from PySide6.QtWidgets import QToolTip

from bookbridge.ui.formatting import format_compact_money, format_money
from bookbridge.ui.models.book_facts import SpendGroup
from bookbridge.ui.theme import is_dark


class SpendChart(QChartView):
    """Spend per group; ``group_clicked(name)`` when the user clicks a bar.

    Attributes:
        groups: the groups shown, top to bottom.
    """

    group_clicked = Signal(str)

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(240)
        self._title = title
        self.groups: tuple[SpendGroup, ...] = ()
        self.setChart(self._build(()))

    def set_groups(self, groups: tuple[SpendGroup, ...]) -> None:
        self.groups = groups
        old = self.chart()
        self.setChart(self._build(groups))
        old.deleteLater()

    def apply_theme(self) -> None:
        self.chart().setTheme(QChart.ChartTheme.ChartThemeDark if is_dark() else QChart.ChartTheme.ChartThemeLight)
        self.chart().setBackgroundVisible(False)

    def _build(self, groups: tuple[SpendGroup, ...]) -> QChart:
        chart = QChart()
        chart.setTitle(self._title)
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if is_dark() else QChart.ChartTheme.ChartThemeLight)
        chart.setBackgroundVisible(False)
        if not groups:
            chart.setTitle(f"{self._title}: nothing yet")
            return chart
        ordered = list(reversed(groups))  # a horizontal series draws its first category at the bottom
        bars = QBarSet("Spend")
        for group in ordered:
            bars.append(max(0, group.amount.minor_units()) // (10 ** group.amount.exponent))
        bars.clicked.connect(lambda index: self._clicked(ordered, index))
        bars.hovered.connect(lambda status, index: self._hovered(ordered, status, index))
        series = QHorizontalBarSeries()
        series.append(bars)
        chart.addSeries(series)
        labels = QBarCategoryAxis()
        labels.append([f"{g.name}  {format_compact_money(g.amount)}" for g in ordered])
        chart.addAxis(labels, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(labels)
        values = QValueAxis()
        values.setMin(0)
        values.setLabelsVisible(False)  # the amounts are in the labels; raw axis numbers only clutter
        values.setGridLineVisible(False)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(values)
        return chart

    def _hovered(self, ordered: list[SpendGroup], status: bool, index: int) -> None:
        if status and 0 <= index < len(ordered):
            group = ordered[index]
            QToolTip.showText(QCursor.pos(), f"{group.name}: {format_money(group.amount)} in {group.count:,} "
                              "expenses. Click to see them.")
        else:
            QToolTip.hideText()

    def _clicked(self, ordered: list[SpendGroup], index: int) -> None:
        if 0 <= index < len(ordered):
            self.group_clicked.emit(ordered[index].name)
