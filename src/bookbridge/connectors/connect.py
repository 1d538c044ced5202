"""Connecting a company: run the authorization, keep the secrets in the keyring, report the rest.

The caller (CLI or GUI) records the returned :class:`ConnectResult` in the book; everything
secret goes to the :class:`~bookbridge.connectors.tokens.TokenStore` and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

from bookbridge.connectors.authorize import Authorized, authorize_via_loopback, authorize_via_paste
from bookbridge.connectors.errors import AuthError
from bookbridge.connectors.http import Timeouts, check_base_url, is_loopback_host
from bookbridge.connectors.httplog import ExchangeSink
from bookbridge.connectors.registry import ProviderSpec
from bookbridge.connectors.tokens import ClientCredentials, TokenStore
from bookbridge.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class ConnectResult:
    """What may be recorded in the book about a new connection (nothing secret)."""

    provider: str
    base_url: str
    company_id: str
    flow: str  # "loopback" or "paste"
    token_expires_at: datetime
    refresh_expires_at: datetime | None


def connect(
    spec: ProviderSpec,
    *,
    base_url: str,
    client: ClientCredentials,
    store: TokenStore,
    open_url: Callable[[str], None],
    redirect_uri: str | None = None,
    read_answer: Callable[[], str] | None = None,
    wait_seconds: float = 300.0,
    timeouts: Timeouts = Timeouts(),
    sync_log: ExchangeSink | None = None,
    company: str | None = None,
) -> ConnectResult:
    """Authorize Bookbridge for one company and save its secrets in ``store``.

    The flow: a loopback redirect when ``redirect_uri`` is ``None`` and the provider allows one
    for ``base_url``, or when ``redirect_uri`` is itself an ``http`` loopback address; otherwise
    paste-back. ``open_url`` shows the sign-in address to the user (or, for a local sandbox,
    fetches it: :func:`~bookbridge.connectors.authorize.open_without_browser`); ``read_answer``
    returns the address the user pasted back. ``company`` picks the company when one sign-in
    grants several (Xero organisations: a tenant id or exact name).

    Raises:
        UsageError: the provider needs a registered https redirect and none was given.
        AuthError: the user refused, the answer did not match, or no company id came back.
    """
    base_url = check_base_url(base_url)
    endpoints = spec.oauth_endpoints(base_url)
    loopback_redirect = redirect_uri is not None and urlsplit(redirect_uri).scheme == "http" and is_loopback_host(
        urlsplit(redirect_uri).hostname
    )
    authorized: Authorized
    if (redirect_uri is None and spec.loopback_allowed(base_url)) or loopback_redirect:
        authorized = authorize_via_loopback(
            endpoints, client, provider=spec.name, label=spec.label, open_url=open_url, wait_seconds=wait_seconds,
            redirect_uri=redirect_uri, timeouts=timeouts, sync_log=sync_log,
        )
        flow = "loopback"
    elif redirect_uri is None:
        raise UsageError(
            f"{spec.label} at {base_url} only redirects to an https address registered for your app; "
            "give it with --redirect-uri and paste back the address the browser ends on"
        )
    else:
        if read_answer is None:
            raise UsageError("the paste-back flow needs a way to read the pasted address")
        authorized = authorize_via_paste(
            endpoints, client, redirect_uri, provider=spec.name, label=spec.label, show_url=open_url,
            read_answer=read_answer, timeouts=timeouts, sync_log=sync_log,
        )
        flow = "paste"
    company_id = authorized.params.get(spec.company_id_param or "", "") if spec.company_id_param else ""
    if spec.company_id_param and not company_id:
        raise AuthError(
            f"{spec.label} did not say which company was connected ({spec.company_id_param} missing); connect again",
            provider=spec.name, code="no-company",
        )
    if not company_id and spec.choose_company is not None:
        # Xero names no company in the redirect: the tokens say which organisations were connected.
        company_id = spec.choose_company(base_url, authorized.tokens, company, timeouts=timeouts, sync_log=sync_log)
    store.save_client(client)
    store.save_tokens(authorized.tokens)
    return ConnectResult(
        provider=spec.name, base_url=base_url, company_id=company_id, flow=flow,
        token_expires_at=authorized.tokens.expires_at, refresh_expires_at=authorized.tokens.refresh_expires_at,
    )
