"""User preferences kept by Qt (recent books, window state), apart from the book's own settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 8


def qsettings() -> QSettings:
    return QSettings("Bookbridge", "Bookbridge")


def recent_books() -> list[Path]:
    value = qsettings().value("recent_books", [])
    items = [value] if isinstance(value, str) else list(value or [])
    return [Path(p) for p in items if p]


def add_recent_book(path: Path) -> None:
    path = Path(path).resolve()
    items = [p for p in recent_books() if p != path]
    qsettings().setValue("recent_books", [str(p) for p in [path, *items][:MAX_RECENT]])
