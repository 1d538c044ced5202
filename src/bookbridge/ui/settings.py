"""What Qt keeps for the user between runs, apart from the book's own settings.

Two kinds, under two groups of keys, so resetting one never loses the other:

* **Preferences** (``preferences/...``): choices the user makes on the Settings page. Each is
  declared once in :data:`PREFERENCES` (key, type, default, label, choices) and read and written
  only through :func:`preference` / :func:`set_preference`.
* **Window state** (``window/...``): geometry, splitter positions and table columns, saved and
  restored by the widgets themselves; never shown as a setting.

Recent books (``recent_books``) stay where the first version put them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter

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


# --- preferences, declared once -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preference:
    """One user preference.

    Attributes:
        key: stored under ``preferences/<key>``.
        kind: ``str`` or ``bool`` (QSettings returns text on some platforms; we convert).
        default: used until the user chooses.
        label: what the Settings page shows.
        choices: allowed values with their labels, for a choice; empty for free text.
        help: one sentence under the field.
    """

    key: str
    kind: type
    default: Any
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


PREFERENCES: tuple[Preference, ...] = (
    Preference(
        "theme", str, "system", "Appearance",
        choices=(("system", "Follow the system (light or dark)"), ("light", "Light"), ("dark", "Dark")),
        help="Bookbridge follows your computer's light or dark setting unless you choose one here.",
    ),
    Preference(
        "actor_name", str, "", "Your name",
        help="Recorded with every approval, rejection and import in the book's audit log.",
    ),
)
_BY_KEY = {p.key: p for p in PREFERENCES}


def preference(key: str) -> Any:
    """The stored value of a declared preference, or its default."""
    spec = _BY_KEY[key]
    raw = qsettings().value(f"preferences/{key}", spec.default)
    if spec.kind is bool:
        return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")
    value = spec.kind(raw)
    if spec.choices and value not in {c for c, _ in spec.choices}:
        return spec.default
    return value


def set_preference(key: str, value: Any) -> None:
    """Store a declared preference (an undeclared key is a programming error)."""
    spec = _BY_KEY[key]
    if spec.choices and value not in {c for c, _ in spec.choices}:
        raise ValueError(f"{value!r} is not a choice of preference {key!r}")
    qsettings().setValue(f"preferences/{key}", spec.kind(value))


# --- window state ---------------------------------------------------------------------------------


def _state_key(kind: str, name: str) -> str:
    return f"window/{kind}/{name}"


def _load_bytes(key: str) -> QByteArray | None:
    value = qsettings().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_window(window: QMainWindow, name: str = "main") -> None:
    settings = qsettings()
    settings.setValue(_state_key("geometry", name), window.saveGeometry())
    settings.setValue(_state_key("state", name), window.saveState())


def restore_window(window: QMainWindow, name: str = "main") -> bool:
    """Put the window back where it was; False when nothing was saved yet."""
    geometry = _load_bytes(_state_key("geometry", name))
    state = _load_bytes(_state_key("state", name))
    if geometry is not None:
        window.restoreGeometry(geometry)
    if state is not None:
        window.restoreState(state)
    return geometry is not None


def save_splitter(splitter: QSplitter, name: str) -> None:
    qsettings().setValue(_state_key("splitter", name), splitter.saveState())


def restore_splitter(splitter: QSplitter, name: str) -> bool:
    state = _load_bytes(_state_key("splitter", name))
    return state is not None and splitter.restoreState(state)


def save_header(header: QHeaderView, name: str) -> None:
    """Column widths, order, hidden columns and sort indicator of a table."""
    qsettings().setValue(_state_key("header", name), header.saveState())


def restore_header(header: QHeaderView, name: str) -> bool:
    state = _load_bytes(_state_key("header", name))
    return state is not None and header.restoreState(state)


def remember_splitter(splitter: QSplitter, name: str) -> None:
    """Restore ``splitter`` now and save it whenever the user moves it."""
    restore_splitter(splitter, name)
    splitter.splitterMoved.connect(lambda _pos, _index: save_splitter(splitter, name))


def remember_header(header: QHeaderView, name: str) -> None:
    """Restore ``header`` now and save it whenever a column is resized, moved or sorted."""
    restore_header(header, name)

    def save(*_args: object) -> None:
        save_header(header, name)

    header.sectionResized.connect(save)
    header.sectionMoved.connect(save)
    header.sortIndicatorChanged.connect(save)
