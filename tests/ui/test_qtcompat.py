"""The binding work-around: thousands of Qt calls and emits never drain None or True."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

import bookbridge.ui  # noqa: F401  (applies the work-around, as the app does)
from bookbridge.ui.qtcompat import pin_singletons


class _Sender(QObject):
    happened = Signal(int)


def test_many_calls_keep_singletons_alive(qtbot) -> None:
    """20,000 void calls and emits leave None and True with references to spare (immortal-like)."""
    pin_singletons()
    sender = _Sender()
    received: list[int] = []
    sender.happened.connect(received.append)
    label = QLabel()
    for i in range(10_000):
        label.setText("x")
        sender.happened.emit(i)
    assert len(received) == 10_000
    # CPython 3.12 reports ~2**30 for immortal objects; pinning on 3.11 adds 2**40.
    assert sys.getrefcount(None) > 2**29
    assert sys.getrefcount(True) > 2**29
