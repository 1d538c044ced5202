"""An OAuth 2.0 authorization server's memory: codes, access tokens, rotating refresh tokens.

Only SHA-256 hashes of codes and tokens are kept (in memory and in the state file), so a state
directory never holds a usable credential. Refresh tokens rotate on every refresh: the old one is
dead at once and answers ``invalid_grant``, which is the behaviour a client must cope with.
PKCE (RFC 7636) is checked when the authorization request carried a ``code_challenge``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from bookbridge.sandbox.common.errors import OAuthError


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def s256_challenge(verifier: str) -> str:
    """The PKCE S256 code challenge of ``verifier`` (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(slots=True)
class _Grant:
    """What a code, access token or refresh token grants, and until when."""

    tenant: str
    client_id: str
    scope: str
    expires_at: str  # ISO 8601, so the record serialises as plain JSON
    redirect_uri: str = ""
    code_challenge: str = ""
    code_challenge_method: str = ""
    family: str = ""  # tokens issued from one authorization share a family (revocation)


@dataclass(frozen=True, slots=True)
class TokenSet:
    """What the token endpoint hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    tenant: str
    scope: str


@dataclass(frozen=True, slots=True)
class TokenLifetimes:
    """Lifetimes in seconds of codes, access tokens and refresh tokens."""

    code: int = 300
    access: int = 3600
    refresh: int = 8_726_400  # the 101 days QBO reports in x_refresh_token_expires_in


class TokenStore:
    """Issues and checks authorization codes, access tokens and refresh tokens. Thread-safe.

    Args:
        now: the clock (a sandbox clock, so tests can expire tokens by advancing it).
        lifetimes: how long each kind of credential lives.
        on_change: called (outside the lock) after every change, e.g. to persist the store.
    """

    def __init__(
        self,
        now: Callable[[], datetime],
        lifetimes: TokenLifetimes | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._now = now
        self.lifetimes = lifetimes or TokenLifetimes()
        self._on_change = on_change
        self._lock = threading.Lock()
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    # --- persistence ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Hashes and grants, JSON-ready (never a usable token)."""
        with self._lock:
            return {
                "codes": {k: asdict(v) for k, v in self._codes.items()},
                "access": {k: asdict(v) for k, v in self._access.items()},
                "refresh": {k: asdict(v) for k, v in self._refresh.items()},
            }

    def load_dict(self, data: dict[str, Any]) -> None:
        """Restore what :meth:`to_dict` produced."""
        with self._lock:
            self._codes = {k: _Grant(**v) for k, v in data.get("codes", {}).items()}
            self._access = {k: _Grant(**v) for k, v in data.get("access", {}).items()}
            self._refresh = {k: _Grant(**v) for k, v in data.get("refresh", {}).items()}

    def _changed(self) -> None:
        if self._on_change:
            self._on_change()

    def _expiry(self, seconds: int) -> str:
        return (self._now() + timedelta(seconds=seconds)).isoformat()

    def _expired(self, grant: _Grant) -> bool:
        return datetime.fromisoformat(grant.expires_at) <= self._now()

    # --- authorization codes ------------------------------------------------------------------
    def issue_code(
        self,
        *,
        tenant: str,
        client_id: str,
        redirect_uri: str,
        scope: str,
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> str:
        """Create a one-time authorization code for ``tenant``."""
        code = "AB11" + secrets.token_urlsafe(24)
        grant = _Grant(
            tenant=tenant,
            client_id=client_id,
            scope=scope,
            expires_at=self._expiry(self.lifetimes.code),
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
        )
        with self._lock:
            self._codes[_digest(code)] = grant
        self._changed()
        return code

    def exchange_code(self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str = "") -> TokenSet:
        """Trade an authorization code for tokens; the code is spent even when the trade fails.

        Raises:
            OAuthError: ``invalid_grant`` for an unknown, used or expired code, a redirect URI
                or client that differs from the authorization request, or a failed PKCE check.
        """
        with self._lock:
            grant = self._codes.pop(_digest(code), None)
        self._changed()
        if grant is None:
            raise OAuthError("invalid_grant", "The authorization code is unknown or was already used.")
        if self._expired(grant):
            raise OAuthError("invalid_grant", "The authorization code has expired.")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "The authorization code was issued to another client.")
        if grant.redirect_uri and redirect_uri != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request.")
        self._check_pkce(grant, code_verifier)
        return self._issue_tokens(grant.tenant, client_id, grant.scope, family=secrets.token_hex(8))

    @staticmethod
    def _check_pkce(grant: _Grant, verifier: str) -> None:
        if not grant.code_challenge:
            return  # PKCE is optional: the client did not start it.
        if not verifier:
            raise OAuthError("invalid_grant", "code_verifier is required: the authorization used PKCE.")
        if grant.code_challenge_method.upper() == "S256":
            expected = s256_challenge(verifier)
        else:
            expected = verifier  # "plain" (RFC 7636 section 4.2)
        if not hmac.compare_digest(expected, grant.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge.")

    # --- tokens --------------------------------------------------------------------------------
    def _issue_tokens(self, tenant: str, client_id: str, scope: str, *, family: str) -> TokenSet:
        access = "eyJ" + secrets.token_urlsafe(48)
        refresh = "AB11" + secrets.token_urlsafe(36)
        with self._lock:
            self._prune_expired()
            self._access[_digest(access)] = _Grant(
                tenant, client_id, scope, self._expiry(self.lifetimes.access), family=family
            )
            self._refresh[_digest(refresh)] = _Grant(
                tenant, client_id, scope, self._expiry(self.lifetimes.refresh), family=family
            )
        self._changed()
        return TokenSet(access, refresh, self.lifetimes.access, self.lifetimes.refresh, tenant, scope)

    def _prune_expired(self) -> None:
        """Forget dead credentials so a long-running sandbox does not grow without bound."""
        for table in (self._codes, self._access, self._refresh):
            for digest in [d for d, grant in table.items() if self._expired(grant)]:
                del table[digest]

    def refresh(self, refresh_token: str, *, client_id: str) -> TokenSet:
        """Rotate: spend ``refresh_token`` and issue a new access and refresh token.

        Raises:
            OAuthError: ``invalid_grant`` for an unknown, rotated-out, revoked or expired token,
                or one issued to another client.
        """
        with self._lock:
            grant = self._refresh.get(_digest(refresh_token))
            if grant is not None and grant.client_id == client_id:
                del self._refresh[_digest(refresh_token)]
        if grant is None:
            raise OAuthError("invalid_grant", "Incorrect or invalid refresh token.")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "The refresh token was issued to another client.")
        if self._expired(grant):
            raise OAuthError("invalid_grant", "The refresh token has expired.")
        return self._issue_tokens(grant.tenant, client_id, grant.scope, family=grant.family)

    def revoke(self, token: str) -> bool:
        """Revoke an access or refresh token and every token of the same authorization.

        Returns True when the token was known (RFC 7009 answers 200 either way).
        """
        key = _digest(token)
        with self._lock:
            grant = self._refresh.get(key) or self._access.get(key)
            if grant is None:
                return False
            for table in (self._access, self._refresh):
                for digest in [d for d, g in table.items() if g.family == grant.family]:
                    del table[digest]
        self._changed()
        return True

    def check_access(self, token: str) -> tuple[str | None, str]:
        """Return ``(tenant, "")`` for a live access token, else ``(None, reason)``."""
        with self._lock:
            grant = self._access.get(_digest(token))
        if grant is None:
            return None, "Token invalid or revoked"
        if self._expired(grant):
            return None, "Token expired"
        return grant.tenant, ""
