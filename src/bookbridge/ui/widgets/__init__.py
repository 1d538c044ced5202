"""Reusable widgets: empty states, receipt preview, charts, status chips."""
