"""A connection's environment and API quota in the words of its own accounting system.

The Connections page shows, per connection, where it posts (production, an Intuit sandbox
company, a NetSuite sandbox account, a local sandbox...) and what the system said was left of
its limits after the last sync. Each system limits differently (ERP_FACTS.md §1.6, §2.6, §3.6,
§4.6): QuickBooks per minute and second, Xero per minute *and per day* (its
``X-MinLimit-Remaining`` / ``X-DayLimit-Remaining`` headers), Sage Intacct publishes no figure
(ours is a self-imposed 100 a minute), and NetSuite limits only how many requests run at once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bookbridge.connectors.http import is_loopback_host
from bookbridge.connectors.netsuite.account import account_from_host
from bookbridge.connectors.registry import PROVIDERS
from bookbridge.ui.formatting import format_count
from bookbridge.ui.models.connection_facts import ConnectionInfo, QuotaLeft

# Window names as a bookkeeper reads them ("52/60 a minute").
_WINDOW_WORDS = {
    "per-second": "a second", "per-minute": "a minute", "per-day": "a day",
    "batch-per-minute": "batches a minute", "app-per-minute": "a minute for the whole app",
}
_WINDOW_ORDER = ("per-minute", "per-day", "per-second", "batch-per-minute", "app-per-minute")


def environment_of(provider_name: str, base_url: str, in_app_sandbox: bool) -> str:
    """Where a connection posts: production, a vendor sandbox, or a local sandbox."""
    if in_app_sandbox:
        return "local sandbox (in this app)"
    parts = urlsplit(base_url)
    if is_loopback_host(parts.hostname):
        return f"local sandbox at {parts.hostname}:{parts.port}" if parts.port else "local sandbox"
    account = account_from_host(parts.hostname) if provider_name == "netsuite" else None
    if account is not None:
        return f"{'sandbox' if account.is_sandbox else 'production'} account {account.realm}"
    spec = PROVIDERS.get(provider_name)
    if spec is not None:
        try:
            named = {url.rstrip("/"): name for name, url in spec.environments.items()}
        except (TypeError, AttributeError):  # environments computed from what is typed
            named = {}
        if base_url.rstrip("/") in named:
            return named[base_url.rstrip("/")]
    return parts.hostname or base_url or "unknown"


def _window(quota: QuotaLeft) -> str:
    return f"{format_count(quota.remaining)}/{format_count(quota.limit)} {_WINDOW_WORDS.get(quota.name, quota.name)}"


def _ordered(info: ConnectionInfo) -> list[QuotaLeft]:
    rank = {name: i for i, name in enumerate(_WINDOW_ORDER)}
    return sorted(info.quota, key=lambda q: (rank.get(q.name, len(rank)), q.name))


def quota_summary(info: ConnectionInfo) -> str:
    """What was left of each of the system's limits after the last sync, tightest windows first."""
    if info.quota:
        return " · ".join(_window(q) for q in _ordered(info))
    spec = PROVIDERS.get(info.provider)
    if spec is not None and not spec.limits.windows and spec.limits.max_concurrent:
        # NetSuite publishes no request quota, only concurrency governance [N11].
        return f"no request quota; {spec.limits.max_concurrent} requests at once"
    return "known after the first sync"


def quota_explained(info: ConnectionInfo) -> str:
    """The quota cell's tooltip: what the figures are and who sets them."""
    label = PROVIDERS[info.provider].label if info.provider in PROVIDERS else info.provider
    if info.provider == "xero":
        source = ("Xero's own count for this organisation (X-MinLimit-Remaining and X-DayLimit-Remaining headers), "
                  "or Bookbridge's when that is lower")
    elif info.provider == "intacct":
        source = ("Sage Intacct publishes no per-minute limit: this is the pace Bookbridge keeps to stay clear of "
                  "its GW-0010 throttling")
    elif info.provider == "netsuite":
        source = "NetSuite limits how many requests run at once (concurrency governance), not how many a minute"
    else:
        source = f"{label}'s published limits, counted by Bookbridge"
    return f"Requests left when the last sync finished; they refill as each window passes. {source}."
