"""Xero constants from ERP_FACTS.md §2: hosts, OAuth endpoints, scopes, limits, idempotency.

Xero splits itself over three hosts (login, identity, api). A local sandbox serves the same paths
on one port, so every URL here is derived from the base URL of a connection: Xero's own hosts for
``https://api.xero.com``, the same paths on the server itself for anything on this computer.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from bookbridge.connectors.http import check_base_url, is_loopback_host
from bookbridge.connectors.limiter import RateLimits, RateWindow
from bookbridge.connectors.oauth import OAuthEndpoints

PROVIDER = "xero"
LABEL = "Xero"

PRODUCTION_API = "https://api.xero.com"
# Xero has no sandbox host: developers test against a demo company on the production API [X3].
ENVIRONMENTS = {"production": PRODUCTION_API}
API_PATH = "/api.xro/2.0"
CONNECTIONS_PATH = "/connections"

AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
TOKEN_URL = "https://identity.xero.com/connect/token"
REVOKE_URL = "https://identity.xero.com/connect/revocation"
# The same paths a local sandbox serves next to its API.
AUTHORIZE_PATH = "/identity/connect/authorize"
TOKEN_PATH = "/connect/token"
REVOKE_PATH = "/connect/revocation"

# offline_access is what yields a refresh token; attachments need their own scope [X1, X3].
SCOPES = (
    "offline_access",
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings",
    "accounting.attachments",
)

# Per tenant: 60 calls a minute, 5,000 a day, 5 in progress at once [X4].
LIMITS = RateLimits(
    windows=(RateWindow("per-minute", 60, 60.0), RateWindow("per-day", 5000, 86_400.0)),
    max_concurrent=5,
)
# Xero sends Retry-After with its 429s; without one we wait out a whole minute window.
THROTTLE_WAIT = 60.0

IDEMPOTENCY_KEY_MAX = 128  # "128 character max" [X3]
# Third-party summaries of Xero's guide: a key is remembered about six minutes [X9] (UNCONFIRMED).
IDEMPOTENCY_WINDOW = timedelta(minutes=6)
MAX_TRACKING_PER_LINE = 2  # "a maximum of 2 <TrackingCategory> elements" [X3]
PAGE_SIZE = 100  # Xero's page size where it pages (Contacts, Invoices, ManualJournals...)
MAX_PAGE_SIZE = 1000


def api_root(base_url: str) -> str:
    """The base URL without a trailing ``/api.xro/2.0`` or slash (users paste either form)."""
    root = check_base_url(base_url)
    return root[: -len(API_PATH)] if root.endswith(API_PATH) else root


def is_xero(base_url: str) -> bool:
    """True for Xero's own API host."""
    return urlsplit(api_root(base_url)).hostname == urlsplit(PRODUCTION_API).hostname


def is_local_sandbox(base_url: str) -> bool:
    return is_loopback_host(urlsplit(api_root(base_url)).hostname)


def loopback_allowed(base_url: str) -> bool:
    """Xero accepts ``http://localhost`` redirects for PKCE apps [X1]; every local sandbox does too."""
    return is_xero(base_url) or is_local_sandbox(base_url)


def oauth_endpoints(base_url: str) -> OAuthEndpoints:
    """A public PKCE client: no secret at the token endpoint (``client_auth_method="none"``) [X1]."""
    if is_xero(base_url):
        return OAuthEndpoints(AUTHORIZE_URL, TOKEN_URL, SCOPES, revoke_url=REVOKE_URL, client_auth_method="none")
    root = api_root(base_url)
    return OAuthEndpoints(
        f"{root}{AUTHORIZE_PATH}", f"{root}{TOKEN_PATH}", SCOPES, revoke_url=f"{root}{REVOKE_PATH}",
        client_auth_method="none",
    )
