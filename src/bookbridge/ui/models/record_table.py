"""One table model for the small grids of the second half of the app (runs, exceptions, lines...).

Each grid holds a list of frozen records read on a worker (a few hundred at most: a queue, a
month of statement lines, a template's mappings), so a plain list and a sorting proxy are the
right tools; the 100,000-row expenses grid has its own lazy model. A subclass declares its columns
once, as :class:`ColumnSpec` values (header, displayed text, typed sort key, alignment, tooltip,
tone), and the model answers Qt's roles from them, so every grid sorts on typed values (dates
as dates, Decimal amounts exactly) through :class:`TypedSortProxy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from bookbridge.ui.models.table_base import ID_ROLE, RECORD_ROLE, SORT_ROLE, Index, RowTableModel, TypedSortProxy
from bookbridge.ui.theme import is_dark

__all__ = ["ColumnSpec", "RecordTableModel", "SORT_ROLE", "ID_ROLE", "RECORD_ROLE", "TypedSortProxy", "tone_colour"]

# Tones a cell can take; colours readable on light and dark palettes alike.
_TONES = {
    "bad": (QColor(0xB0, 0x2A, 0x1F), QColor(0xFF, 0x8A, 0x80)),
    "warn": (QColor(0x9A, 0x5B, 0x00), QColor(0xF2, 0xC0, 0x5C)),
    "good": (QColor(0x1E, 0x7A, 0x3C), QColor(0x7F, 0xD8, 0x98)),
    "quiet": (QColor(0x6B, 0x6F, 0x76), QColor(0x9A, 0x9E, 0xA5)),
}


def tone_colour(tone: str | None) -> QColor | None:
    """The colour of a tone on the current palette (None: the palette's own text colour)."""
    if tone not in _TONES:
        return None
    light, dark = _TONES[tone]  # type: ignore[index]
    return dark if is_dark() else light


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a record grid.

    Attributes:
        header: the column title.
        display: the record's text in this column.
        sort: a typed sort key (None: the displayed text, case-folded).
        right: align right (amounts, counts).
        tooltip: more text on hover, or None.
        tone: "bad", "warn", "good" or "quiet" to colour the cell, or None.
    """

    header: str
    display: Callable[[Any], str]
    sort: Callable[[Any], Any] | None = None
    right: bool = False
    tooltip: Callable[[Any], str | None] | None = None
    tone: Callable[[Any], str | None] | None = None


class RecordTableModel(RowTableModel):
    """Rows of plain records, columns from :attr:`columns` (the headers follow from them)."""

    columns: tuple[ColumnSpec, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.headers = tuple(column.header for column in cls.columns)

    # --- content ------------------------------------------------------------------------------------
    def set_items(self, items: Sequence[Any]) -> None:
        self._reset_rows(items)

    def items(self) -> list[Any]:
        return list(self._rows)

    def item(self, row: int) -> Any:
        return self._rows[row]

    def row_where(self, test: Callable[[Any], bool]) -> int | None:
        return next((i for i, it in enumerate(self._rows) if test(it)), None)

    def role_data(self, item: Any, column: int, role: int) -> Any:
        """A role the columns do not declare (an id, a status, a background); None by default."""
        return None

    # --- Qt's model API -----------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._in_range(index):
            return None
        item = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(item)
        if role == SORT_ROLE:
            return column.sort(item) if column.sort else column.display(item).casefold()
        if role == RECORD_ROLE:
            return item
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(item)
        if role == Qt.ItemDataRole.ForegroundRole and column.tone is not None:
            return tone_colour(column.tone(item))
        return self.role_data(item, index.column(), role)
