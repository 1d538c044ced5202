"""NetSuite's refusals and failures, from the sandbox over loopback, as the connector's typed errors."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from netsuite_session import NsSession, connect_session, journal, ns, ns_sandbox, refs  # noqa: F401

from bookbridge.connectors.dto import Ref
from bookbridge.connectors.errors import (
    ClosedPeriod,
    ConnectorError,
    InactiveReference,
    RateLimited,
    ServerError,
    TransportError,
    UnknownReference,
)
from bookbridge.connectors.limiter import Limiter, RateLimits
from bookbridge.connectors.tokens import MemoryTokenStore


def test_closed_period_is_a_closed_period_error(ns: NsSession):
    """A date in the closed 2024 books comes back as ClosedPeriod naming tranDate, not retryable."""
    with pytest.raises(ClosedPeriod) as refused:
        ns.connector.push(journal(refs(ns), "je-closed", day=dt.date(2024, 11, 5)))
    assert refused.value.element == "tranDate" and not refused.value.retryable
    assert "accounting period" in refused.value.vendor_message


def test_unknown_account_is_an_unknown_reference(ns: NsSession):
    """An account id NetSuite never had: UnknownReference naming the line's account."""
    r = refs(ns)
    doc = journal(r, "je-ghost")
    doc = replace(doc, lines=(replace(doc.lines[0], account=Ref("9999")), doc.lines[1]))
    with pytest.raises(UnknownReference) as refused:
        ns.connector.push(doc)
    assert type(refused.value) is UnknownReference and refused.value.element == "line.items[0].account"


def test_inactive_account_is_told_apart_from_an_unknown_one(ns: NsSession):
    """NetSuite's message is the same; the connector's follow-up lookup makes it InactiveReference."""
    r = refs(ns)
    doc = journal(r, "je-inactive")
    doc = replace(doc, lines=(replace(doc.lines[0], account=Ref(r["inactive_expense"])), doc.lines[1]))
    with pytest.raises(InactiveReference) as refused:
        ns.connector.push(doc)
    assert "inactive" in refused.value.user_message and refused.value.code == "INVALID_CONTENT"


def test_inactive_vendor_on_a_bill_is_an_inactive_reference(ns: NsSession):
    """A bill for the inactive vendor: the header reference error becomes InactiveReference."""
    from netsuite_session import bill

    r = refs(ns)
    with pytest.raises(InactiveReference):
        ns.connector.push(replace(bill(r, "bill-inactive"), vendor=Ref(r["inactive_vendor"])))


def test_server_errors_are_retried_with_the_same_key(ns: NsSession):
    """Two 503/500 answers, then success: one record, three attempts recorded."""
    doc = journal(refs(ns), "je-5xx")
    ns.connector.build_payload(doc)  # reads what the payload needs before the faults are queued
    ns.queue_faults("503", "500")
    result = ns.connector.push(doc)
    assert result.attempts == 3 and len(ns.records("journalEntry")) == 1


def test_a_dropped_connection_is_retried_without_duplicating(ns: NsSession):
    """The connection is cut before NetSuite processes the upsert; the resend creates the record once."""
    doc = journal(refs(ns), "je-drop")
    ns.connector.build_payload(doc)
    ns.queue_faults("drop")
    result = ns.connector.push(doc)
    assert result.attempts == 2 and len(ns.records("journalEntry")) == 1


def test_an_answer_lost_after_commit_is_resent_and_finds_the_same_record(ns: NsSession):
    """The upsert is stored, the answer lost; the retry updates that record instead of adding one."""
    ns.queue_faults("lost_after_commit")  # waits for a write: the reads before it pass
    result = ns.connector.push(journal(refs(ns), "je-lost"))
    (stored,) = ns.records("journalEntry")
    assert result.attempts == 2 and result.remote_id == stored["id"]
    assert ns.control("stats")["counters"]["fault_lost_after_commit"] == 1


def test_server_errors_past_the_attempt_limit_surface_as_server_error(ns_sandbox):
    """With max_attempts=2 and three 500s queued the caller gets a retryable ServerError."""
    session = connect_session(ns_sandbox, MemoryTokenStore(), max_attempts=2)
    doc = journal(refs(session), "je-give-up")
    session.connector.build_payload(doc)
    session.queue_faults("500", "500", "500")
    with pytest.raises(ServerError) as failed:
        session.connector.push(doc)
    assert failed.value.retryable and failed.value.attempts == 2 and failed.value.http_status == 500


def test_drops_past_the_attempt_limit_are_a_transport_error_that_may_have_arrived(ns_sandbox):
    """A write whose every attempt was cut: TransportError with request_sent, for the sync engine to settle."""
    session = connect_session(ns_sandbox, MemoryTokenStore(), max_attempts=2)
    doc = journal(refs(session), "je-cut")
    session.connector.build_payload(doc)
    session.queue_faults("drop", "drop")
    with pytest.raises(TransportError) as failed:
        session.connector.push(doc)
    assert failed.value.request_sent and failed.value.attempts == 2


def test_concurrency_governance_answers_429_and_the_connector_waits_and_retries(ns_sandbox):
    """A client allowed more parallel requests than the account's limit gets 429s, retries, and all succeed."""
    ns_sandbox.limiter.max_concurrent = 1
    ns_sandbox.faults.update({"latency_ms": 60})
    session = connect_session(ns_sandbox, MemoryTokenStore(), max_attempts=10)
    r = refs(session)
    wide = Limiter(RateLimits(windows=(), max_concurrent=4), time_scale=60.0)
    session.connector._limiter = session.connector._http.limiter = wide
    results: list = []

    def post(n: int) -> None:
        try:
            results.append(session.connector.push(journal(r, f"je-par-{n}")))
        except ConnectorError as error:  # recorded so the assertion below shows it
            results.append(error)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    throttled = [e for e in session.exchanges if e.status == 429]
    assert throttled and all(not isinstance(x, ConnectorError) for x in results)
    assert len(ns_sandbox.store.records("journalEntry")) == 4


def test_a_429_beyond_the_attempt_limit_is_rate_limited(ns_sandbox):
    """Throttled on every attempt: RateLimited, retryable, for the sync engine to stop the run on."""
    session = connect_session(ns_sandbox, MemoryTokenStore(), max_attempts=2)
    doc = journal(refs(session), "je-429")
    session.connector.build_payload(doc)
    session.queue_faults("429", "429")
    with pytest.raises(RateLimited) as throttled:
        session.connector.push(doc)
    assert throttled.value.retryable and throttled.value.code == "CONCURRENCY_LIMIT_EXCEEDED"


def test_governance_limits_are_read_and_adopted_by_the_limiter(ns: NsSession):
    """governance() reads the account's concurrency limit; the quota then reports it."""
    ns.sandbox.concurrency = 3
    limits = ns.connector.governance()
    assert (limits.account_limit, limits.limit_type, limits.effective) == (3, "accountLimit", 3)
    assert ns.connector.quota().max_concurrent == 3
