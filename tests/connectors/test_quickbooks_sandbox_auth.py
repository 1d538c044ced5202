"""Token renewal against the sandbox: before expiry, on a 401, rotation, and revoked connections."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import requests
from connector_testkit import QboSession

from bookbridge.connectors.errors import AuthError, ReconnectRequired
from bookbridge.connectors.registry import open_connector
from bookbridge.core import clock


@pytest.fixture
def shifted_clock():
    """Moves Bookbridge's clock (which the in-process sandbox shares) forward; restores it afterwards."""

    def shift(delta: timedelta) -> None:
        clock.set_clock(lambda: datetime.now(timezone.utc) + delta)

    yield shift
    clock.set_clock(None)


def token_requests(session: QboSession) -> list:
    return [e for e in session.exchanges if e.url.endswith("/oauth2/v1/tokens/bearer")]


def test_access_token_is_renewed_before_it_expires(qbo: QboSession, shifted_clock):
    """Within the leeway before expiry, the next call renews first and uses the new token."""
    before = qbo.store.load_tokens()
    shifted_clock(before.expires_at - clock.now() - timedelta(minutes=1))
    renewals_before = len(token_requests(qbo))
    list(qbo.connector.vendors(include_inactive=False))
    after = qbo.store.load_tokens()
    assert len(token_requests(qbo)) == renewals_before + 1
    assert after.access_token != before.access_token


def test_rotated_refresh_token_is_stored(qbo: QboSession, shifted_clock):
    """QBO-style rotation: the store holds the newest refresh token after a renewal."""
    before = qbo.store.load_tokens()
    shifted_clock(before.expires_at - clock.now())
    qbo.connector.company()
    assert qbo.store.load_tokens().refresh_token != before.refresh_token


def test_a_401_triggers_renewal_and_the_call_succeeds(qbo: QboSession):
    """The sandbox expires the token on its side; the 401 is answered by one renewal and a resend."""
    qbo.control("clock", {"advance_seconds": 3700})
    before = qbo.store.load_tokens()
    company = qbo.connector.company()
    statuses = [e.status for e in qbo.exchanges if "/v3/company/" in e.url]
    assert company.company_id == qbo.sandbox.realm_id
    assert 401 in statuses and statuses[-1] == 200
    assert qbo.store.load_tokens().access_token != before.access_token


def test_revoked_connection_asks_to_reconnect(qbo: QboSession):
    """After the user revokes access, the next call raises ReconnectRequired, not a crash."""
    tokens = qbo.store.load_tokens()
    client = qbo.store.load_client()
    answer = requests.post(
        f"{qbo.sandbox.base_url}/oauth2/v1/tokens/revoke", json={"token": tokens.refresh_token},
        auth=(client.client_id, client.client_secret), timeout=5,
    )
    assert answer.status_code == 200
    with pytest.raises(ReconnectRequired) as caught:
        list(qbo.connector.vendors())
    assert "connect" in caught.value.user_message.lower()


def test_expired_refresh_token_asks_to_reconnect_without_calling(qbo: QboSession, shifted_clock):
    """Past the refresh token's own expiry, no request is made: reconnect is the only way."""
    tokens = qbo.store.load_tokens()
    shifted_clock(tokens.refresh_expires_at - clock.now() + timedelta(days=1))
    sent = len(qbo.exchanges)
    with pytest.raises(ReconnectRequired):
        qbo.connector.company()
    assert len(qbo.exchanges) == sent


def test_missing_tokens_ask_to_reconnect(qbo: QboSession):
    """A connection whose keyring entries are gone says to reconnect."""
    qbo.store.delete()
    fresh = open_connector(qbo.settings, qbo.store)
    with pytest.raises(ReconnectRequired):
        fresh.company()


def test_token_for_another_company_is_refused(qbo: QboSession):
    """Using the tokens against another realm is a 403 AuthError, not a reconnect."""
    other = open_connector(replace(qbo.settings, company_id="1234567890"), qbo.store)
    with pytest.raises(AuthError) as caught:
        other.company()
    assert caught.value.http_status == 403 and not isinstance(caught.value, ReconnectRequired)
