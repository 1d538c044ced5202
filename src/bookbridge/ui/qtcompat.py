"""A work-around for a defect of the Qt binding we ship with, detected rather than assumed.

PySide6 6.12.0 (an abi3 wheel that claims CPython 3.10+) returns ``None``, ``True`` and ``False``
without taking a reference: every call of a void method (``label.setText``, ``widget.show``...)
steals a reference to ``None`` and every ``Signal.emit()`` one to ``True``. On CPython 3.12+
those objects are immortal and nothing happens. On 3.11 their reference counts drain with each
call until the interpreter aborts with "none_dealloc: deallocating None" (or "bool_dealloc"),
which for a GUI is a matter of minutes, and for a 2,000-item sync with progress reports, seconds.

:func:`pin_singletons` probes the binding once; if it leaks, it adds a very large number of
references to the three singletons at once (as CPython 3.12 does by making them immortal), so
the stolen references can never bring a count to zero in any session. It does nothing on a
fixed binding or a Python where they are immortal. The real fix is to run on CPython 3.12+.
"""

from __future__ import annotations

import ctypes
import sys

# 2**40 stolen references would take weeks of non-stop calls; far below the count's 2**63 limit.
_PIN = 1 << 40
_pinned = False


def _leaks() -> bool:
    """Call a void method and emit a signal a few times and see whether None/True lose references."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    samples = 8
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(samples):
        probe.setObjectName("probe")
        probe.ping.emit()
    lost = max(none_before - sys.getrefcount(None), true_before - sys.getrefcount(True))
    return lost >= samples


def _add_references(obj: object, count: int) -> None:
    # ob_refcnt is the first field of every object in CPython's non-debug builds (3.11 included).
    ctypes.c_ssize_t.from_address(id(obj)).value += count


def pin_singletons() -> bool:
    """Protect None/True/False from the binding's stolen references; True when it was needed."""
    global _pinned
    if _pinned:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or not _leaks():
        return False
    for obj in (None, True, False):
        _add_references(obj, _PIN)
    _pinned = True
    return True


PINNED = pin_singletons()
