"""API sessions: the :class:`Authenticator` of an Intacct connection.

A session is opened with ``getAPISession`` under the company user login, alone in its request
[I3]; the answer names the session id, the endpoint all later calls must go to, and (in the
authentication block) the projected timeout, which every call pushes forward. A session is
renewed shortly before its timeout, and at once when the gateway refuses it; a refused *login*
means the stored credentials are wrong or the user was disabled: reconnect.

The XML API carries credentials in the request body, not in headers, so :meth:`auth_headers`
returns nothing; the connector asks :meth:`credentials` for the sender and the session instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bookbridge.connectors.errors import AuthError, ReconnectRequired
from bookbridge.connectors.intacct.config import (
    DEFAULT_SESSION_SECONDS,
    LABEL,
    PROVIDER,
    SESSION_LEEWAY_SECONDS,
    gateway_url,
    trusted_endpoint,
)
from bookbridge.connectors.intacct.credentials import ApiSession, UserLogin, login_from, session_from, to_tokens
from bookbridge.connectors.intacct.faults import authentication_error, function_error
from bookbridge.connectors.intacct.gateway import Gateway
from bookbridge.connectors.intacct.records import parse_timestamp
from bookbridge.connectors.intacct.xmlwire import XmlResponse, request_xml
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import ClientCredentials, TokenStore
from bookbridge.core import clock
from bookbridge.core.keys import new_id


@dataclass(frozen=True, slots=True)
class RequestCredentials:
    """What one request needs: the sender and a live session."""

    sender: ClientCredentials = field(repr=False)
    session: ApiSession


def session_timeout(response: XmlResponse) -> datetime:
    """The projected timeout an answer reports, or our assumed session length from now."""
    auth = response.authentication
    stated = parse_timestamp(auth.sessiontimeout) if auth is not None and auth.sessiontimeout else None
    return stated or clock.now() + timedelta(seconds=DEFAULT_SESSION_SECONDS)


def open_session(
    gateway: Gateway, base_url: str, sender: ClientCredentials, login: UserLogin, *, connection: str
) -> ApiSession:
    """Sign in and open an API session (``getAPISession``, alone in its request).

    Raises:
        ReconnectRequired: the sender or the company user was refused.
        AuthError: the session endpoint is not a Sage host (we do not send credentials there).
    """
    body = request_xml(
        sender_id=sender.client_id, sender_password=sender.client_secret or "", control_id=new_id(),
        unique_id=False, auth=login.as_login(), functions=[{"@controlid": "getAPISession", "getAPISession": None}],
    )
    response, _attempts = gateway.post(gateway_url(base_url), body)
    if response.authentication is not None and response.authentication.status == "failure":
        refused = authentication_error(response)
        raise ReconnectRequired(
            f"{refused.user_message}: the user '{login.user_id}' of company '{login.company_id}' cannot sign in. "
            f"Check the user and password in {LABEL}, then connect '{connection}' again.",
            provider=PROVIDER, code=refused.code, details=refused.details,
        )
    result = response.results[0] if response.results else None
    if result is None or not result.ok or result.data is None:
        raise function_error(result.errors if result else (), function="getAPISession", what="opening a session")
    api = (result.data.of("api") or [{}])[0]
    session_id, endpoint = str(api.get("sessionid") or ""), str(api.get("endpoint") or "")
    if not session_id or not endpoint:
        raise AuthError(f"{LABEL} opened a session but did not say its id or endpoint", provider=PROVIDER,
                        code="session-shape")
    if not trusted_endpoint(base_url, endpoint):
        raise AuthError(
            f"{LABEL} named a session endpoint on an unexpected host ({endpoint}); Bookbridge sends credentials "
            "only to Sage's own hosts", provider=PROVIDER, code="session-endpoint",
        )
    return ApiSession(session_id, endpoint, session_timeout(response))


class IntacctAuthenticator:
    """Sender credentials and a live API session for one connection, from its token store."""

    # A sign-in opens one more session and spends nothing, so a failed one may be sent again. The
    # XML connector renews outside the HTTP layer's retry loop today (the gateway retries the
    # sign-in itself); this says so to any HTTP client that is given this authenticator.
    renewal_is_repeatable = True

    def __init__(self, store: TokenStore, settings: ConnectionSettings, *, gateway: Gateway | None = None) -> None:
        self.store = store
        self.settings = settings
        self.connection = settings.name
        self.gateway = gateway or Gateway(settings)
        self.leeway = timedelta(seconds=SESSION_LEEWAY_SECONDS)
        self._session: ApiSession | None = None
        self._lock = threading.Lock()
        self.sessions_opened = 0

    def _reconnect(self, why: str) -> ReconnectRequired:
        return ReconnectRequired(
            f"The {LABEL} connection '{self.connection}' {why}; connect it again "
            f"(bookbridge connect ... --provider intacct --name {self.connection}).",
            provider=PROVIDER, code="reconnect",
        )

    # --- the Authenticator protocol ---------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        """Nothing: the XML API carries credentials inside the request body."""
        return {}

    def renew(self) -> None:
        """Open a new session now (the gateway refused the current one)."""
        with self._lock:
            rejected = self._session
            stored = self._stored_session()
            # Another worker or process may already have replaced the refused session.
            if stored is not None and (rejected is None or stored.session_id != rejected.session_id) \
                    and not self._expiring(stored):
                self._session = stored
                return
            self._session = self._open()

    # --- what the connector uses ------------------------------------------------------------
    def credentials(self) -> RequestCredentials:
        """The sender and a session with time left, opening one when needed."""
        sender = self._sender()
        with self._lock:
            if self._session is None:
                self._session = self._stored_session()
            if self._session is None or self._expiring(self._session):
                self._session = self._open()
            return RequestCredentials(sender, self._session)

    def slide(self, session: ApiSession, response: XmlResponse) -> None:
        """Record the later timeout a successful call projected (in memory: saved at the next renewal)."""
        with self._lock:
            if self._session is not None and self._session.session_id == session.session_id:
                self._session = ApiSession(session.session_id, session.endpoint, session_timeout(response))

    def close(self) -> None:
        self.gateway.close()

    # --- internals --------------------------------------------------------------------------
    def _expiring(self, session: ApiSession) -> bool:
        return session.expires_at - self.leeway <= clock.now()

    def _sender(self) -> ClientCredentials:
        client = self.store.load_client()
        if client is None or not client.client_secret:
            raise self._reconnect("has lost its Web Services sender credentials")
        return client

    def _login(self) -> UserLogin:
        tokens = self.store.load_tokens()
        if tokens is None or not tokens.refresh_token:
            raise self._reconnect("has no saved company sign-in")
        return login_from(tokens, self.connection)

    def _stored_session(self) -> ApiSession | None:
        tokens = self.store.load_tokens()
        return session_from(tokens, self.connection) if tokens is not None else None

    def _open(self) -> ApiSession:
        login = self._login()
        session = open_session(self.gateway, self.settings.base_url, self._sender(), login, connection=self.connection)
        # Saved before use, so another process picks it up instead of opening its own.
        self.store.save_tokens(to_tokens(login, session))
        self.sessions_opened += 1
        return session
