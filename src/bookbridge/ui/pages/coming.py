"""Pages not built yet: an honest empty state saying what will be here and what works meanwhile."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from bookbridge.ui.pages.base import AppContext, Page
from bookbridge.ui.widgets.empty_state import EmptyState

# key -> (headline, what to do meanwhile). Each disappears when its page is built.
COMING: dict[str, tuple[str, str]] = {
}


class ComingPage(Page):
    """An empty state naming what will appear here and what works meanwhile."""

    def __init__(self, ctx: AppContext, key: str, title: str, parent: QWidget | None = None) -> None:
        self.key, self.title = key, title
        super().__init__(ctx, parent)
        headline, explanation = COMING[key]
        self.empty = EmptyState(headline, explanation)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
