"""The status bar's view of background work: what is running, how far it is, and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from bookbridge.ui.tasks import TaskHandle, TaskProgress, TaskRunner

# Reads that finish in a blink (a page refresh) would make the bar flicker; it shows after this.
SHOW_AFTER_MS = 400


class TaskStatus(QWidget):
    """Shows the oldest running task (step, done/total) with a Cancel button; hidden when idle."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taskStatus")
        self._runner = runner
        self.label = QLabel()
        self.label.setObjectName("taskStep")
        self.bar = QProgressBar()
        self.bar.setObjectName("taskProgress")
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(True)
        self.cancel = QToolButton()
        self.cancel.setObjectName("taskCancel")
        self.cancel.setText("Cancel")
        self.cancel.clicked.connect(self._cancel_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(SHOW_AFTER_MS)
        self._delay.timeout.connect(self._refresh)
        runner.task_started.connect(self._started)
        runner.task_progressed.connect(self._progressed)
        runner.task_finished.connect(self._refresh)
        self.hide()

    def _current(self) -> TaskHandle | None:
        return next((h for h in self._runner.active() if h.state.value == "running"), None)

    def _started(self, _handle: TaskHandle) -> None:
        if self.isHidden():
            self._delay.start()  # show only if it is still running after a moment
        else:
            self._refresh()

    def _refresh(self, *_args: object) -> None:
        handle = self._current()
        if handle is None:
            self.hide()
            return
        self._show(handle, handle.last_progress)

    def _progressed(self, report: TaskProgress) -> None:
        handle = self._current()
        if handle is not None and handle.task_id == report.task_id and not self.isHidden():
            self._show(handle, report)

    def _show(self, handle: TaskHandle, report: TaskProgress | None) -> None:
        step = report.step if report else handle.name
        self.label.setText(step)
        if report is not None and report.total:
            self.bar.setRange(0, report.total)
            self.bar.setValue(min(report.done, report.total))
            self.bar.setFormat(f"{report.done:,} / {report.total:,}")
        else:
            self.bar.setRange(0, 0)  # busy: total unknown
        self.show()

    def _cancel_clicked(self) -> None:
        handle = self._current()
        if handle is not None:
            handle.cancel()
            self.label.setText(f"Cancelling: {handle.name}…")
