"""The desktop app. The ONLY package that imports Qt (PySide6)."""
