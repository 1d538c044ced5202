"""The desktop app. The ONLY package that imports Qt (PySide6).

Importing it first protects the interpreter from a reference-count defect of the PySide6 build
we ship with on CPython 3.11 (see :mod:`bookbridge.ui.qtcompat`).
"""

from bookbridge.ui import qtcompat as _qtcompat  # noqa: F401  (must run before any other Qt use)
