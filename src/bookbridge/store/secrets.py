"""Book passphrases: from the environment, the OS keyring ("remember on this computer") or a
prompt. Never stored anywhere else, never logged."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Callable

import keyring
import keyring.errors

from bookbridge.core.errors import PassphraseUnavailable
from bookbridge.core.keyring_guard import keyring_usable, usable_keyring

ENV_VAR = "BOOKBRIDGE_PASSPHRASE"
KEYRING_SERVICE = "bookbridge-book"


def keyring_available() -> bool:
    """True when a keyring backend that keeps secrets safely is configured."""
    return keyring_usable()


def require_keyring() -> None:
    """Raise KeyringUnavailable, with the options spelled out, when no safe keyring exists."""
    usable_keyring()


def _account(path: Path) -> str:
    return str(Path(path).resolve())


def remember_passphrase(path: Path, passphrase: str) -> None:
    """Store the passphrase in the OS keyring for this book file."""
    require_keyring()
    keyring.set_password(KEYRING_SERVICE, _account(path), passphrase)


def forget_passphrase(path: Path) -> None:
    if not keyring_available():
        return
    try:
        keyring.delete_password(KEYRING_SERVICE, _account(path))
    except keyring.errors.PasswordDeleteError:
        pass  # nothing remembered: forgetting is already done


def remembered_passphrase(path: Path) -> str | None:
    """The remembered passphrase, or None when none is stored or no keyring exists."""
    if not keyring_available():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, _account(path))
    except keyring.errors.KeyringError:
        return None  # a locked or broken keyring is "not remembered", and we fall back to asking


def resolve_passphrase(
    path: Path,
    *,
    prompt: Callable[[str], str] | None = None,
    confirm: bool = False,
) -> str:
    """Find the passphrase for ``path``: environment, then keyring, then an interactive prompt.

    Raises:
        PassphraseUnavailable: none found and no terminal to ask on.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    if not confirm:
        remembered = remembered_passphrase(path)
        if remembered:
            return remembered
    ask = prompt or (getpass.getpass if sys.stdin.isatty() else None)
    if ask is None:
        raise PassphraseUnavailable(
            f"No passphrase for {path}: set {ENV_VAR}, remember it in the keyring, or run in a terminal.",
            str(path),
        )
    first = ask(f"Passphrase for {Path(path).name}: ")
    if confirm and ask("Repeat the passphrase: ") != first:
        raise PassphraseUnavailable("The two passphrases differ; nothing was changed.", str(path))
    return first
