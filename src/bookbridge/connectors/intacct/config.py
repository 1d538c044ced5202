"""Sage Intacct constants from ERP_FACTS.md §3: gateway URL, DTD version, limits, REST OAuth.

Figures Sage does not publish are marked as our own choice, so nobody mistakes them for the
vendor's: the per-minute window below, the wait after a GW-0010 without ``Retry-After``, and the
number of functions sent in one request.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from bookbridge.connectors.http import check_base_url, is_loopback_host
from bookbridge.connectors.limiter import RateLimits, RateWindow
from bookbridge.connectors.oauth import OAuthEndpoints

PROVIDER = "intacct"
LABEL = "Sage Intacct"

# XML Web Services: one POST endpoint (GET blocked since 2023-01-15) [I1].
PRODUCTION_API = "https://api.intacct.com"
GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
ENVIRONMENTS = {"production": PRODUCTION_API}
DTD_VERSION = "3.0"
CONTENT_TYPE = "application/xml"

# Sage's own hosts; an API session endpoint elsewhere is refused (credentials stay with Sage).
SAGE_HOST_SUFFIX = ".intacct.com"

# REST API OAuth 2.0 [I6]. The XML API does not take these tokens (see registry notes).
REST_AUTHORIZE_URL = "https://api.intacct.com/ia/api/v1/oauth2/authorize"
REST_TOKEN_URL = "https://api.intacct.com/ia/api/v1/oauth2/token"
REST_SCOPES = ("offline_access",)

# Limits [I5, I7]: Sage publishes no per-minute figure; the monthly transaction entitlement is
# billed, not blocked. "2 concurrent per tenant" is 3rd-party (UNCONFIRMED). The 100/min window
# is our own conservative choice, so a sync stays clear of GW-0010; one request carries many
# functions, so it is rarely the bottleneck.
LIMITS = RateLimits(windows=(RateWindow("per-minute", 100, 60.0),), max_concurrent=2)
# Sage asks for backoff after GW-0010 but names no wait; ours when Retry-After is absent.
THROTTLE_WAIT = 15.0
# Functions per request: no documented maximum (UNCONFIRMED); 30 matches the sync engine's batch.
MAX_FUNCTIONS_PER_REQUEST = 30
# uniqueid=true refuses a repeated function controlid as already run [I2], and the connector then
# finds the earlier post by key; how long Intacct remembers controlids is UNCONFIRMED, so sends
# older than an hour are looked up by key before anything is sent again.
REPLAY_WINDOW = timedelta(hours=1)
# readByQuery takes a page size of 1 to 1000 (default 100) [I4].
MAX_PAGE_SIZE = 1000
# Leave a session this long before its projected timeout, then open a new one.
SESSION_LEEWAY_SECONDS = 120
# Intacct's generic create functions take US-style dates [I10, I11].
DATE_FORMAT = "%m/%d/%Y"
# WHENMODIFIED filters compare "MM/DD/YYYY HH:MM:SS" text; we always send UTC (zone UNCONFIRMED).
TIMESTAMP_FORMAT = "%m/%d/%Y %H:%M:%S"
# The journal our entries post to (the General Journal every company has).
DEFAULT_JOURNAL = "GJ"


def api_root(base_url: str) -> str:
    """The scheme and host of ``base_url`` (users paste the gateway URL or just the host)."""
    root = check_base_url(base_url)
    if root.endswith(GATEWAY_PATH):
        root = root[: -len(GATEWAY_PATH)]
    return root.rstrip("/")


def gateway_url(base_url: str) -> str:
    """Where logins and ``getAPISession`` go."""
    return api_root(base_url) + GATEWAY_PATH


def is_local_sandbox(base_url: str) -> bool:
    return is_loopback_host(urlsplit(api_root(base_url)).hostname)


def oauth_endpoints(base_url: str) -> OAuthEndpoints:
    """The REST API's OAuth endpoints (Sage's hosts, or the same paths on a local sandbox)."""
    if is_local_sandbox(base_url):
        root = api_root(base_url)
        return OAuthEndpoints(f"{root}/ia/api/v1/oauth2/authorize", f"{root}/ia/api/v1/oauth2/token", REST_SCOPES)
    return OAuthEndpoints(REST_AUTHORIZE_URL, REST_TOKEN_URL, REST_SCOPES)


def trusted_endpoint(base_url: str, endpoint: str) -> bool:
    """True when a session ``endpoint`` may receive our credentials.

    The session answer names the URL to use afterwards [I3]; we follow it only to Sage's own
    hosts, the host we logged in to, or (for a local sandbox) this computer.
    """
    host = (urlsplit(endpoint).hostname or "").lower()
    login_host = (urlsplit(api_root(base_url)).hostname or "").lower()
    if urlsplit(endpoint).scheme not in ("http", "https"):
        return False
    if host == login_host:
        return True
    if is_loopback_host(host) or is_loopback_host(login_host):
        # A local sandbox's credentials stay on this computer, and Sage's never come here.
        return is_loopback_host(host) and is_loopback_host(login_host)
    return urlsplit(endpoint).scheme == "https" and (host == SAGE_HOST_SUFFIX[1:] or host.endswith(SAGE_HOST_SUFFIX))

# Company settings come from get_companyprefs; the preference names are not documented in what
# we could read (UNCONFIRMED) and are the ones the local sandbox serves: check them against a
# real company (get_companyprefs application="GEN" / "GL") before relying on them.
PREF_COMPANY_NAME = ("GEN", "COMPANYNAME")
PREF_BASE_CURRENCY = ("GEN", "BASECURRENCY")
PREF_MULTICURRENCY = ("GEN", "MULTICURRENCY")
PREF_COUNTRY = ("GEN", "COUNTRY")
PREF_CLOSED_THROUGH = ("GL", "BOOKSCLOSEDTHROUGH")
# Object names ERP_FACTS marks UNCONFIRMED: enabled transaction currencies and daily rates.
CURRENCY_OBJECT = "TRXCURRENCIES"
EXCHANGE_RATE_OBJECT = "EXCHANGERATEENTRY"
# Session length assumed when an answer gives no projected timeout (company setting, UNCONFIRMED).
DEFAULT_SESSION_SECONDS = 15 * 60
