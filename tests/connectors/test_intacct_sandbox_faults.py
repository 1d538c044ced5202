"""The Intacct connector against the sandbox's faults: sessions, refusals, throttling, cuts and lost answers."""

from __future__ import annotations

import pytest

from bookbridge.connectors.dto import PostResult
from bookbridge.connectors.errors import RateLimited, ReconnectRequired, ServerError, TransportError
from bookbridge.connectors.intacct.config import trusted_endpoint
from bookbridge.connectors.intacct.connect import connect_with_login
from bookbridge.connectors.intacct.credentials import UserLogin
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.sandbox.intacct import FaultConfig, IntacctSandbox
from intacct_connector_support import (  # noqa: F401 - fixtures
    SENDER,
    USER_PASSWORD,
    connected_store,
    intacct,
    intacct_sandbox,
    journal,
    login,
    make_connector,
)


def test_connect_opens_a_session_at_the_endpoint_it_names(intacct_sandbox: IntacctSandbox) -> None:
    """getAPISession's endpoint is kept and every later call goes there, not to the login URL."""
    store = connected_store(intacct_sandbox)
    connector = make_connector(intacct_sandbox, store)
    connector.company()
    creds = connector._auth.credentials()
    assert creds.session.endpoint == intacct_sandbox.base_url + intacct_sandbox.session_path
    assert intacct_sandbox.stats()["counters"]["sessions_opened"] == 1


def test_wrong_user_password_means_reconnect_and_saves_nothing(intacct_sandbox: IntacctSandbox) -> None:
    """A refused login (XL03000006 "Sign-in information is incorrect") saves no credential."""
    with IntacctSandbox(limits=False, user_id="ws_test", user_password=USER_PASSWORD) as strict:
        store = MemoryTokenStore()
        with pytest.raises(ReconnectRequired, match="Sign-in information is incorrect") as refused:
            connect_with_login(base_url=strict.base_url, sender=SENDER, login=login(strict, password="wrong"),
                               store=store)
        assert refused.value.code == "XL03000006"
        assert store.load_tokens() is None and store.load_client() is None


def test_unauthorised_sender_means_reconnect(intacct_sandbox: IntacctSandbox) -> None:
    """A sender not authorised for the company is refused at control level (XL03000006)."""
    with IntacctSandbox(limits=False, authorized_senders=("someone_else",)) as strict:
        with pytest.raises(ReconnectRequired, match="Web Services authorizations"):
            connect_with_login(base_url=strict.base_url, sender=SENDER, login=login(strict), store=MemoryTokenStore())


def test_expired_session_is_renewed_and_the_call_succeeds(intacct_sandbox: IntacctSandbox) -> None:
    """After the sandbox clock passes the timeout, the connector signs in again without failing."""
    connector = make_connector(intacct_sandbox)
    connector.company()
    intacct_sandbox.clock.advance(3600)
    assert connector.company().home_currency == "USD"
    assert intacct_sandbox.stats()["counters"]["sessions_opened"] == 2


def test_session_refused_by_the_gateway_is_renewed_once(intacct_sandbox: IntacctSandbox) -> None:
    """A session the gateway no longer knows (authentication failure inside HTTP 200) is replaced."""
    store = connected_store(intacct_sandbox)
    connector = make_connector(intacct_sandbox, store)
    intacct_sandbox.sessions.load_dict({})  # the gateway forgets every session
    assert [a.number for a in connector.accounts()][0] == "1000"
    assert intacct_sandbox.stats()["counters"]["auth_refused"] == 1


def test_a_login_that_stops_working_means_reconnect(intacct_sandbox: IntacctSandbox) -> None:
    """When the stored user can no longer sign in, the connector says to connect again."""
    with IntacctSandbox(limits=False, user_id="ws_test", user_password=USER_PASSWORD) as strict:
        store = connected_store(strict)
        connector = make_connector(strict, store)
        strict.user = ("ws_test", "changed-by-admin")
        strict.sessions.load_dict({})
        with pytest.raises(ReconnectRequired, match="connect"):
            connector.company()


def test_no_saved_credentials_means_reconnect(intacct_sandbox: IntacctSandbox) -> None:
    """A connection whose keyring entries are gone asks to be connected again."""
    with pytest.raises(ReconnectRequired, match="connect it again"):
        make_connector(intacct_sandbox, MemoryTokenStore()).company()


def test_server_errors_and_drops_are_retried_on_reads(intacct_sandbox: IntacctSandbox, intacct) -> None:
    """A 503 page and a dropped connection are retried; the read succeeds on the third attempt."""
    intacct.company()
    intacct_sandbox.faults.update({"queue": ["503", "drop"]})
    assert len(list(intacct.vendors())) == 10
    assert intacct_sandbox.stats()["counters"]["fault_503"] == 1 and intacct_sandbox.stats()["counters"]["fault_drop"] == 1


def test_lost_answer_after_commit_posts_once(intacct_sandbox: IntacctSandbox, intacct) -> None:
    """The write is stored, the answer lost; the resend is refused as already run and found by key."""
    intacct.company()
    intacct_sandbox.faults.update({"queue": ["lost_after_commit"]})
    result = intacct.push(journal("lost1"))
    assert isinstance(result, PostResult) and result.attempts >= 1
    assert intacct_sandbox.store.counts()["GLBATCH"] == 1
    assert intacct_sandbox.stats()["counters"]["fault_lost_after_commit"] == 1
    assert intacct_sandbox.stats()["counters"]["already_run"] == 1


def test_lost_answer_for_a_batch_settles_every_document(intacct_sandbox: IntacctSandbox, intacct) -> None:
    """A lost answer to a 5-document request: each is posted exactly once and reported posted."""
    intacct.company()
    intacct_sandbox.faults.update({"queue": ["lost_after_commit"]})
    answers = intacct.push_many([journal(f"lb{n}", f"{10 + n}.00") for n in range(5)])
    assert all(isinstance(a, PostResult) for a in answers)
    assert len({a.remote_id for a in answers}) == 5 == intacct_sandbox.store.counts()["GLBATCH"]


def test_giving_up_on_server_errors_is_a_retryable_error(intacct_sandbox: IntacctSandbox) -> None:
    """When every attempt meets a 500, the caller gets a retryable ServerError with the attempt count."""
    connector = make_connector(intacct_sandbox, max_attempts=2)
    connector.company()
    intacct_sandbox.faults.update({"queue": ["500", "500"]})
    answer = connector.push_many([journal("se1")])[0]
    assert isinstance(answer, ServerError) and answer.retryable and answer.attempts == 2
    assert intacct_sandbox.store.counts()["GLBATCH"] == 0


def test_drop_on_every_attempt_is_a_transport_error(intacct_sandbox: IntacctSandbox) -> None:
    """A cut connection that may have arrived: TransportError, request_sent, retryable."""
    connector = make_connector(intacct_sandbox, max_attempts=2)
    connector.company()
    intacct_sandbox.faults.update({"queue": ["drop", "drop"]})
    with pytest.raises(TransportError) as cut:
        connector.push(journal("dr1"))
    assert cut.value.request_sent and cut.value.retryable


def _unlimited(sandbox: IntacctSandbox, **settings):
    """A connector whose own limiter has no window, so the sandbox's limit is what it meets."""
    from bookbridge.connectors.intacct.connector import IntacctConnector
    from bookbridge.connectors.intacct.session import IntacctAuthenticator
    from bookbridge.connectors.limiter import Limiter, RateLimits
    from bookbridge.connectors.settings import ConnectionSettings

    values = ConnectionSettings("intacct", "main", sandbox.base_url, sandbox.company_id, **settings)
    return IntacctConnector(values, IntacctAuthenticator(connected_store(sandbox), values),
                            limiter=Limiter(RateLimits(windows=())))


def test_throttling_is_waited_out_with_time_scaled(intacct_sandbox: IntacctSandbox) -> None:
    """Past the sandbox's 100/min window (10x faster), GW-0010 answers are waited out and retried."""
    # 10x, not 60x: the window is 6 s real, so 110 calls fill it even on a loaded machine (at 60x a
    # slow machine spread them over more than one 1 s window and never met the limit).
    with IntacctSandbox(time_scale=10, retry_after=False) as limited:
        connector = _unlimited(limited, time_scale=10, max_attempts=8)
        homes = [connector.company().home_currency for _ in range(110)]
        assert homes == ["USD"] * 110
        assert limited.stats()["counters"]["throttled"] >= 1


def test_the_connection_limiter_stays_under_the_limit(intacct_sandbox: IntacctSandbox) -> None:
    """With our limiter at the same scale, 120 calls meet no 429 and take at least one window."""
    import time

    with IntacctSandbox(time_scale=60) as limited:
        connector = make_connector(limited, time_scale=60)
        started = time.monotonic()
        for _ in range(120):
            connector.company()
        assert time.monotonic() - started >= 1.0
        assert "throttled" not in limited.stats()["counters"]


def test_throttling_gives_up_as_rate_limited(intacct_sandbox: IntacctSandbox) -> None:
    """With one attempt allowed, a GW-0010 answer reaches the caller as RateLimited."""
    connector = make_connector(intacct_sandbox, max_attempts=1)
    connector.company()
    intacct_sandbox.faults.update({"queue": ["429"]})
    with pytest.raises(RateLimited) as throttled:
        connector.company()
    assert throttled.value.code == "GW-0010" and throttled.value.http_status == 429


def test_session_endpoints_are_followed_only_to_sage_hosts() -> None:
    """Credentials follow a session endpoint on Sage's hosts or the login host, nowhere else."""
    assert trusted_endpoint("https://api.intacct.com", "https://api.intacct.com/ia/xml/xmlgw.phtml")
    assert trusted_endpoint("https://api.intacct.com", "https://pod2.intacct.com/ia/xml/xmlgw.phtml")
    assert not trusted_endpoint("https://api.intacct.com", "https://intacct.com.evil.example/ia/xml/xmlgw.phtml")
    assert not trusted_endpoint("https://api.intacct.com", "http://pod2.intacct.com/ia/xml/xmlgw.phtml")
    assert not trusted_endpoint("http://127.0.0.1:8080", "https://api.intacct.com/ia/xml/xmlgw.phtml")


def test_secrets_never_reach_the_sync_log(intacct_sandbox: IntacctSandbox) -> None:
    """Sender password, user password and session id are masked in every logged exchange."""
    exchanges: list = []
    store = MemoryTokenStore()
    secret_login = UserLogin("ws_test", intacct_sandbox.company_id, "user-secret-4411")
    sender = ClientCredentials("bookbridge_test", "sender-secret-9931")
    connect_with_login(base_url=intacct_sandbox.base_url, sender=sender, login=secret_login, store=store,
                       sync_log=exchanges.append)
    connector = make_connector(intacct_sandbox, store, sync_log=exchanges.append)
    connector.push(journal("log1"))
    session_id = connector._auth.credentials().session.session_id
    logged = " ".join(e.request_body + e.response_body + e.url for e in exchanges)
    assert len(exchanges) >= 2 and "<password>[REDACTED]</password>" in logged
    for secret in ("user-secret-4411", "sender-secret-9931", session_id):
        assert secret not in logged
