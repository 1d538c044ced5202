"""What a connector needs to know about one connection (no secrets: those stay in the keyring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bookbridge.connectors.http import Timeouts
from bookbridge.connectors.httplog import ExchangeSink


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """One company connection as the book records it, plus tuning for tests and sandboxes.

    Attributes:
        provider: registry name ("qbo").
        name: the connection's name in the book ("main").
        base_url: the API root: production, the vendor's sandbox, or a local sandbox.
        company_id: the vendor's company id (QBO realmId).
        time_scale: speed-up factor for every rate window and vendor-prescribed wait, as in the
            sandboxes (60: per-minute limits apply per second, QBO's 60 s throttle wait is 1 s).
        page_size: rows per page when listing (QBO MAXRESULTS).
        max_attempts: HTTP attempts per request, the first included.
        sync_log: receives every HTTP exchange, redacted.
    """

    provider: str
    name: str
    base_url: str
    company_id: str
    time_scale: float = 1.0
    page_size: int = 1000
    max_attempts: int = 5
    timeouts: Timeouts = field(default_factory=Timeouts)
    sync_log: ExchangeSink | None = field(default=None, compare=False, repr=False)
