"""Which OS keyring backend may hold secrets, and what to tell the user when none may.

Shared by the book passphrase store (store.secrets) and the connection token store
(connectors.tokens), which may not import each other.
"""

from __future__ import annotations

import keyring
import keyring.backend
from keyring.backends import chainer, fail, null

from bookbridge.core.errors import KeyringUnavailable

KEYRING_HELP = (
    "No secure password store (OS keyring) is available, and Bookbridge keeps passphrases, connection "
    "tokens and client secrets only there, never in a file. Windows and macOS provide one automatically. "
    "On Linux, install and unlock GNOME Keyring (package gnome-keyring) or KWallet and sign in to a desktop "
    "session. On a server without a desktop, run Bookbridge inside a D-Bus session with an unlocked GNOME "
    "Keyring, for example: dbus-run-session -- sh -c 'printf %s \"$KEYRING_PASSWORD\" | gnome-keyring-daemon "
    "--unlock --components=secrets; bookbridge ...'. A book's passphrase can also be given with "
    "BOOKBRIDGE_PASSPHRASE or at the prompt."
)


def usable_keyring(backend: keyring.backend.KeyringBackend | None = None) -> keyring.backend.KeyringBackend:
    """The keyring backend to use, refusing ones that would not keep secrets safely.

    Raises:
        KeyringUnavailable: no backend, the null backend, or a plaintext-file backend.
    """
    chosen = backend or keyring.get_keyring()
    if isinstance(chosen, (fail.Keyring, null.Keyring)):
        raise KeyringUnavailable(KEYRING_HELP)
    if isinstance(chosen, chainer.ChainerBackend) and not chosen.backends:
        raise KeyringUnavailable(KEYRING_HELP)
    # keyrings.alt's PlaintextKeyring writes secrets to a file in clear: that is the fallback we refuse.
    if type(chosen).__name__ == "PlaintextKeyring":
        raise KeyringUnavailable(KEYRING_HELP)
    return chosen


def keyring_usable() -> bool:
    """True when :func:`usable_keyring` would succeed."""
    try:
        usable_keyring()
    except KeyringUnavailable:
        return False
    return True
