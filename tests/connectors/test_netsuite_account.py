"""NetSuite account ids, hosts and OAuth endpoints: the sandbox suffix handled in one place."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.connectors.netsuite import config
from bookbridge.connectors.netsuite.account import account_from_host, parse_account
from bookbridge.connectors.registry import provider
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import MemoryTokenStore
from bookbridge.core.errors import UsageError

account_ids = st.builds(
    lambda base, suffix: base + suffix,
    st.from_regex(r"[0-9]{5,8}|TSTDRV[0-9]{6}", fullmatch=True),
    st.sampled_from(["", "_SB1", "_SB2", "-sb1", "_sb3", "_RP1"]),
)


def test_sandbox_account_has_a_hyphenated_lower_case_host_and_keeps_its_realm():
    """1234567_SB1 is host 1234567-sb1; the realm keeps the underscore and upper case."""
    account = parse_account("1234567_SB1")
    assert (account.realm, account.host, account.is_sandbox) == ("1234567_SB1", "1234567-sb1", True)
    assert account.api_url == "https://1234567-sb1.suitetalk.api.netsuite.com"
    assert account.authorize_url == "https://1234567-sb1.app.netsuite.com/app/login/oauth2/authorize.nl"


@settings(deadline=None)
@given(account_ids)
def test_either_spelling_gives_the_same_account(text):
    """Parsing the realm form or the host form of an id gives the same account back."""
    account = parse_account(text)
    assert parse_account(account.realm) == account == parse_account(account.host)
    assert account_from_host(f"{account.host}.suitetalk.api.netsuite.com") == account


@pytest.mark.parametrize("text", ["", "12 34", "1234567_XX1", "https://1234567.suitetalk.api.netsuite.com"])
def test_what_is_not_an_account_id_is_refused_with_where_to_find_it(text):
    """A malformed id is a usage error pointing at Company Information."""
    with pytest.raises(UsageError, match="Account ID"):
        parse_account(text)


def test_an_account_id_as_base_url_resolves_to_its_rest_host():
    """`--base-url 1234567_SB1` means the account's REST host; 'production' explains what to give."""
    spec = provider("netsuite")
    assert spec.base_url("1234567_SB1") == "https://1234567-sb1.suitetalk.api.netsuite.com"
    assert spec.base_url("http://127.0.0.1:8123") == "http://127.0.0.1:8123"
    with pytest.raises(UsageError, match="account id"):
        spec.base_url(None)


def test_oauth_endpoints_for_an_account_are_public_pkce_on_its_own_hosts():
    """Authorize on app.netsuite.com, token on the REST host, no client secret, PKCE on, rest_webservices scope."""
    endpoints = config.oauth_endpoints("https://1234567-sb1.suitetalk.api.netsuite.com/services/rest")
    assert endpoints.authorize_url.startswith("https://1234567-sb1.app.netsuite.com/")
    assert endpoints.token_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    assert (endpoints.client_auth_method, endpoints.pkce, endpoints.scopes) == ("none", True, ("rest_webservices",))


def test_loopback_is_allowed_only_for_a_local_sandbox():
    """NetSuite never redirects to http; only a sandbox on this computer gets the loopback flow."""
    spec = provider("netsuite")
    assert spec.loopback_allowed("http://127.0.0.1:9000") and not spec.loopback_allowed(
        "https://1234567.suitetalk.api.netsuite.com")


def test_an_https_host_that_is_not_netsuite_is_refused():
    """OAuth endpoints are not guessed for an unknown https host."""
    with pytest.raises(UsageError, match="not a NetSuite account address"):
        config.oauth_endpoints("https://example.com")


def test_a_connector_for_one_account_refuses_another_accounts_host():
    """Settings naming account 7654321 on 1234567's host are refused before any request."""
    settings = ConnectionSettings("netsuite", "main", "https://1234567.suitetalk.api.netsuite.com", "7654321")
    with pytest.raises(UsageError, match="7654321"):
        provider("netsuite").connector_class(settings, MemoryTokenStore())  # type: ignore[arg-type]
