"""NetSuite OAuth 2.0 against the sandbox: PKCE public client, custom-scheme paste-back, renewal, expiry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from netsuite_session import NsSession, ns, ns_sandbox  # noqa: F401

from bookbridge.connectors.authorize import authorize_via_paste
from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.netsuite import config
from bookbridge.connectors.tokens import ClientCredentials
from bookbridge.core import clock


@pytest.fixture
def shifted_clock():
    """Moves Bookbridge's clock (which the in-process sandbox shares) forward; restores it afterwards."""

    def shift(delta: timedelta) -> None:
        clock.set_clock(lambda: datetime.now(timezone.utc) + delta)

    yield shift
    clock.set_clock(None)


def token_requests(session: NsSession) -> list:
    return [e for e in session.exchanges if e.url.endswith(config.TOKEN_PATH)]


def test_connect_names_the_account_and_the_seven_day_refresh_expiry(ns: NsSession):
    """The redirect's company is the account id; the refresh token's JWT exp gives 7 days."""
    tokens = ns.store.load_tokens()
    assert ns.connector.company_id == ns.sandbox.account_id
    assert tokens.refresh_expires_at - tokens.obtained_at == pytest.approx(config.REFRESH_TOKEN_LIFETIME, abs=timedelta(seconds=2))
    assert tokens.expires_at - tokens.obtained_at == pytest.approx(config.ACCESS_TOKEN_LIFETIME, abs=timedelta(seconds=2))


def test_the_code_exchange_is_a_public_client_with_pkce(ns: NsSession):
    """The token request carries a code_verifier and the client id, no secret and no Basic header."""
    (exchange,) = token_requests(ns)
    assert "code_verifier=" in exchange.request_body and "client_id=" in exchange.request_body
    assert "client_secret" not in exchange.request_body and "Authorization" not in exchange.request_headers


def test_custom_scheme_redirect_is_pasted_back(ns_sandbox):
    """With a custom-scheme redirect (no http in production) the user pastes the address back."""
    endpoints = config.oauth_endpoints(ns_sandbox.base_url)
    landed: list[str] = []

    def show(url: str) -> None:  # the browser: sign-in approves at once, then the OS gets bookbridge://...
        answer = requests.get(url, allow_redirects=False, timeout=5)
        landed.append(answer.headers["Location"])

    done = authorize_via_paste(endpoints, ClientCredentials("bookbridge-desktop"), "bookbridge://oauth/callback",
                               provider="netsuite", label="NetSuite", show_url=show, read_answer=lambda: landed[0])
    assert landed[0].startswith("bookbridge://oauth/callback?") and done.params["company"] == ns_sandbox.account_id
    assert {"role", "entity"} <= set(done.params) and done.tokens.access_token


def test_access_token_is_renewed_before_it_expires_and_the_refresh_token_rotates(ns: NsSession, shifted_clock):
    """Within the leeway the next call renews first; the newest refresh token is stored, its expiry kept."""
    before = ns.store.load_tokens()
    shifted_clock(before.expires_at - clock.now() - timedelta(minutes=1))
    list(ns.connector.currencies())
    after = ns.store.load_tokens()
    assert len(token_requests(ns)) == 2
    assert (after.access_token != before.access_token, after.refresh_token != before.refresh_token) == (True, True)
    assert after.refresh_expires_at == before.refresh_expires_at  # the chain still ends 7 days after sign-in


def test_a_401_triggers_renewal_and_the_call_succeeds(ns: NsSession):
    """The sandbox expires the token on its side; INVALID_LOGIN 401 is answered by one renewal and a resend."""
    ns.control("clock", {"advance_seconds": 3700})
    company = ns.connector.company()
    statuses = [e.status for e in ns.exchanges if "/query/" in e.url]
    assert company.company_id == ns.sandbox.account_id and 401 in statuses and statuses[-1] == 200


def test_after_seven_days_the_refresh_fails_and_asks_to_reconnect(ns: NsSession):
    """Past the chain's end NetSuite refuses the refresh token: ReconnectRequired, not a crash."""
    ns.control("clock", {"advance_seconds": 8 * 24 * 3600})
    with pytest.raises(ReconnectRequired) as caught:
        list(ns.connector.currencies())
    assert "connect" in caught.value.user_message.lower()


def test_expired_refresh_chain_asks_to_reconnect_without_calling(ns: NsSession, shifted_clock):
    """Bookbridge knows the 7-day end itself: past it, no request is made."""
    tokens = ns.store.load_tokens()
    shifted_clock(tokens.refresh_expires_at - clock.now() + timedelta(hours=1))
    sent = len(ns.exchanges)
    with pytest.raises(ReconnectRequired):
        ns.connector.company()
    assert len(ns.exchanges) == sent


def test_revoked_connection_asks_to_reconnect(ns: NsSession):
    """After the token chain is revoked the next call raises ReconnectRequired."""
    tokens = ns.store.load_tokens()
    answer = requests.post(f"{ns.sandbox.base_url}{config.REVOKE_PATH}",
                           data={"token": tokens.refresh_token, "client_id": ns.store.load_client().client_id}, timeout=5)
    assert answer.status_code == 200
    with pytest.raises(ReconnectRequired):
        list(ns.connector.vendors())

