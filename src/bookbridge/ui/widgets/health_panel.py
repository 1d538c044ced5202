"""The Dashboard's row of health: sync, exceptions against their SLA, this month's reconciliation.

Each figure is a button that opens the rows behind it (the Sync page's runs, the exception queue
filtered by severity or to the overdue, the Reconcile page on that month).
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from bookbridge.ui.formatting import format_count, format_datetime
from bookbridge.ui.models.exceptions_model import ExceptionFilter
from bookbridge.ui.models.health_facts import Health
from bookbridge.ui.models.sync_models import run_status


def _button(name: str, slot) -> QPushButton:
    button = QPushButton()
    button.setObjectName(name)
    button.clicked.connect(slot)
    return button


class HealthPanel(QWidget):
    """Three boxes; :meth:`show_health` fills them, ``navigate(key, argument)`` opens the rows."""

    def __init__(self, navigate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.health: Health | None = None
        self._navigate = navigate

        sync_box = QGroupBox("Sync health")
        self.last_sync = QLabel("Never synced.")
        self.last_sync.setObjectName("healthLastSync")
        self.last_sync.setWordWrap(True)
        self.runs = QLabel()
        self.runs.setObjectName("healthRuns")
        self.runs.setWordWrap(True)
        self.open_sync = _button("healthOpenSync", lambda: self._navigate("sync", None))
        self.open_sync.setText("Open Sync")
        sync_layout = QVBoxLayout(sync_box)
        sync_layout.addWidget(self.last_sync)
        sync_layout.addWidget(self.runs, 1)
        sync_layout.addWidget(self.open_sync)

        queue_box = QGroupBox("Exceptions (open)")
        grid = QGridLayout(queue_box)
        self.queue_buttons = {
            "blocker": _button("healthBlockers", lambda: self._exceptions(ExceptionFilter(severity="blocker"))),
            "warning": _button("healthWarnings", lambda: self._exceptions(ExceptionFilter(severity="warning"))),
            "overdue": _button("healthOverdue", lambda: self._exceptions(ExceptionFilter())),
        }
        for column, button in enumerate(self.queue_buttons.values()):
            grid.addWidget(button, 0, column)
        self.ages = QLabel()
        self.ages.setObjectName("healthAges")
        self.ages.setWordWrap(True)
        grid.addWidget(self.ages, 1, 0, 1, 3)

        month_box = QGroupBox("Reconciliation")
        self.month_box = month_box
        self.month_bar = QProgressBar()
        self.month_bar.setObjectName("healthMonth")
        self.month_text = QLabel()
        self.month_text.setObjectName("healthMonthText")
        self.month_text.setWordWrap(True)
        self.open_month = _button("healthOpenMonth", self._month)
        month_layout = QVBoxLayout(month_box)
        month_layout.addWidget(self.month_bar)
        month_layout.addWidget(self.month_text, 1)
        month_layout.addWidget(self.open_month)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for box in (sync_box, queue_box, month_box):
            layout.addWidget(box, 1)

    def _exceptions(self, flt: ExceptionFilter) -> None:
        self._navigate("exceptions", flt)

    def _month(self) -> None:
        if self.health is not None:
            self._navigate("reconcile", self.health.month.period)

    def show_health(self, health: Health) -> None:
        self.health = health
        sync = health.sync
        last = sync.last
        if last is None:
            self.last_sync.setText("Never synced. Connect an accounting system, then press Sync now.")
            self.runs.clear()
        else:
            rate = f"{sync.success_rate:.0%}" if sync.success_rate is not None else "–"
            quota = min(sync.quota, key=lambda q: q[1] / q[2] if q[2] else 1) if sync.quota else None
            self.last_sync.setText(
                f"Last sync {format_datetime(last.finished_at or last.started_at)}: {run_status(last).lower()}, "
                f"{format_count(last.posted)} posted, {format_count(last.failed)} failed. "
                f"Success rate {rate} of the documents of the last {len(sync.runs)} run(s)."
                + (f" API quota left: {quota[1]} of {quota[2]} ({quota[0]})." if quota else ""))
            self.runs.setText("Posted / failed per run, newest first: " + ", ".join(
                f"{r.posted}/{r.failed}" for r in sync.runs[:6]))
        queue = health.queue
        self.queue_buttons["blocker"].setText(f"{format_count(queue.blockers)}\nblockers")
        self.queue_buttons["warning"].setText(f"{format_count(queue.warnings)}\nwarnings")
        self.queue_buttons["overdue"].setText(f"{format_count(queue.overdue)}\npast their SLA")
        self.queue_buttons["overdue"].setEnabled(queue.overdue > 0)
        self.ages.setText("Open for " + ", ".join(f"{label}: {format_count(n)}" for label, n in queue.by_age) + ".")
        month = health.month
        self.month_box.setTitle(f"Reconciliation {month.period}")
        self.month_bar.setRange(0, max(1, month.lines))
        self.month_bar.setValue(month.matched + month.explained)
        self.month_bar.setFormat(f"{month.matched + month.explained} of {month.lines} lines settled")
        state = "signed off" if month.signed_off else "open"
        self.month_text.setText(
            f"{format_count(month.matched)} matched, {format_count(month.explained)} explained, "
            f"{format_count(month.to_review)} to review; the month is {state}." if month.lines else
            f"No statement imported for {month.period} yet.")
        self.open_month.setText(f"Reconcile {month.period}")
