"""Light or dark, following the system unless the user chose one.

Qt (6.5+) reports the system's choice through ``QStyleHints.colorScheme()`` and applies the
matching platform palette itself; an application asks for a scheme with ``setColorScheme``
(6.8+). Some platforms ignore the request (the offscreen and several X11 platforms report
``Unknown`` forever), so when the user asked for light or dark and the platform did not follow,
we set a Fusion palette ourselves. :class:`ThemeWatcher` tells the widgets that draw their own
colours (charts, status chips) when the effective scheme changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from bookbridge.ui.settings import preference

_REQUEST = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}


def _dark_palette() -> QPalette:
    """A calm dark palette (Fusion): enough contrast for long tables, no pure black."""
    p = QPalette()
    base, window, text = QColor(0x1E, 0x1F, 0x22), QColor(0x2B, 0x2D, 0x30), QColor(0xDF, 0xE1, 0xE5)
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor(0x26, 0x28, 0x2B))
    p.setColor(QPalette.ColorRole.ToolTipBase, window)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor(0x8C, 0x8F, 0x94))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, window)
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.BrightText, QColor(0xFF, 0x6B, 0x6B))
    p.setColor(QPalette.ColorRole.Link, QColor(0x6C, 0xA6, 0xF0))
    p.setColor(QPalette.ColorRole.Highlight, QColor(0x35, 0x74, 0xC4))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor(0xFF, 0xFF, 0xFF))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(0x7A, 0x7D, 0x82))
    return p


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the effective palette is dark (works whatever the platform reports)."""
    pal = palette if palette is not None else QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


class ThemeWatcher(QObject):
    """Applies the appearance preference and reports when light/dark changes.

    Signals:
        changed(bool): the effective scheme changed; True for dark.
    """

    changed = Signal(bool)

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._own_palette = False
        self._dark = is_dark(app.palette())
        app.styleHints().colorSchemeChanged.connect(self._system_changed)

    @property
    def dark(self) -> bool:
        return self._dark

    def apply(self, choice: str | None = None) -> bool:
        """Apply ``choice`` (system/light/dark; default: the saved preference); returns dark?"""
        choice = choice or preference("theme")
        hints = self._app.styleHints()
        if choice in _REQUEST:
            hints.setColorScheme(_REQUEST[choice])
            if hints.colorScheme() != _REQUEST[choice]:  # the platform did not follow: paint it
                self._set_palette(_dark_palette() if choice == "dark" else self._app.style().standardPalette())
            else:
                self._drop_own_palette()
        else:
            hints.unsetColorScheme()
            self._drop_own_palette()
        self._update()
        return self._dark

    def _set_palette(self, palette: QPalette) -> None:
        self._app.setPalette(palette)
        self._own_palette = True

    def _drop_own_palette(self) -> None:
        if self._own_palette:
            self._app.setPalette(self._app.style().standardPalette())
            self._own_palette = False

    def _system_changed(self, _scheme: Qt.ColorScheme) -> None:
        # Qt already swapped the platform palette; we only follow it when the user lets the
        # system decide.
        if preference("theme") == "system":
            self._update()

    def _update(self) -> None:
        dark = is_dark(self._app.palette())
        if dark != self._dark:
            self._dark = dark
            self.changed.emit(dark)
