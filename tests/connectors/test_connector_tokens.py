"""Secrets in the OS keyring: the real Secret Service backend, and refusal of unsafe backends."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.tokens import SERVICE, ClientCredentials, KeyringTokenStore, TokenSet, usable_keyring
from bookbridge.core.errors import KeyringUnavailable

ACCESS = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0..test-access-token"
REFRESH = "AB11757295021yRkPjwJ8cBoIqS6mAcw7Ux2eYvYEC7nMLTzNk"


def tokens() -> TokenSet:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return TokenSet(ACCESS, REFRESH, now + timedelta(hours=1), now + timedelta(days=100), "bearer", now)


@pytest.fixture
def real_keyring():
    """The OS keyring as configured (the Secret Service under with-test-keyring.sh)."""
    if not os.environ.get("BOOKBRIDGE_TEST_KEYRING"):
        reason = "BOOKBRIDGE_TEST_KEYRING is not set: run under packaging/scripts/with-test-keyring.sh for a real keyring"
        print(reason)
        pytest.skip(reason)
    backend = keyring.get_keyring()
    assert "SecretService" in type(backend).__module__, f"expected the Secret Service, got {backend!r}"
    return backend


def test_token_set_round_trips_through_json():
    """What is saved is what is loaded."""
    original = tokens()
    assert TokenSet.from_json(original.to_json()) == original


def test_repr_never_shows_a_token():
    """repr of tokens and client credentials names no secret (it can end up in a traceback)."""
    text = repr(tokens()) + repr(ClientCredentials("client-id-123", "client-secret-456"))
    assert ACCESS not in text and REFRESH not in text and "client-secret-456" not in text and "client-id-123" not in text


def test_oauth_answer_without_refresh_token_keeps_the_previous_one():
    """RFC 6749 §6 lets a refresh answer omit refresh_token: the old one stays."""
    fresh = TokenSet.from_oauth({"access_token": "new", "expires_in": 3600}, previous=tokens())
    assert fresh.refresh_token == REFRESH


def test_qbo_refresh_expiry_is_read():
    """x_refresh_token_expires_in sets the refresh token's own expiry."""
    fresh = TokenSet.from_oauth({"access_token": "a", "refresh_token": "r", "expires_in": 3600,
                                 "x_refresh_token_expires_in": 8640000})
    assert timedelta(days=99) < fresh.refresh_expires_at - fresh.obtained_at <= timedelta(days=100)


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_unusable_backends_are_refused_with_the_options(backend):
    """No keyring (or the null one) raises KeyringUnavailable explaining what to install or run."""
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringTokenStore("book-1", "main", backend=backend).load_tokens()
    assert "gnome-keyring" in caught.value.user_message.lower() and "dbus-run-session" in caught.value.user_message


def test_plaintext_file_backend_is_refused():
    """A plaintext-file keyring is not a keyring: refused, never used as a fallback."""
    PlaintextKeyring = type("PlaintextKeyring", (null.Keyring,), {"priority": 1})
    # Defining a backend class registers it with keyring for the whole process; unregister it so
    # later tests still get the real Secret Service rather than a chain including this fake.
    KeyringBackend._classes.discard(PlaintextKeyring)
    with pytest.raises(KeyringUnavailable):
        usable_keyring(PlaintextKeyring())


def test_tokens_survive_in_the_real_secret_service(real_keyring):
    """Tokens saved by one store object are read back by another, from the Secret Service itself."""
    book = f"book-{uuid.uuid4().hex}"
    saved = tokens()  # built once: its times come from the clock, which moves under a loaded machine
    KeyringTokenStore(book, "main", backend=real_keyring).save_tokens(saved)
    loaded = KeyringTokenStore(book, "main", backend=real_keyring).load_tokens()
    assert loaded == saved
    assert REFRESH in real_keyring.get_password(SERVICE, f"{book}/main/tokens")
    KeyringTokenStore(book, "main", backend=real_keyring).delete()


def test_client_credentials_live_in_their_own_entry(real_keyring):
    """Client id and secret are stored under <book>/<connection>/client."""
    book = f"book-{uuid.uuid4().hex}"
    store = KeyringTokenStore(book, "main", backend=real_keyring)
    store.save_client(ClientCredentials("cid-1", "csecret-1"))
    assert store.load_client() == ClientCredentials("cid-1", "csecret-1")
    assert "csecret-1" in real_keyring.get_password(SERVICE, f"{book}/main/client")
    store.delete()


def test_delete_removes_both_entries_and_tolerates_absence(real_keyring):
    """After delete nothing is left; deleting again is fine."""
    book = f"book-{uuid.uuid4().hex}"
    store = KeyringTokenStore(book, "main", backend=real_keyring)
    store.save_tokens(tokens())
    store.save_client(ClientCredentials("cid", "sec"))
    store.delete()
    store.delete()
    assert (store.load_tokens(), store.load_client()) == (None, None)


def test_connections_of_different_books_do_not_mix(real_keyring):
    """The same connection name in two books keeps two separate secrets."""
    a, b = (KeyringTokenStore(f"book-{uuid.uuid4().hex}", "main", backend=real_keyring) for _ in range(2))
    a.save_tokens(tokens())
    assert b.load_tokens() is None
    a.delete()


def test_damaged_entry_asks_to_reconnect(real_keyring):
    """An entry that is not our JSON says to reconnect, without echoing its content."""
    book = f"book-{uuid.uuid4().hex}"
    real_keyring.set_password(SERVICE, f"{book}/main/tokens", "not json at all: secret-ish")
    store = KeyringTokenStore(book, "main", backend=real_keyring)
    with pytest.raises(ReconnectRequired) as caught:
        store.load_tokens()
    assert "secret-ish" not in caught.value.user_message
    store.delete()
