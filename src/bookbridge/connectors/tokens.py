"""Connection secrets (OAuth tokens, client id and secret) kept only in the OS keyring.

Entries live under the service ``bookbridge`` with user names ``<book id>/<connection>/tokens``
and ``<book id>/<connection>/client``, each holding one JSON bundle. Two entries rather than one
keep each secret small (Windows Credential Manager caps a secret at 2.5 KB) and let a token
refresh rewrite the tokens without touching the client secret.

Nothing here ever writes a secret anywhere else. When no keyring backend is usable the user gets
:class:`~bookbridge.core.errors.KeyringUnavailable` with the ways to get one, never a plaintext
fallback.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Protocol

import keyring
import keyring.backend
import keyring.errors

from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.core import clock
from bookbridge.core.errors import KeyringUnavailable
from bookbridge.core.keyring_guard import KEYRING_HELP, usable_keyring

SERVICE = "bookbridge"

@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """The OAuth app's id and secret (the secret is ``None`` for public PKCE clients)."""

    client_id: str = field(repr=False)
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class TokenSet:
    """The tokens of one connection. ``repr`` shows expiries only, never a token."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    refresh_expires_at: datetime | None = None
    token_type: str = "Bearer"
    obtained_at: datetime | None = None

    @classmethod
    def from_oauth(cls, token: Mapping[str, Any], *, previous: "TokenSet | None" = None) -> "TokenSet":
        """Build from a token-endpoint answer (as parsed by Authlib).

        Keeps the previous refresh token when the answer carries none (RFC 6749 §6 allows that);
        reads QBO's ``x_refresh_token_expires_in`` for the refresh token's own expiry.
        """
        now = clock.now()
        if token.get("expires_at") is not None:
            expires_at = datetime.fromtimestamp(int(token["expires_at"]), tz=now.tzinfo)
        else:
            expires_at = now + timedelta(seconds=int(token.get("expires_in") or 3600))
        refresh = token.get("refresh_token") or (previous.refresh_token if previous else None)
        refresh_expires_at = previous.refresh_expires_at if previous and refresh == previous.refresh_token else None
        for name in ("x_refresh_token_expires_in", "refresh_token_expires_in"):
            if token.get(name) is not None:
                refresh_expires_at = now + timedelta(seconds=int(token[name]))
        if refresh_expires_at is None and refresh:
            # NetSuite states no lifetime in the answer; its refresh tokens are JWTs carrying exp.
            refresh_expires_at = jwt_expiry(str(refresh))
        return cls(
            access_token=str(token["access_token"]),
            refresh_token=str(refresh) if refresh else None,
            expires_at=expires_at,
            refresh_expires_at=refresh_expires_at,
            token_type=str(token.get("token_type") or "Bearer"),
            obtained_at=now,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "token_type": self.token_type,
                "expires_at": self.expires_at.isoformat(),
                "refresh_expires_at": self.refresh_expires_at.isoformat() if self.refresh_expires_at else None,
                "obtained_at": self.obtained_at.isoformat() if self.obtained_at else None,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> "TokenSet":
        data = json.loads(text)
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            refresh_expires_at=_optional_datetime(data.get("refresh_expires_at")),
            token_type=data.get("token_type") or "Bearer",
            obtained_at=_optional_datetime(data.get("obtained_at")),
        )


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim of a JWT-shaped token, read without verifying it (``None`` if it has none).

    Only used to tell the user when to reconnect; the server still decides whether a token works.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        expiry = claims.get("exp") if isinstance(claims, dict) else None
        return datetime.fromtimestamp(int(expiry), tz=timezone.utc) if expiry is not None else None
    except (ValueError, TypeError, OverflowError, binascii.Error):  # not a JWT after all: expiry stays unknown
        return None


def _optional_datetime(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class TokenStore(Protocol):
    """Where a connection's secrets are kept."""

    def load_tokens(self) -> TokenSet | None: ...

    def save_tokens(self, tokens: TokenSet) -> None: ...

    def load_client(self) -> ClientCredentials | None: ...

    def save_client(self, client: ClientCredentials) -> None: ...

    def delete(self) -> None: ...


class KeyringTokenStore:
    """Secrets of one connection of one book, in the OS keyring."""

    def __init__(
        self, book_id: str, connection: str, *, provider: str = "", backend: keyring.backend.KeyringBackend | None = None
    ) -> None:
        if not book_id or not connection or "/" in connection:
            raise ValueError("a token store needs a book id and a connection name without '/'")
        self.book_id = book_id
        self.connection = connection
        self.provider = provider
        self._backend = backend

    def _username(self, part: str) -> str:
        return f"{self.book_id}/{self.connection}/{part}"

    def _call(self, action: str, fn, *args):
        backend = usable_keyring(self._backend)
        try:
            return fn(backend, *args)
        except keyring.errors.KeyringLocked:
            raise KeyringUnavailable(
                f"The OS keyring is locked, so the credentials of connection '{self.connection}' cannot be "
                f"{action}. Unlock it (sign in to your desktop session, or unlock GNOME Keyring/KWallet) and try again."
            ) from None
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(
                f"The OS keyring failed while the credentials of connection '{self.connection}' were being "
                f"{action} ({type(exc).__name__}). {KEYRING_HELP}"
            ) from None

    def _load(self, part: str) -> str | None:
        return self._call("read", lambda b, u: b.get_password(SERVICE, u), self._username(part))

    def _save(self, part: str, value: str) -> None:
        self._call("saved", lambda b, u, v: b.set_password(SERVICE, u, v), self._username(part), value)

    def _damaged(self) -> ReconnectRequired:
        return ReconnectRequired(
            f"The saved credentials of connection '{self.connection}' are damaged; connect it again.",
            provider=self.provider, code="credentials-damaged",
        )

    def load_tokens(self) -> TokenSet | None:
        text = self._load("tokens")
        if text is None:
            return None
        try:
            return TokenSet.from_json(text)
        except (ValueError, KeyError, TypeError):
            raise self._damaged() from None

    def save_tokens(self, tokens: TokenSet) -> None:
        self._save("tokens", tokens.to_json())

    def load_client(self) -> ClientCredentials | None:
        text = self._load("client")
        if text is None:
            return None
        try:
            data = json.loads(text)
            return ClientCredentials(data["client_id"], data.get("client_secret"))
        except (ValueError, KeyError, TypeError):
            raise self._damaged() from None

    def save_client(self, client: ClientCredentials) -> None:
        self._save("client", json.dumps({"v": 1, "client_id": client.client_id, "client_secret": client.client_secret}))

    def delete(self) -> None:
        """Remove both entries; entries already absent are fine (the goal is their absence)."""
        for part in ("tokens", "client"):
            self._call("deleted", _delete_if_present, self._username(part))


def _delete_if_present(backend: keyring.backend.KeyringBackend, username: str) -> None:
    try:
        backend.delete_password(SERVICE, username)
    except keyring.errors.PasswordDeleteError:
        # Raised when the entry does not exist: nothing to delete is what we wanted.
        return


class MemoryTokenStore:
    """Secrets held in this process only, for the in-process demo sandbox and tests.

    Nothing is written anywhere; the secrets are gone when the process ends.
    """

    def __init__(self, tokens: TokenSet | None = None, client: ClientCredentials | None = None) -> None:
        self._tokens = tokens
        self._client = client

    def load_tokens(self) -> TokenSet | None:
        return self._tokens

    def save_tokens(self, tokens: TokenSet) -> None:
        self._tokens = tokens

    def load_client(self) -> ClientCredentials | None:
        return self._client

    def save_client(self, client: ClientCredentials) -> None:
        self._client = client

    def delete(self) -> None:
        self._tokens = self._client = None
