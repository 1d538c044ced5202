"""Signing in to Xero against the local sandbox: PKCE, the tenant from /connections, rotating refresh
tokens with their 30-minute grace, revocation and disconnection, and no secret anywhere visible."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.tokens import MemoryTokenStore
from bookbridge.core.errors import UsageError
from bookbridge.sandbox.xero import XeroSandbox
from xero_testkit import TIME_SCALE, connect_session, xero, xero_sandbox  # noqa: F401 - fixtures

SECOND_ORG = ("0f9d6a1c-2b3e-4c5d-8e7f-a1b2c3d4e5f6", "Bookbridge Haulage West (sandbox)")


def _expire_access_token(session) -> None:
    session.sandbox.clock.advance(1801)  # Xero access tokens live 30 minutes


def test_connect_names_the_only_organisation(xero) -> None:
    """One organisation connected: its tenant id is the connection's company id, no secret is kept."""
    assert xero.connector.company_id == xero.sandbox.tenant_id
    assert xero.store.load_client().client_secret is None  # a PKCE app has no secret
    tokens = xero.store.load_tokens()
    assert tokens.refresh_token and (tokens.expires_at - tokens.obtained_at).total_seconds() == pytest.approx(1800, abs=5)
    assert xero.connector.company().name == "Bookbridge Haulage (Xero sandbox)"


def test_several_organisations_need_a_choice() -> None:
    """A sign-in that connects two organisations refuses to guess, and names both."""
    with XeroSandbox(time_scale=TIME_SCALE, tenants=[("a1b2c3d4-0000-4000-8000-000000000001", "North Org"), SECOND_ORG]) as sandbox:
        with pytest.raises(UsageError) as refused:
            connect_session(sandbox)
        assert "North Org" in refused.value.user_message and SECOND_ORG[1] in refused.value.user_message
        by_name = connect_session(sandbox, company=SECOND_ORG[1])
        by_id = connect_session(sandbox, company="a1b2c3d4-0000-4000-8000-000000000001")
        assert by_name.connector.company_id == SECOND_ORG[0]
        assert by_name.connector.company().name == SECOND_ORG[1]
        assert by_id.connector.company().name == "North Org"
        with pytest.raises(UsageError):
            connect_session(sandbox, company="Nobody Ltd")


def test_expired_access_token_is_renewed_and_the_refresh_token_rotates(xero) -> None:
    """After 30 minutes the API answers 401; the connector refreshes, stores the new pair and goes on."""
    before = xero.store.load_tokens()
    _expire_access_token(xero)
    assert xero.connector.closed_books_date() is not None
    after = xero.store.load_tokens()
    assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
    assert xero.sandbox.stats()["counters"]["oauth_refresh_token"] == 1


def test_lost_refresh_answer_is_recovered_within_the_grace_period(xero) -> None:
    """If the new pair never arrived, the old refresh token works again and yields that same pair."""
    stale = xero.store.load_tokens()
    xero.connector._http._auth.renew()  # rotation happens at Xero...
    delivered = xero.store.load_tokens()
    xero.store.save_tokens(stale)  # ...but the answer was lost: we still hold the old pair
    xero.connector._http._auth._tokens = None
    xero.sandbox.clock.advance(10 * 60)  # retried ten minutes later, inside the grace period
    xero.connector._http._auth.renew()
    recovered = xero.store.load_tokens()
    assert xero.connector.closed_books_date() is not None
    assert (recovered.access_token, recovered.refresh_token) == (delivered.access_token, delivered.refresh_token)
    assert xero.sandbox.stats()["tokens"]["grace_replays"] == 1


def test_old_refresh_token_is_dead_after_the_grace_period(xero) -> None:
    """Beyond 30 minutes a rotated-away refresh token is refused: the user must connect again."""
    stale = xero.store.load_tokens()
    xero.connector._http._auth.renew()
    xero.store.save_tokens(replace(stale))
    xero.connector._http._auth._tokens = None
    xero.sandbox.clock.advance(31 * 60)
    with pytest.raises(ReconnectRequired) as refused:
        xero.connector.closed_books_date()
    assert refused.value.code == "invalid_grant" and "connect again" in refused.value.user_message


def test_revoked_authorization_means_reconnect(xero) -> None:
    """After revocation every call ends in ReconnectRequired, not a crash."""
    tokens = xero.store.load_tokens()
    answer = requests.post(f"{xero.sandbox.base_url}/connect/revocation", timeout=5,
                           data={"token": tokens.refresh_token, "client_id": "bookbridge-test-app"})
    assert answer.status_code == 200
    with pytest.raises(ReconnectRequired):
        list(xero.connector.accounts())


def test_disconnected_organisation_means_reconnect(xero) -> None:
    """DELETE /connections/{id} disconnects the organisation: the API answers 403, we say reconnect."""
    token = xero.store.load_tokens().access_token
    headers = {"Authorization": f"Bearer {token}"}
    listing = requests.get(f"{xero.sandbox.base_url}/connections", headers=headers, timeout=5).json()
    assert [c["tenantId"] for c in listing] == [xero.sandbox.tenant_id]
    assert requests.delete(f"{xero.sandbox.base_url}/connections/{listing[0]['id']}", headers=headers, timeout=5).status_code == 204
    with pytest.raises(ReconnectRequired) as refused:
        xero.connector.company()
    assert refused.value.http_status == 403
    assert requests.get(f"{xero.sandbox.base_url}/connections", headers=headers, timeout=5).json() == []


def test_no_token_appears_in_the_sync_log_or_errors(xero) -> None:
    """After connect, reads, a refresh and a refusal, no token or code appears in any logged exchange."""
    list(xero.connector.accounts())
    _expire_access_token(xero)
    list(xero.connector.vendors())
    tokens = [xero.store.load_tokens().access_token, xero.store.load_tokens().refresh_token]
    xero.sandbox.disconnected.add(xero.sandbox.tenant_id)
    with pytest.raises(ReconnectRequired) as refused:
        xero.connector.company()
    logged = " ".join(repr(exchange) for exchange in xero.exchanges)
    assert xero.exchanges and any("/connect/token" in e.url for e in xero.exchanges)
    for secret in tokens:
        assert secret not in logged and secret not in str(refused.value) and secret not in repr(refused.value)


def test_a_second_connection_gets_its_own_tokens(xero_sandbox) -> None:
    """Two sign-ins to the same organisation hold independent token sets (Xero: one set per consent)."""
    first, second = connect_session(xero_sandbox, MemoryTokenStore()), connect_session(xero_sandbox, MemoryTokenStore())
    assert first.store.load_tokens().refresh_token != second.store.load_tokens().refresh_token
    assert first.connector.company_id == second.connector.company_id
