"""API sessions the sandbox hands out with ``getAPISession``.

A session belongs to one company, user and entity, and to the endpoint it was issued for: later
calls must go there [I3]. Each successful call pushes its timeout forward by the session length
(sliding), and the answer reports the new projected timeout. Only SHA-256 hashes of session ids
are kept, in memory and in the state file, so a state directory never holds a usable credential.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Callable


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class SessionGrant:
    company_id: str
    user_id: str
    location_id: str
    endpoint_path: str
    expires_at: str  # ISO 8601


class SessionStore:
    """Issues and checks session ids. Thread-safe."""

    def __init__(self, now: Callable[[], datetime], lifetime_seconds: int = 1800,
                 on_change: Callable[[], None] | None = None) -> None:
        self._now = now
        self.lifetime = timedelta(seconds=lifetime_seconds)
        self._on_change = on_change
        self._lock = threading.Lock()
        self._sessions: dict[str, SessionGrant] = {}

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {digest: asdict(grant) for digest, grant in self._sessions.items()}

    def load_dict(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._sessions = {digest: SessionGrant(**grant) for digest, grant in data.items()}

    def _changed(self) -> None:
        if self._on_change:
            self._on_change()

    def open(self, *, company_id: str, user_id: str, location_id: str, endpoint_path: str) -> tuple[str, datetime]:
        """A new session id and its timeout."""
        session_id = secrets.token_urlsafe(24) + ".."  # Intacct session ids end in two dots
        expires = self._now() + self.lifetime
        with self._lock:
            now = self._now()
            for digest in [d for d, g in self._sessions.items() if datetime.fromisoformat(g.expires_at) <= now]:
                del self._sessions[digest]
            self._sessions[_digest(session_id)] = SessionGrant(company_id, user_id, location_id, endpoint_path,
                                                               expires.isoformat())
        self._changed()
        return session_id, expires

    def use(self, session_id: str, endpoint_path: str) -> tuple[SessionGrant | None, str]:
        """The grant of a live session used at its own endpoint (its timeout slides), or why not."""
        with self._lock:
            grant = self._sessions.get(_digest(session_id))
            if grant is None:
                return None, "Invalid session"
            if datetime.fromisoformat(grant.expires_at) <= self._now():
                del self._sessions[_digest(session_id)]
                return None, "Session expired"
            if grant.endpoint_path != endpoint_path:
                return None, "This session belongs to another endpoint"
            grant.expires_at = (self._now() + self.lifetime).isoformat()
            return SessionGrant(**asdict(grant)), ""

    def timeout(self, grant: SessionGrant) -> datetime:
        return datetime.fromisoformat(grant.expires_at)

    def count(self) -> int:
        with self._lock:
            return len(self._sessions)
