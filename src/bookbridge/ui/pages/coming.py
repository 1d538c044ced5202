"""Pages whose engine is not in this version yet: an honest empty state, not a fake screen."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from bookbridge.ui.pages.base import AppContext, Page
from bookbridge.ui.widgets.empty_state import EmptyState

# key -> (headline, what to do meanwhile). Each disappears when its page is built.
COMING: dict[str, tuple[str, str]] = {
    "mappings": (
        "The mapping editor arrives with the next part of the desktop app",
        "Mapping templates, their versions, diffs, publishing and rollback already work from the "
        "command line: bookbridge mapping --help.",
    ),
    "rules": (
        "The rules editor arrives with the next part of the desktop app",
        "Rules and their previews already work from the command line: bookbridge rules --help.",
    ),
    "sync": (
        "Sync arrives with the sync engine",
        "Posting to QuickBooks Online, Xero, Sage Intacct and NetSuite, with progress, cancel and a "
        "dry run that shows the payloads, will appear here.",
    ),
    "reconcile": (
        "Reconciliation arrives with the reconciliation engine",
        "Statement lines beside expenses with suggested matches, the month-end checklist and the "
        "audit pack will appear here.",
    ),
    "exceptions": (
        "The exception queue arrives with the sync engine",
        "Problems that need a person (failed posts, conflicts) will be listed here with owners, "
        "filters and resolution notes.",
    ),
    "reports": (
        "Reports arrive with the reconciliation packs",
        "PDF reconciliation packs and CSV exports will be generated here.",
    ),
    "connections": (
        "Connections arrive with the sync engine",
        "Connecting QuickBooks Online, Xero, Sage Intacct or NetSuite (and the local sandbox) will "
        "happen here. Meanwhile: bookbridge connect --help.",
    ),
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
