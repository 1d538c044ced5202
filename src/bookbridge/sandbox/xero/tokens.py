"""Xero's refresh-token rotation with its 30-minute grace for a lost answer [X2].

Every refresh spends the refresh token and issues a new pair. If the answer never reached the
client, Xero lets the *old* refresh token be used again for 30 minutes, and answers with the same
new pair it issued the first time. :class:`GraceTokenStore` keeps, in memory only, the pair each
spent token produced; it is never written to the state file (which holds hashes only), so a
sandbox restarted inside the grace period answers ``invalid_grant`` instead.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta
from typing import Any, Callable

from bookbridge.sandbox.common.tokens import TokenLifetimes, TokenSet, TokenStore

GRACE = timedelta(minutes=30)
# Access tokens live 30 minutes; refresh tokens 60 days from their issue (rotation renews them) [X2].
XERO_LIFETIMES = TokenLifetimes(code=300, access=1800, refresh=60 * 86_400)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class GraceTokenStore(TokenStore):
    """A :class:`TokenStore` whose spent refresh tokens replay their answer for ``grace``."""

    def __init__(self, now: Callable[[], datetime], *, grace: timedelta = GRACE,
                 on_change: Callable[[], None] | None = None) -> None:
        super().__init__(now, XERO_LIFETIMES, on_change)
        self.grace = grace
        self._clock = now
        self._refresh_lock = threading.Lock()
        self._spent: dict[str, tuple[datetime, str, TokenSet]] = {}
        self.grace_replays = 0

    def refresh(self, refresh_token: str, *, client_id: str) -> TokenSet:
        """Rotate, or, for a token spent less than ``grace`` ago by the same client, repeat its answer."""
        digest = _digest(refresh_token)
        # One refresh at a time: two clients racing with one token must see one rotation and one replay.
        with self._refresh_lock:
            now = self._clock()
            self._spent = {d: v for d, v in self._spent.items() if now - v[0] <= self.grace}
            spent = self._spent.get(digest)
            if spent is not None and spent[1] == client_id:
                self.grace_replays += 1
                return spent[2]
            issued = super().refresh(refresh_token, client_id=client_id)
            self._spent[digest] = (now, client_id, issued)
            return issued

    def revoke(self, token: str) -> bool:
        # A revoked authorization must not come back through the grace period.
        with self._refresh_lock:
            self._spent.clear()
        return super().revoke(token)

    def grace_state(self) -> dict[str, Any]:
        with self._refresh_lock:
            return {"spent_in_grace": len(self._spent), "grace_replays": self.grace_replays}
