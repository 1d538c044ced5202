"""Sage Intacct's secrets, kept in the two keyring entries every connection has.

The XML API has no OAuth [I1]; its secrets still fit the :class:`TokenStore` of issue 4:

* the *client* entry holds the Web Services **sender** ID and password (the app's credentials,
  as an OAuth client id and secret are);
* the *tokens* entry holds the current **API session** (session id and the endpoint
  ``getAPISession`` named, as the access token) and the company **user login** (user id, company
  id, password, entity), which opens a new session when the old one times out, as a refresh
  token would. Session timeouts slide with every call [I3]; the stored expiry is the projection
  at the last save.

Both serialise to JSON strings that only ever go to the token store; ``repr`` never shows them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.intacct.config import LABEL, PROVIDER
from bookbridge.connectors.intacct.xmlwire import Login
from bookbridge.connectors.tokens import TokenSet
from bookbridge.core import clock

TOKEN_TYPE = "IntacctSession"
_LOGIN_VERSION = "intacct-login/1"
_SESSION_VERSION = "intacct-session/1"


@dataclass(frozen=True, slots=True)
class UserLogin:
    """A company user (usually a Web Services-only user) and the entity it signs in to."""

    user_id: str
    company_id: str
    password: str = field(repr=False)
    location_id: str | None = None

    def as_login(self) -> Login:
        return Login(self.user_id, self.company_id, self.password, self.location_id)

    def to_secret(self) -> str:
        return json.dumps({"v": _LOGIN_VERSION, "userid": self.user_id, "companyid": self.company_id,
                           "password": self.password, "locationid": self.location_id})


@dataclass(frozen=True, slots=True)
class ApiSession:
    """One API session: its id, the endpoint later calls must use, and its projected timeout."""

    session_id: str = field(repr=False)
    endpoint: str
    expires_at: datetime

    def to_secret(self) -> str:
        return json.dumps({"v": _SESSION_VERSION, "sessionid": self.session_id, "endpoint": self.endpoint})


def _damaged(connection: str) -> ReconnectRequired:
    return ReconnectRequired(
        f"The saved {LABEL} sign-in of connection '{connection}' is damaged; connect it again.",
        provider=PROVIDER, code="credentials-damaged",
    )


def to_tokens(login: UserLogin, session: ApiSession | None) -> TokenSet:
    """The token-store form of a login and its current session (none: already expired)."""
    now = clock.now()
    return TokenSet(
        access_token=session.to_secret() if session else "",
        refresh_token=login.to_secret(),
        expires_at=session.expires_at if session else now,
        refresh_expires_at=None,  # a login does not expire; a changed password means reconnecting
        token_type=TOKEN_TYPE,
        obtained_at=now,
    )


def login_from(tokens: TokenSet, connection: str) -> UserLogin:
    try:
        data = json.loads(tokens.refresh_token or "")
        if data.get("v") != _LOGIN_VERSION:
            raise ValueError("not an Intacct login")
        return UserLogin(data["userid"], data["companyid"], data["password"], data.get("locationid"))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _damaged(connection) from None


def session_from(tokens: TokenSet, connection: str) -> ApiSession | None:
    if not tokens.access_token:
        return None
    try:
        data = json.loads(tokens.access_token)
        if data.get("v") != _SESSION_VERSION:
            raise ValueError("not an Intacct session")
        return ApiSession(data["sessionid"], data["endpoint"], tokens.expires_at)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _damaged(connection) from None
