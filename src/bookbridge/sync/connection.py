"""From a connection recorded in the book to a ready connector, plus the connection's sync settings.

Secrets never pass through here: the connector reads its tokens from the OS keyring (or, for the
in-process demo, from memory) through a :class:`~bookbridge.connectors.tokens.TokenStore`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.connectors.http import Timeouts
from bookbridge.connectors.httplog import ExchangeSink
from bookbridge.connectors.protocol import Connector
from bookbridge.connectors.registry import PROVIDERS
from bookbridge.connectors.registry import open_connector as _open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import KeyringTokenStore, TokenStore
from bookbridge.core.errors import NotFound, UsageError
from bookbridge.journal.model import Grouping
from bookbridge.store.book import Book
from bookbridge.store.models import Connection
from bookbridge.sync.mapping import parse_tracking_categories

MAX_BATCH = 30


@dataclass(frozen=True, slots=True)
class ConnectionRef:
    """The non-secret facts of a connection, detached from any session."""

    id: int
    name: str
    provider: str
    base_url: str
    company_id: str
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """How the sync engine posts through one connection (from ``connections.settings_json``).

    Attributes:
        grouping: how expenses are gathered into entries (``expense``, ``report``, ``day``...).
        batch_size: documents per batch request (QBO takes at most 30).
        create_vendors: create a vendor missing in the accounting system when posting needs it;
            otherwise the expense waits in the exception queue.
        replay_window_hours: how long after an attempt a resend with the same key is trusted to
            be replayed by the vendor; older in-flight documents are looked up by key first.
            ``None`` (not set): the connector's own window (see :meth:`replay_window`).
        workers: requests sent at once (the connector's limiter still enforces the vendor limits).
    """

    grouping: Grouping = Grouping.PER_EXPENSE
    batch_size: int = MAX_BATCH
    create_vendors: bool = False
    replay_window_hours: float | None = None
    workers: int = 1

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> "SyncSettings":
        try:
            return cls(
                grouping=Grouping(values.get("grouping", Grouping.PER_EXPENSE.value)),
                batch_size=max(1, min(int(values.get("batch_size", MAX_BATCH)), MAX_BATCH)),
                create_vendors=bool(values.get("create_vendors", False)),
                replay_window_hours=(float(values["replay_window_hours"])
                                     if values.get("replay_window_hours") is not None else None),
                workers=max(1, min(int(values.get("sync_workers", 1)), 10)),
            )
        except (ValueError, TypeError) as exc:
            raise UsageError(f"The connection's sync settings are not valid ({exc}); fix them and run again.") from None

    def replay_window(self, connector: Connector) -> timedelta | None:
        """How long a resend is left to the vendor's replay: this connection's setting, else the connector's.

        ``None`` means a resend can never duplicate (NetSuite's upsert by externalId), so documents
        of unknown fate are always sent again rather than looked up first.
        """
        if self.replay_window_hours is not None:
            return timedelta(hours=self.replay_window_hours)
        return connector.replay_window


def _settings(connection: Connection) -> dict[str, Any]:
    if not connection.settings_json:
        return {}
    try:
        value = json.loads(connection.settings_json)
    except ValueError:
        raise UsageError(f"The settings of connection '{connection.name}' are damaged (not JSON).") from None
    return value if isinstance(value, dict) else {}


def find_connection(session: Session, name: str | None) -> ConnectionRef:
    """The connection called ``name``, or the book's only connection when no name is given.

    Raises:
        NotFound: no such connection, or the book has none.
        UsageError: several connections and no name.
    """
    if name is not None:
        row = session.scalars(sa.select(Connection).where(Connection.name == name)).first()
        if row is None:
            raise NotFound(f"This book has no connection called '{name}' (see `bookbridge connections BOOK`).")
    else:
        rows = session.scalars(sa.select(Connection).order_by(Connection.id)).all()
        if not rows:
            # No connection, so no provider to name; `bookbridge connect` requires one, so list the choices.
            raise NotFound("This book is not connected to an accounting system yet: run `bookbridge connect BOOK "
                           f"--provider PROVIDER` first (PROVIDER: one of {', '.join(sorted(PROVIDERS))}).")
        if len(rows) > 1:
            names = ", ".join(r.name for r in rows)
            raise UsageError(f"This book has several connections ({names}); choose one with --connection NAME.")
        row = rows[0]
    if not row.company_ref:
        raise UsageError(f"Connection '{row.name}' has no company id; connect it again.")
    return ConnectionRef(row.id, row.name, row.provider, row.base_url or "", row.company_ref, _settings(row))


def connection_settings(
    ref: ConnectionRef, *, sync_log: ExchangeSink | None = None, timeouts: Timeouts | None = None
) -> ConnectionSettings:
    """What the connector needs to know (time scale and page size may be tuned per connection)."""
    values = ref.settings
    return ConnectionSettings(
        provider=ref.provider,
        name=ref.name,
        base_url=ref.base_url,
        company_id=ref.company_id,
        time_scale=float(values.get("time_scale", 1.0)),
        page_size=int(values.get("page_size", 1000)),
        max_attempts=int(values.get("max_attempts", 5)),
        timeouts=timeouts or Timeouts(),
        sync_log=sync_log,
    )


def open_connector(
    book: Book,
    ref: ConnectionRef,
    *,
    store: TokenStore | None = None,
    sync_log: ExchangeSink | None = None,
    timeouts: Timeouts | None = None,
) -> Connector:
    """A connector for ``ref``, reading its tokens from ``store`` (default: the OS keyring)."""
    store = store or KeyringTokenStore(book.book_id, ref.name, provider=ref.provider)
    return _open_connector(connection_settings(ref, sync_log=sync_log, timeouts=timeouts), store)


# Settings a person may change with `bookbridge sync BOOK --set KEY=VALUE` (and their parsers).
SETTABLE: dict[str, Callable[[str], Any]] = {
    "grouping": lambda v: Grouping(v).value,
    "batch_size": int,
    "create_vendors": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "replay_window_hours": float,
    "sync_workers": int,
    "time_scale": float,
    "page_size": int,
    "max_attempts": int,
    "tracking_categories": parse_tracking_categories,  # e.g. class:Truck,location:Terminal (Xero)
}


def update_settings(book: Book, name: str | None, changes: dict[str, str], *, actor: str) -> dict[str, Any]:
    """Change sync settings of a connection (validated); returns the settings now in force.

    Raises:
        UsageError: an unknown key or a bad value.
    """
    from bookbridge.store import audit

    parsed: dict[str, Any] = {}
    for key, text in changes.items():
        if key not in SETTABLE:
            raise UsageError(f"'{key}' is not a sync setting; use one of {', '.join(sorted(SETTABLE))}")
        try:
            parsed[key] = SETTABLE[key](text)
        except ValueError:
            raise UsageError(f"{text!r} is not a valid value for {key}") from None
    with book.unit_of_work() as session:
        ref = find_connection(session, name)
        row = session.get(Connection, ref.id)
        assert row is not None
        values = {**ref.settings, **parsed}
        SyncSettings.from_settings(values)  # refuse a combination that would not load
        row.settings_json = json.dumps(values, sort_keys=True)
        audit.record(session, "connection.settings", actor=actor, entity_type="connection", entity_id=ref.name,
                     before=ref.settings, after=values)
    return values
