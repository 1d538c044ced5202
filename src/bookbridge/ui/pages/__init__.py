"""The main window's pages, one module each; :data:`PAGE_ORDER` is the navigation order."""

from __future__ import annotations

# key, title: Ctrl+1..9 go to the first nine, in this order.
PAGE_ORDER: tuple[tuple[str, str], ...] = (
    ("dashboard", "Dashboard"),
    ("inbox", "Inbox"),
    ("expenses", "Expenses"),
    ("import", "Import"),
    ("mappings", "Mappings"),
    ("rules", "Rules"),
    ("approvals", "Approvals"),
    ("sync", "Sync"),
    ("reconcile", "Reconcile"),
    ("exceptions", "Exceptions"),
    ("reports", "Reports"),
    ("connections", "Connections"),
    ("settings", "Settings"),
)
