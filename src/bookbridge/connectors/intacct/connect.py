"""Connecting an Intacct company: check the credentials by opening a session, keep them in the keyring.

The XML API has no browser sign-in: the user gives the Web Services sender ID and password
(from their Sage partner agreement, authorised in the company) and a company user. Bookbridge
opens an API session with them at once, so a typo fails here rather than at the first sync, and
only then stores them, through the connection's token store, in the OS keyring.
"""

from __future__ import annotations

from bookbridge.connectors.connect import ConnectResult
from bookbridge.connectors.http import Timeouts, check_base_url
from bookbridge.connectors.httplog import ExchangeSink
from bookbridge.connectors.intacct.config import PROVIDER, api_root
from bookbridge.connectors.intacct.credentials import UserLogin, to_tokens
from bookbridge.connectors.intacct.gateway import Gateway
from bookbridge.connectors.intacct.session import open_session
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, TokenStore
from bookbridge.core.errors import UsageError


def connect_with_login(
    *,
    base_url: str,
    sender: ClientCredentials,
    login: UserLogin,
    store: TokenStore,
    name: str = "main",
    timeouts: Timeouts = Timeouts(),
    sync_log: ExchangeSink | None = None,
    time_scale: float = 1.0,
) -> ConnectResult:
    """Open a session with ``sender`` and ``login``; on success save both in ``store``.

    ``time_scale`` matters only when this process goes on to use the connection against a sandbox
    running faster than real time: the sign-in then counts in the same scaled budget.

    Raises:
        UsageError: a credential is missing.
        ReconnectRequired: Intacct refused the sender or the user (nothing is saved).
    """
    if not sender.client_id or not sender.client_secret:
        raise UsageError("Sage Intacct needs the Web Services sender ID and sender password")
    if not login.user_id or not login.company_id or not login.password:
        raise UsageError("Sage Intacct needs the company ID, the user ID and the user's password")
    base_url = check_base_url(api_root(base_url))
    settings = ConnectionSettings(provider=PROVIDER, name=name, base_url=base_url, company_id=login.company_id,
                                  timeouts=timeouts, sync_log=sync_log, time_scale=time_scale)
    gateway = Gateway(settings)
    try:
        session = open_session(gateway, base_url, sender, login, connection=name)
    finally:
        gateway.close()
    store.save_client(sender)
    store.save_tokens(to_tokens(login, session))
    return ConnectResult(provider=PROVIDER, base_url=base_url, company_id=login.company_id, flow="login",
                         token_expires_at=session.expires_at, refresh_expires_at=None)
