"""Small pieces the pages build themselves from, so every page looks and behaves the same way.

A read-only grid, a sentence that wraps, a rich-text detail pane, a named button, two panes side
by side whose divider is remembered, and keyboard shortcuts scoped to a widget. Each is what the
pages wrote again and again; names are given by the caller because the tests and the stylesheet
find widgets by their object name.
"""

from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bookbridge.ui.settings import remember_splitter

# Ctrl+Enter on the main keyboard and on the keypad: both send a comment or a note.
SUBMIT_KEYS = ("Ctrl+Return", "Ctrl+Enter")


def grid(name: str, model: QAbstractItemModel) -> QTableView:
    """A read-only grid of whole rows, no row numbers, the last column taking the room left."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def sentence(name: str, text: str = "") -> QLabel:
    """A label for a message or a summary: plain text that wraps."""
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def detail_pane(name: str, text: str) -> QLabel:
    """The rich-text description of the selected row, from the top left corner down."""
    label = sentence(name, text)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


def button(text: str, name: str, slot: Callable[[], object]) -> QPushButton:
    """A push button that calls ``slot`` (without the ``checked`` argument Qt passes)."""
    pushed = QPushButton(text)
    pushed.setObjectName(name)
    pushed.clicked.connect(lambda _checked=False: slot())
    return pushed


def stacked(*parts: QWidget | QBoxLayout, stretch: QWidget | None = None) -> QWidget:
    """A widget holding ``parts`` top to bottom; ``stretch`` (one of them) takes the height left."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    for part in parts:
        if isinstance(part, QBoxLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part, 1 if part is stretch else 0)
    return holder


def side_by_side(key: str, left: QWidget, right: QWidget, *, stretch: tuple[int, int],
                 sizes: tuple[int, int] | None = None) -> QSplitter:
    """Two panes with a divider the user moves; where they left it is remembered under ``key``."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName(f"{key}Splitter")
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(0, stretch[0])
    splitter.setStretchFactor(1, stretch[1])
    if sizes is not None:
        splitter.setSizes(list(sizes))
    remember_splitter(splitter, key)
    return splitter


def shortcuts(on: QWidget, keys: Iterable[str], slot: Callable[[], object], *,
              context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut) -> None:
    """Make each of ``keys`` call ``slot`` while focus is in ``on`` (or only on it: WidgetShortcut)."""
    for key in keys:
        shortcut = QShortcut(QKeySequence(key), on)
        shortcut.setContext(context)
        shortcut.activated.connect(slot)


def on_submit(text_box: QWidget, slot: Callable[[], object]) -> None:
    """Ctrl+Enter in ``text_box`` (a comment, a note) calls ``slot``; only there, so Enter alone stays a new line."""
    shortcuts(text_box, SUBMIT_KEYS, slot, context=Qt.ShortcutContext.WidgetShortcut)
