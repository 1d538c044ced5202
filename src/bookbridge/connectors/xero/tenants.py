"""Which Xero organisation a sign-in connected: ``GET /connections`` after the token exchange [X3].

One consent can connect several organisations (tenants); every API call then names one in the
``Xero-Tenant-Id`` header. The tenant id is Xero's company id for Bookbridge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from bookbridge.connectors.errors import AuthError, ReconnectRequired, ServerError
from bookbridge.connectors.http import HttpClient, Timeouts
from bookbridge.connectors.httplog import ExchangeSink
from bookbridge.connectors.limiter import Limiter
from bookbridge.connectors.tokens import TokenSet
from bookbridge.connectors.xero.config import CONNECTIONS_PATH, LABEL, LIMITS, PROVIDER, api_root
from bookbridge.connectors.xero.faults import map_response
from bookbridge.core.errors import UsageError

ORGANISATION = "ORGANISATION"


@dataclass(frozen=True, slots=True)
class Tenant:
    """One organisation the connection may use."""

    tenant_id: str
    name: str
    tenant_type: str
    connection_id: str


class _FixedToken:
    """The access token just received: nothing to renew yet, so a 401 means the sign-in failed."""

    def __init__(self, tokens: TokenSet) -> None:
        self._header = f"{tokens.token_type.capitalize()} {tokens.access_token}"

    def auth_headers(self) -> Mapping[str, str]:
        return {"Authorization": self._header}

    def renew(self) -> None:
        raise ReconnectRequired(f"{LABEL} rejected the token it has just issued; connect again.", provider=PROVIDER,
                                code="fresh-token-refused")


def list_tenants(
    base_url: str, tokens: TokenSet, *, timeouts: Timeouts = Timeouts(), sync_log: ExchangeSink | None = None
) -> list[Tenant]:
    """The organisations this authorization reaches (``GET /connections``)."""
    client = HttpClient(
        provider=PROVIDER, label=LABEL, base_url=api_root(base_url), error_mapper=map_response,
        limiter=Limiter(LIMITS), authenticator=_FixedToken(tokens), timeouts=timeouts, sync_log=sync_log,
        default_headers={"Accept": "application/json"},
    )
    try:
        body = client.request("GET", CONNECTIONS_PATH, idempotent=True).json()
    finally:
        client.close()
    if not isinstance(body, list):
        raise ServerError(f"{LABEL} listed the connected organisations in an unexpected shape", provider=PROVIDER,
                          code="answer-shape", retryable=False)
    return [
        Tenant(str(item["tenantId"]), str(item.get("tenantName") or ""), str(item.get("tenantType") or ""),
               str(item.get("id") or ""))
        for item in body
        if isinstance(item, Mapping) and item.get("tenantId")
    ]


def choose_tenant(
    base_url: str,
    tokens: TokenSet,
    wanted: str | None = None,
    *,
    timeouts: Timeouts = Timeouts(),
    sync_log: ExchangeSink | None = None,
) -> str:
    """The tenant id to use: ``wanted`` (an id or an exact organisation name), or the only organisation.

    Raises:
        AuthError: the sign-in connected no organisation.
        UsageError: several organisations and none chosen, or ``wanted`` is not among them.
    """
    organisations = [t for t in list_tenants(base_url, tokens, timeouts=timeouts, sync_log=sync_log)
                     if t.tenant_type.upper() in (ORGANISATION, "")]
    if not organisations:
        raise AuthError(f"the {LABEL} sign-in did not connect any organisation; connect again and tick one",
                        provider=PROVIDER, code="no-tenant")
    if wanted:
        for tenant in organisations:
            if wanted in (tenant.tenant_id, tenant.name):
                return tenant.tenant_id
        raise UsageError(f"{wanted!r} is not among the organisations this sign-in connected: {_listing(organisations)}")
    if len(organisations) > 1:
        raise UsageError(
            f"this {LABEL} sign-in connected several organisations ({_listing(organisations)}); "
            "choose one with --company ID"
        )
    return organisations[0].tenant_id


def _listing(tenants: list[Tenant]) -> str:
    return ", ".join(f"{t.name} ({t.tenant_id})" for t in tenants)
