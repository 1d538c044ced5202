"""NetSuite constants from ERP_FACTS.md §4: paths, OAuth endpoints, scopes, limits.

The connection's base URL is the account's REST root (``https://<host>.suitetalk.api.netsuite.com``)
or a local sandbox, which serves the same paths on one port (the authorization page included).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bookbridge.connectors.http import check_base_url, is_loopback_host
from bookbridge.connectors.limiter import RateLimits
from bookbridge.connectors.netsuite.account import AccountEnvironments, account_from_host
from bookbridge.connectors.oauth import OAuthEndpoints
from bookbridge.core.errors import UsageError

PROVIDER = "netsuite"
LABEL = "NetSuite"

ENVIRONMENTS = AccountEnvironments()

RECORD_PATH = "/services/rest/record/v1"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
GOVERNANCE_PATH = "/services/rest/system/v1/governanceLimits"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
REVOKE_PATH = "/services/rest/auth/oauth2/v1/revoke"
AUTHORIZE_PATH = "/app/login/oauth2/authorize.nl"

# REST web services only: the connector needs neither RESTlets nor SuiteAnalytics Connect [N1].
SCOPES = ("rest_webservices",)

# Token lifetimes [N2, N4]: access 60 minutes; the refresh token's JWT carries exp − iat = 7 days.
ACCESS_TOKEN_LIFETIME = timedelta(minutes=60)
REFRESH_TOKEN_LIFETIME = timedelta(days=7)

# Concurrency governance [N11]: 5 for developer accounts (the smallest account limit), with no
# per-minute or per-day REST quota documented. governanceLimits tells the real figure.
DEFAULT_CONCURRENCY = 5
LIMITS = RateLimits(windows=(), max_concurrent=DEFAULT_CONCURRENCY)
# A 429 carries no documented wait; over the concurrency limit a slot frees within seconds.
THROTTLE_WAIT = 5.0

# SuiteQL shows times in the account's time zone, which REST does not report. Pacific time is
# NetSuite's usual default for US accounts; change queries widen their window by the largest
# offset from it, so a different zone repeats a change rather than missing it.
ACCOUNT_TIMEZONE = ZoneInfo("America/Los_Angeles")
CHANGE_WINDOW_MARGIN = timedelta(hours=14)

# Every write is an upsert by externalId [N9]: a resend updates the record the first send made,
# at any age, so the sync engine never has to look a document up before sending it again.
REPLAY_WINDOW: timedelta | None = None

# SuiteQL: at most 1000 rows a page [N10, 3rd-party]; the offset must be a multiple of the limit.
MAX_PAGE_SIZE = 1000


def api_root(base_url: str) -> str:
    """The base URL without a trailing slash or ``/services/rest`` (users paste either)."""
    root = check_base_url(base_url)
    for suffix in ("/services/rest/record/v1", "/services/rest"):
        if root.endswith(suffix):
            return root[: -len(suffix)]
    return root


def is_local_sandbox(base_url: str) -> bool:
    return is_loopback_host(urlsplit(api_root(base_url)).hostname)


def oauth_endpoints(base_url: str) -> OAuthEndpoints:
    """Authorization-code flow with PKCE as a public client (no client secret) [N1-N3].

    On a NetSuite host the authorize page lives on the account's ``app.netsuite.com`` host and
    the token endpoint on its REST host; a local sandbox serves both paths next to the API.

    Raises:
        UsageError: an https base URL that is not a NetSuite account host.
    """
    root = api_root(base_url)
    host = urlsplit(root).hostname
    account = account_from_host(host)
    if account is not None:
        authorize = account.authorize_url
        token_root = account.api_url
    elif is_loopback_host(host):
        authorize, token_root = f"{root}{AUTHORIZE_PATH}", root
    else:
        raise UsageError(
            f"{root} is not a NetSuite account address; give the account id (1234567 or 1234567_SB1) instead"
        )
    return OAuthEndpoints(
        authorize, f"{token_root}{TOKEN_PATH}", SCOPES, revoke_url=f"{token_root}{REVOKE_PATH}",
        client_auth_method="none", pkce=True,
    )
