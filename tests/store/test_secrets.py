"""Remembering a book's passphrase in the real OS keyring (Secret Service in tests)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bookbridge.store import secrets

REAL_KEYRING = os.environ.get("BOOKBRIDGE_TEST_KEYRING") == "1"
needs_keyring = pytest.mark.skipif(
    not REAL_KEYRING,
    reason="needs the real Secret Service keyring: run through `make test` (packaging/scripts/with-test-keyring.sh)",
)


@needs_keyring
def test_real_backend_is_secret_service() -> None:
    """The test command provides a real Secret Service backend, not a file or a mock."""
    import keyring

    assert secrets.keyring_available()
    assert "SecretService" in type(keyring.get_keyring()).__module__ + type(keyring.get_keyring()).__name__


@needs_keyring
def test_remembered_passphrase_opens_book(book, book_path: Path, monkeypatch) -> None:
    """After remember, resolve_passphrase finds it in the keyring without env or prompt."""
    from tests.conftest import TEST_PASSPHRASE

    monkeypatch.delenv(secrets.ENV_VAR, raising=False)
    secrets.remember_passphrase(book_path, TEST_PASSPHRASE)
    try:
        assert secrets.resolve_passphrase(book_path, prompt=lambda _p: pytest.fail("prompted")) == TEST_PASSPHRASE
    finally:
        secrets.forget_passphrase(book_path)
    assert secrets.remembered_passphrase(book_path) is None


def test_no_passphrase_without_terminal_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    """Without env, keyring entry or terminal, the error says how to give a passphrase."""
    monkeypatch.delenv(secrets.ENV_VAR, raising=False)
    monkeypatch.setattr(secrets, "remembered_passphrase", lambda _p: None)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(secrets.PassphraseUnavailable, match=secrets.ENV_VAR):
        secrets.resolve_passphrase(tmp_path / "x.bbk")


def test_missing_keyring_backend_is_explained(monkeypatch) -> None:
    """With only the 'fail' backend, remembering raises KeyringUnavailable with the options."""
    import keyring
    from keyring.backends import fail

    from bookbridge.core.errors import KeyringUnavailable

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(KeyringUnavailable, match="dbus-run-session"):
            secrets.remember_passphrase(Path("/tmp/whatever.bbk"), "secret passphrase")
    finally:
        keyring.set_keyring(previous)
