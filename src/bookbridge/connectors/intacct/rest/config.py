"""Sage Intacct REST constants from ERP_FACTS.md §3.1, §3.2, §3.5, §3.8.

Facts: the API root ``https://api.intacct.com/ia/api/v1``, the OAuth endpoints under it, the
``offline_access`` scope, PKCE for public clients [I6], the ``ia::result``/``ia::meta`` envelopes
and ``/objects/general-ledger/journal-entry`` [I6, I11], and the REST error ``REST-2102
tokenInvalid`` after a second authorisation for the same user and company [I13].

UNCONFIRMED, chosen here and served the same way by the local sandbox (check against a live
company before relying on them):

* redirects: Sage documents no loopback rule; like Xero we use ``http://127.0.0.1:<port>``;
* no idempotency header is relied on: each document carries our key marker in its description
  and is found again by it (:func:`bookbridge.connectors.intacct.payloads.key_marker`);
* object names other than the journal entry (bill, vendor, dimensions, tax detail, currency,
  exchange rate, company) and their field names;
* where the company id comes from: the access token is a JWT "with user and company ID" [I6];
  the claim's name is not published, so several spellings are tried.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bookbridge.connectors.http import check_base_url, is_loopback_host
from bookbridge.connectors.limiter import RateLimits, RateWindow
from bookbridge.connectors.oauth import OAuthEndpoints

PROVIDER = "intacct-rest"
LABEL = "Sage Intacct (REST)"

PRODUCTION_API = "https://api.intacct.com"
ENVIRONMENTS = {"production": PRODUCTION_API}
API_PATH = "/ia/api/v1"
AUTHORIZE_PATH = API_PATH + "/oauth2/authorize"
TOKEN_PATH = API_PATH + "/oauth2/token"
QUERY_PATH = "/services/core/query"
SCOPES = ("offline_access",)

# Sage's hosts only; the same paths on a local sandbox.
SAGE_HOST_SUFFIX = ".intacct.com"

# REST objects (paths under /objects/). Only the journal entry is in ERP_FACTS [I6, I11].
JOURNAL_ENTRY = "general-ledger/journal-entry"
BILL = "accounts-payable/bill"  # UNCONFIRMED shape (ERP_FACTS documents the XML APBILL only)
VENDOR = "accounts-payable/vendor"
ACCOUNT = "general-ledger/account"
DIMENSION_OBJECTS = {  # our kind -> REST object
    "department": "company-config/department",
    "location": "company-config/location",
    "class": "company-config/class",
    "project": "projects/project",
}
TAX_DETAIL = "tax/tax-detail"
CURRENCY = "company-config/currency"
EXCHANGE_RATE = "company-config/exchange-rate"
COMPANY = "company-config/company"

# Claims that may carry the company id in Sage's JWT access token (name UNCONFIRMED).
COMPANY_CLAIMS = ("cnyId", "companyId", "company_id", "cny")

# Limits [I7]: REST "has limits" without published figures; the same conservative budget as the
# XML connector (100 a minute, 2 at once: 3rd-party), so both transports stay clear of 429s.
LIMITS = RateLimits(windows=(RateWindow("per-minute", 100, 60.0),), max_concurrent=2)
THROTTLE_WAIT = 15.0  # our wait after a 429 without Retry-After (Sage names none)
# Query page size: ours; Sage documents a default of 100 (the envelope's pageSize).
MAX_PAGE_SIZE = 1000
DEFAULT_JOURNAL = "GJ"
# The error Sage answers when a later authorisation of the same user and company replaced this one [I13].
TOKEN_INVALID_ID = "REST-2102"
TOKEN_INVALID_CODE = "tokenInvalid"


def api_root(base_url: str) -> str:
    """Scheme and host of ``base_url`` (users may paste it with ``/ia/api/v1``)."""
    root = check_base_url(base_url)
    return root[: -len(API_PATH)] if root.endswith(API_PATH) else root


def api_base(base_url: str) -> str:
    """The REST root every object path hangs from."""
    return api_root(base_url) + API_PATH


def is_local_sandbox(base_url: str) -> bool:
    return is_loopback_host(urlsplit(api_root(base_url)).hostname)


def is_sage(base_url: str) -> bool:
    host = (urlsplit(api_root(base_url)).hostname or "").lower()
    return host == SAGE_HOST_SUFFIX[1:] or host.endswith(SAGE_HOST_SUFFIX)


def loopback_allowed(base_url: str) -> bool:
    """A loopback redirect, as for Xero: Sage's redirect rules are UNCONFIRMED [I6]."""
    return is_sage(base_url) or is_local_sandbox(base_url)


def oauth_endpoints(base_url: str) -> OAuthEndpoints:
    """Authorization code with PKCE as a public client (no secret at the token endpoint) [I6]."""
    root = api_root(base_url)
    return OAuthEndpoints(root + AUTHORIZE_PATH, root + TOKEN_PATH, SCOPES, client_auth_method="none", pkce=True)
