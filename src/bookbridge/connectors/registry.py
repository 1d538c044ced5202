"""The accounting systems Bookbridge can connect to, and how to open a connector for a connection.

Each provider is described once by a :class:`ProviderSpec`: its environments, its OAuth endpoints
for a base URL, whether a loopback redirect is allowed there, where the company id arrives, and
the connector class. Xero, Sage Intacct and NetSuite add their spec to :data:`PROVIDERS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from bookbridge.connectors.intacct import config as intacct_config
from bookbridge.connectors.intacct.connector import IntacctConnector
from bookbridge.connectors.intacct.rest import config as intacct_rest_config
from bookbridge.connectors.intacct.rest.auth import choose_company as intacct_rest_choose_company
from bookbridge.connectors.intacct.rest.connector import IntacctRestConnector
from bookbridge.connectors.intacct.session import IntacctAuthenticator
from bookbridge.connectors.limiter import RateLimits
from bookbridge.connectors.netsuite import config as netsuite_config
from bookbridge.connectors.netsuite.connector import NetSuiteConnector
from bookbridge.connectors.oauth import OAuthEndpoints, TokenManager
from bookbridge.connectors.protocol import Authenticator, Connector
from bookbridge.connectors.quickbooks import config as qbo_config
from bookbridge.connectors.quickbooks.connector import QuickBooksConnector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import TokenStore
from bookbridge.connectors.xero import config as xero_config
from bookbridge.connectors.xero.connector import XeroConnector
from bookbridge.connectors.xero.tenants import choose_tenant as xero_choose_tenant
from bookbridge.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """Everything generic code needs to know about one accounting system.

    Attributes:
        name: registry name, stored in the book's ``connections.provider``.
        label: the name people know it by.
        environments: named base URLs (``production``, ``sandbox``).
        oauth_endpoints: OAuth endpoints serving a given base URL.
        loopback_allowed: whether a ``http://127.0.0.1`` redirect is accepted for a base URL.
        company_id_param: the redirect parameter carrying the company id (QBO ``realmId``).
        connector_class: builds the connector for a connection.
        limits: the vendor's published rate limits per company.
        choose_company: for providers that name the company after sign-in rather than in the
            redirect (Xero's ``GET /connections``): ``(base_url, tokens, wanted, *, timeouts,
            sync_log) -> company id``.
    """

    name: str
    label: str
    environments: Mapping[str, str]
    oauth_endpoints: Callable[[str], OAuthEndpoints]
    loopback_allowed: Callable[[str], bool]
    company_id_param: str | None
    connector_class: Callable[[ConnectionSettings, Authenticator], Connector]
    limits: RateLimits
    choose_company: Callable[..., str] | None = None
    # Providers that sign in without OAuth (Sage Intacct's XML API: sender + company user) build
    # their own authenticator from the connection's token store; None means OAuth tokens.
    authenticator: Callable[[TokenStore, ConnectionSettings], Authenticator] | None = None

    def base_url(self, url_or_environment: str | None) -> str:
        """A base URL from an environment name or a URL (``None``: production)."""
        value = url_or_environment or "production"
        return self.environments.get(value, value)


PROVIDERS: dict[str, ProviderSpec] = {
    qbo_config.PROVIDER: ProviderSpec(
        name=qbo_config.PROVIDER,
        label=qbo_config.LABEL,
        environments=qbo_config.ENVIRONMENTS,
        oauth_endpoints=qbo_config.oauth_endpoints,
        # Intuit hosts need a registered redirect (https in production) [Q3]; local sandboxes take any.
        loopback_allowed=qbo_config.is_local_sandbox,
        company_id_param="realmId",
        connector_class=QuickBooksConnector,
        limits=qbo_config.LIMITS,
    ),
    xero_config.PROVIDER: ProviderSpec(
        name=xero_config.PROVIDER,
        label=xero_config.LABEL,
        environments=xero_config.ENVIRONMENTS,
        oauth_endpoints=xero_config.oauth_endpoints,
        # PKCE apps may redirect to http://localhost [X1]; no company id in the redirect: the
        # tenant is chosen from GET /connections once tokens are in hand.
        loopback_allowed=xero_config.loopback_allowed,
        company_id_param=None,
        connector_class=XeroConnector,
        limits=xero_config.LIMITS,
        choose_company=xero_choose_tenant,
    ),
    intacct_config.PROVIDER: ProviderSpec(
        name=intacct_config.PROVIDER,
        label=intacct_config.LABEL,
        environments=intacct_config.ENVIRONMENTS,
        # The REST API's OAuth endpoints [I6]; the XML connector signs in with sender credentials
        # and a company user instead (see ``authenticator``), as the XML API has no OAuth.
        oauth_endpoints=intacct_config.oauth_endpoints,
        loopback_allowed=intacct_config.is_local_sandbox,
        company_id_param=None,
        connector_class=IntacctConnector,
        limits=intacct_config.LIMITS,
        authenticator=IntacctAuthenticator,
    ),
    netsuite_config.PROVIDER: ProviderSpec(
        name=netsuite_config.PROVIDER,
        label=netsuite_config.LABEL,
        # One host per account: an account id given as --base-url resolves to its REST host.
        environments=netsuite_config.ENVIRONMENTS,
        oauth_endpoints=netsuite_config.oauth_endpoints,
        # NetSuite redirects only to https or a custom scheme [N3]; local sandboxes take loopback.
        loopback_allowed=netsuite_config.is_local_sandbox,
        company_id_param="company",
        connector_class=NetSuiteConnector,
        limits=netsuite_config.LIMITS,
    ),
    intacct_rest_config.PROVIDER: ProviderSpec(
        name=intacct_rest_config.PROVIDER,
        label=intacct_rest_config.LABEL,
        environments=intacct_rest_config.ENVIRONMENTS,
        # REST API, OAuth 2.0 code flow with PKCE [I6]. Sage's redirect rules are UNCONFIRMED: a
        # loopback redirect as for Xero. The company id is read from the token's claims.
        oauth_endpoints=intacct_rest_config.oauth_endpoints,
        loopback_allowed=intacct_rest_config.loopback_allowed,
        company_id_param=None,
        connector_class=IntacctRestConnector,
        limits=intacct_rest_config.LIMITS,
        choose_company=intacct_rest_choose_company,
    ),
}


def provider(name: str) -> ProviderSpec:
    """The spec registered as ``name``.

    Raises:
        UsageError: no such provider.
    """
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise UsageError(f"unknown accounting system {name!r}; known: {known}") from None


def token_manager(spec: ProviderSpec, settings: ConnectionSettings, store: TokenStore) -> TokenManager:
    """The authenticator of an OAuth connection, reading and renewing tokens in ``store``."""
    return TokenManager(
        store, spec.oauth_endpoints(settings.base_url), provider=spec.name, label=spec.label,
        connection=settings.name, timeouts=settings.timeouts, sync_log=settings.sync_log,
    )


def open_connector(settings: ConnectionSettings, store: TokenStore) -> Connector:
    """A ready connector for a recorded connection, authenticated from ``store``."""
    spec = provider(settings.provider)
    if spec.authenticator is not None:
        return spec.connector_class(settings, spec.authenticator(store, settings))
    return spec.connector_class(settings, token_manager(spec, settings, store))
