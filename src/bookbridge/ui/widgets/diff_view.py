"""A template diff for people: one block per added, removed or changed mapping, rule or setting.

The entries are the engine's (``coding.diff.diff_templates``); this only lays them out, with
colour and a sign so the difference reads without colour too.
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtWidgets import QTextBrowser, QWidget

from bookbridge.coding.diff import Change, DiffEntry
from bookbridge.ui.formatting import escape_html
from bookbridge.ui.models.record_table import tone_colour

_SECTION = {"template": "Template", "credit_accounts": "Credit accounts", "cards": "Card", "tax_codes": "Tax code",
            "mappings": "Mapping", "rules": "Rule"}
_CHANGE = {Change.ADDED: ("+", "added", "good"), Change.REMOVED: ("−", "removed", "bad"),
           Change.CHANGED: ("~", "changed", "warn")}


def diff_html(entries: Iterable[DiffEntry]) -> str:
    entries = list(entries)
    if not entries:
        return "<p>No differences.</p>"
    blocks = []
    for entry in entries:
        sign, word, tone = _CHANGE[entry.change]
        colour = tone_colour(tone)
        title = f"{_SECTION.get(entry.section, entry.section)} {entry.key}".strip()
        details = "".join(f"<li>{escape_html(d)}</li>" for d in entry.details)
        blocks.append(f"<p style='margin-bottom:0'><b style='color:{colour.name() if colour else 'inherit'}'>{sign} "
                      f"{escape_html(title)}</b> <i>{word}</i></p>" + (f"<ul style='margin-top:0'>{details}</ul>" if details else ""))
    return "".join(blocks)


class DiffView(QTextBrowser):
    """Shows a list of diff entries."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.entries: list[DiffEntry] = []

    def show_diff(self, entries: Iterable[DiffEntry]) -> None:
        self.entries = list(entries)
        self.setHtml(diff_html(self.entries))
