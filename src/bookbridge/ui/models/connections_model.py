"""The Connections grid: one row per connection with status, company, expiries, last sync and quota."""

from __future__ import annotations

from datetime import datetime, timezone

from bookbridge.ui.connection_terms import environment_of, quota_explained, quota_summary
from bookbridge.ui.formatting import format_datetime
from bookbridge.ui.models.connection_facts import ConnectionInfo
from bookbridge.ui.models.record_table import ColumnSpec, RecordTableModel

_NEVER = datetime.min.replace(tzinfo=timezone.utc)


def _where(info: ConnectionInfo) -> str:
    return "local sandbox (in this app)" if info.in_app_sandbox else info.base_url


class ConnectionsModel(RecordTableModel):
    """Connections of the book (``ConnectionInfo`` records)."""

    columns = (
        ColumnSpec("Name", lambda c: c.name),
        ColumnSpec("System", lambda c: c.label),
        ColumnSpec("Environment", lambda c: environment_of(c.provider, c.base_url, c.in_app_sandbox),
                   tooltip=lambda c: c.base_url),
        ColumnSpec("Company", lambda c: c.company_id, tooltip=_where),
        ColumnSpec("Status", lambda c: c.status, tone=lambda c: "good" if c.ok else "bad"),
        ColumnSpec("Access token expires", lambda c: format_datetime(c.token_expires_at),
                   sort=lambda c: c.token_expires_at or _NEVER,
                   tooltip=lambda c: "Renewed automatically while the authorization lasts."),
        ColumnSpec("Authorization expires", lambda c: format_datetime(c.refresh_expires_at) or "—",
                   sort=lambda c: c.refresh_expires_at or _NEVER,
                   tooltip=lambda c: "After this day the company must be connected again."),
        ColumnSpec("Last sync", lambda c: format_datetime(c.last_sync_at) or "never",
                   sort=lambda c: c.last_sync_at or _NEVER),
        ColumnSpec("API quota left", quota_summary, tooltip=quota_explained),
    )
