"""Errors raised inside the sandbox servers.

They never reach a bookkeeper: each server turns them into the vendor's own error response.
They still derive from :class:`BookbridgeError` so that the one exception tree holds.
"""

from __future__ import annotations

from bookbridge.core.errors import BookbridgeError


class SandboxError(BookbridgeError):
    """Something the sandbox refuses or cannot do (bad option, unreadable state file)."""


class OAuthError(SandboxError):
    """An OAuth 2.0 error response (RFC 6749 section 5.2).

    Attributes:
        error: the RFC error code, e.g. ``invalid_grant``.
        description: a human-readable ``error_description``.
        status: the HTTP status the token endpoint answers with.
    """

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
