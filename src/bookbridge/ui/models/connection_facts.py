"""The book's connections as the Connections and Sync pages show them, read on a worker.

For each connection: the book's record (provider, company, base URL, last sync), the token
expiry as the token store has it now (the keyring, or the in-app sandbox's memory), a status a
bookkeeper can act on ("reconnect needed: ..."), and the API quota the accounting system had left
when the last sync finished (recorded on the run). Nothing secret is read out.

The quota comes from the run rather than from the connectors' live limiter on purpose: that
limiter is keyed by each provider's own API root and time scale, and asking for it with another
key would create a second, full budget and show a figure no request will ever meet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.registry import PROVIDERS
from bookbridge.connectors.tokens import KeyringTokenStore, TokenStore
from bookbridge.core import clock
from bookbridge.core.errors import KeyringUnavailable
from bookbridge.store.book import Book
from bookbridge.store.models import Connection, SyncRun
from bookbridge.ui.sandboxes import IN_APP_SANDBOX, SandboxHost


@dataclass(frozen=True, slots=True)
class QuotaLeft:
    """Requests left in one of the vendor's rate windows when the last sync finished."""

    name: str
    remaining: int
    limit: int


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """One connection, detached from any session.

    Attributes:
        ok: True when a sync can use it now (tokens present and not expired, sandbox running).
        status: a short sentence for people ("connected", "reconnect needed: ...").
        in_app_sandbox: the connection goes to a sandbox this app starts (not a real company).
    """

    name: str
    provider: str
    label: str
    base_url: str
    company_id: str
    ok: bool
    status: str
    token_expires_at: datetime | None
    refresh_expires_at: datetime | None
    last_sync_at: datetime | None
    quota: tuple[QuotaLeft, ...]
    in_app_sandbox: bool
    time_scale: float


def _settings(row: Connection) -> dict[str, object]:
    try:
        value = json.loads(row.settings_json) if row.settings_json else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _token_state(book: Book, row: Connection, store: TokenStore | None,
                 sandbox: bool) -> tuple[bool, str, datetime | None, datetime | None]:
    """(usable, status, access expiry, refresh expiry) from wherever the tokens live."""
    if sandbox and store is None:
        return False, "local sandbox not running: press Start sandbox", row.token_expires_at, None
    try:
        tokens = (store or KeyringTokenStore(book.book_id, row.name, provider=row.provider)).load_tokens()
    except KeyringUnavailable:
        return False, "the computer's keyring is not available", row.token_expires_at, None
    except ReconnectRequired:
        return False, "reconnect needed: the saved credentials are damaged", row.token_expires_at, None
    if tokens is None:
        return False, "reconnect needed: no credentials on this computer", row.token_expires_at, None
    if tokens.refresh_expires_at is not None and tokens.refresh_expires_at <= clock.now():
        return False, "reconnect needed: the authorization expired", tokens.expires_at, tokens.refresh_expires_at
    return True, "connected", tokens.expires_at, tokens.refresh_expires_at


def _quota(session: Session, connection_id: int) -> tuple[QuotaLeft, ...]:
    text = session.scalar(
        sa.select(SyncRun.quota_json).where(SyncRun.connection_id == connection_id, SyncRun.dry_run.is_(False),
                                            SyncRun.quota_json.is_not(None))
        .order_by(SyncRun.started_at.desc()).limit(1))
    try:
        windows = json.loads(text) if text else {}
    except ValueError:
        return ()
    return tuple(QuotaLeft(str(name), int(w.get("remaining", 0)), int(w.get("limit", 0)))
                 for name, w in sorted(windows.items()) if isinstance(w, dict))


def list_connections(book: Book, host: SandboxHost | None = None) -> list[ConnectionInfo]:
    """Every connection of the book, by name (reads the keyring: run it on a worker)."""
    with book.read() as session:
        rows = session.scalars(sa.select(Connection).order_by(Connection.name)).all()
        quotas = {row.id: _quota(session, row.id) for row in rows}
        for row in rows:
            session.expunge(row)
    found = []
    for row in rows:
        settings = _settings(row)
        sandbox = bool(settings.get(IN_APP_SANDBOX))
        store = host.token_store(book.book_id, row.name) if host is not None else None
        ok, status, expires, refresh = _token_state(book, row, store, sandbox)
        spec = PROVIDERS.get(row.provider)
        time_scale = float(settings.get("time_scale", 1.0) or 1.0)  # type: ignore[arg-type]
        found.append(ConnectionInfo(
            name=row.name, provider=row.provider, label=spec.label if spec else row.provider,
            base_url=row.base_url or "", company_id=row.company_ref or "", ok=ok, status=status,
            token_expires_at=expires, refresh_expires_at=refresh, last_sync_at=row.last_sync_at,
            quota=quotas[row.id], in_app_sandbox=sandbox, time_scale=time_scale,
        ))
    return found
