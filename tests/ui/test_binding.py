"""The Qt binding keeps reference counts right (PySide6 6.12.0 did not, on CPython 3.11)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Sender(QObject):
    happened = Signal(int)


def test_qt_calls_do_not_steal_references_to_none_or_true(qtbot) -> None:
    """Thousands of void calls and signal emits leave the counts of None and True unchanged."""
    sender = _Sender()
    received: list[int] = []
    sender.happened.connect(received.append)
    label = QLabel()
    qtbot.addWidget(label)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(2_000):
        label.setText("x")
        sender.happened.emit(i)
    assert len(received) == 2_000
    # Immortal singletons (3.12+) report a constant count; on 3.11 a broken binding drains them.
    assert sys.getrefcount(None) >= none_before - 50
    assert sys.getrefcount(True) >= true_before - 50
