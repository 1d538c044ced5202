"""Work-arounds for defects of the Qt binding we ship with, each detected rather than assumed.

``SignalInstance.emit()`` in PySide6 6.12.0 returns its bool result without taking a reference.
On CPython 3.11 (where ``True``/``False`` are ordinary refcounted objects; 3.12 made them
immortal) every ``emit()`` called from Python therefore steals one reference to ``True``, and
after a few hundred emissions the interpreter aborts with "bool_dealloc: deallocating True or
False". A sync that reports progress for 2,000 items would kill the app. :func:`emit` gives the
reference back, but only when a probe at import time shows the binding really leaks, so a fixed
PySide6 or a newer Python simply turns the compensation off.

Every signal the GUI emits from Python goes through :func:`emit`.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    ping = Signal()


def _measure_emit_leak() -> bool:
    """Emit a few times and see whether ``True`` lost references; repair what the probe took."""
    probe = _Probe()
    samples = 8
    before = sys.getrefcount(True)
    results = [probe.ping.emit() for _ in range(samples)]
    del results
    lost = before - sys.getrefcount(True)
    for _ in range(max(0, lost)):
        _incref(True)
    return lost >= samples


EMIT_LEAKS_RESULT = _measure_emit_leak()


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, giving back the reference a defective binding steals."""
    result = signal.emit(*args)
    if EMIT_LEAKS_RESULT:
        _incref(result)
