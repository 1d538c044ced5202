"""The signal-emit work-around: thousands of emissions leave ``True``'s references intact."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from bookbridge.ui.qtcompat import emit


class _Sender(QObject):
    happened = Signal(int)


def test_many_emits_keep_true_alive(qtbot) -> None:
    """5,000 emissions through emit() do not drain references to True (the 6.12.0 defect)."""
    sender = _Sender()
    received: list[int] = []
    sender.happened.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(5000):
        emit(sender.happened, i)
    assert len(received) == 5000
    assert sys.getrefcount(True) >= before - 50  # other code may drop a few; the defect drops 5,000
