"""QuickBooks Online constants from ERP_FACTS.md §1: hosts, OAuth endpoints, version, limits."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Mapping
from urllib.parse import urlsplit

from bookbridge.connectors.http import check_base_url, is_loopback_host
from bookbridge.connectors.limiter import RateLimits, RateWindow
from bookbridge.connectors.oauth import OAuthEndpoints

PROVIDER = "qbo"
LABEL = "QuickBooks Online"

# Intuit's minimum supported minor version since 2025-01-21 (python-quickbooks default) [Q7].
MINOR_VERSION = "75"

PRODUCTION_API = "https://quickbooks.api.intuit.com"
SANDBOX_API = "https://sandbox-quickbooks.api.intuit.com"
ENVIRONMENTS = {"production": PRODUCTION_API, "sandbox": SANDBOX_API}

AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"
SCOPES = ("com.intuit.quickbooks.accounting",)

# Published limits [Q9]: 500 requests/min and 10/s per realm, 10 concurrent, 40 batch calls/min.
LIMITS = RateLimits(
    windows=(RateWindow("per-minute", 500, 60.0), RateWindow("per-second", 10, 1.0)),
    batch_windows=(RateWindow("batch-per-minute", 40, 60.0),),
    max_concurrent=10,
)
# "wait 60 seconds before retrying" after a 429 [Q9]; Retry-After is not documented.
THROTTLE_WAIT = 60.0
# Batch: the recommended maximum is 30 payloads [Q9, Q7].
MAX_BATCH_ITEMS = 30
# CDC looks back at most 30 days [Q10].
CDC_LOOKBACK_DAYS = 30
CDC_MAX_OBJECTS = 1000
# A repeated requestid gets the first answer again [Q8]; how long Intuit remembers one is
# UNCONFIRMED, so sends older than an hour are looked up by key before anything is resent.
REPLAY_WINDOW = timedelta(hours=1)
# QBO's screens call Department "Location" [Q13, Q15]: a template's location is QBO's Department.
DIMENSION_ALIASES: Mapping[str, str] = MappingProxyType({"location": "department"})

_INTUIT_API_HOSTS = {urlsplit(PRODUCTION_API).hostname, urlsplit(SANDBOX_API).hostname}


def api_root(base_url: str) -> str:
    """The base URL without a trailing ``/v3`` or slash (users paste either form)."""
    root = check_base_url(base_url)
    return root[: -len("/v3")] if root.endswith("/v3") else root


def is_intuit(base_url: str) -> bool:
    """True for Intuit's own production or sandbox API hosts."""
    return urlsplit(api_root(base_url)).hostname in _INTUIT_API_HOSTS


def is_local_sandbox(base_url: str) -> bool:
    return is_loopback_host(urlsplit(api_root(base_url)).hostname)


def oauth_endpoints(base_url: str) -> OAuthEndpoints:
    """Intuit's OAuth endpoints for Intuit hosts; the same paths on the server itself otherwise.

    A local sandbox serves ``/connect/oauth2`` and ``/oauth2/v1/tokens/bearer`` next to the API.
    """
    if is_intuit(base_url):
        return OAuthEndpoints(AUTHORIZE_URL, TOKEN_URL, SCOPES, revoke_url=REVOKE_URL)
    root = api_root(base_url)
    return OAuthEndpoints(
        f"{root}/connect/oauth2", f"{root}/oauth2/v1/tokens/bearer", SCOPES, revoke_url=f"{root}/oauth2/v1/tokens/revoke"
    )
