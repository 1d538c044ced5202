"""Each QBO fault type, as the sandbox produces it, becomes the right typed error or a safe retry."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from connector_testkit import QboSession, connect_session
from qbo_documents import bill, journal, refs

from bookbridge.connectors.dto import Ref
from bookbridge.connectors.errors import (
    ClosedPeriod,
    DocumentRejected,
    DuplicateDocument,
    InactiveReference,
    RateLimited,
    ServerError,
    UnknownReference,
)
from bookbridge.connectors.tokens import MemoryTokenStore


def test_duplicate_document_number_names_the_existing_document(qbo: QboSession):
    """A second bill with the same number from the same vendor is 6140, with the first one's id."""
    r = refs(qbo)
    first = qbo.connector.push(bill(r, "bill-dup-a", doc_number="INV-77"))
    with pytest.raises(DuplicateDocument) as caught:
        qbo.connector.push(bill(r, "bill-dup-b", doc_number="INV-77"))
    assert caught.value.code == "6140" and caught.value.existing_id == first.remote_id


def test_date_in_a_closed_period_is_a_closed_period_error(qbo: QboSession):
    """A document dated on the closed-books date is refused as ClosedPeriod."""
    closed = qbo.connector.closed_books_date()
    with pytest.raises(ClosedPeriod):
        qbo.connector.push(journal(refs(qbo), "je-closed", date=closed))


def test_inactive_account_is_an_inactive_reference(qbo: QboSession):
    """An inactive account on a line is InactiveReference (610)."""
    r = refs(qbo)
    doc = journal(r, "je-inactive")
    doc = replace(doc, lines=(replace(doc.lines[0], account=Ref(r["inactive_expense"])), doc.lines[1]))
    with pytest.raises(InactiveReference) as caught:
        qbo.connector.push(doc)
    assert caught.value.retryable is False


def test_unknown_account_is_an_unknown_reference(qbo: QboSession):
    """An account id QBO never issued is UnknownReference."""
    doc = journal(refs(qbo), "je-unknown")
    doc = replace(doc, lines=(replace(doc.lines[0], account=Ref("987654321")), doc.lines[1]))
    with pytest.raises(UnknownReference):
        qbo.connector.push(doc)


def test_unbalanced_entry_is_refused_before_sending(qbo: QboSession):
    """Our own check stops an unbalanced entry; nothing goes over the wire."""
    doc = journal(refs(qbo), "je-unbalanced")
    doc = replace(doc, lines=(doc.lines[0], replace(doc.lines[1], credit=Decimal("99.00"))))
    before = len(qbo.exchanges)
    with pytest.raises(DocumentRejected) as caught:
        qbo.connector.push(doc)
    assert len(qbo.exchanges) == before and caught.value.issues


def test_server_error_is_retried_and_the_attempts_counted(qbo: QboSession):
    """An injected 503 is retried; the post succeeds on attempt two and exists once."""
    qbo.queue_faults("503")
    result = qbo.connector.push(journal(refs(qbo), "je-503"))
    assert result.attempts == 2 and len(qbo.stored("JournalEntry")) == 1


def test_answer_lost_after_commit_is_replayed_not_duplicated(qbo: QboSession):
    """The write is stored but its answer is cut; the resend with the same requestid replays it."""
    qbo.queue_faults("lost_after_commit")
    result = qbo.connector.push(journal(refs(qbo), "je-lost"))
    stats = qbo.control("stats")
    assert result.attempts == 2 and len(qbo.stored("JournalEntry")) == 1
    assert stats["counters"]["replays"] == 1


def test_dropped_connection_on_a_read_is_retried(qbo: QboSession):
    """A read whose connection is dropped is simply asked again."""
    qbo.queue_faults("drop")
    assert list(qbo.connector.vendors(include_inactive=False))


def test_throttling_is_waited_out_and_retried(qbo: QboSession):
    """An injected 429 is retried after the wait and the request succeeds."""
    qbo.queue_faults("429")
    result = qbo.connector.push(journal(refs(qbo), "je-429"))
    assert result.attempts == 2


def test_throttling_past_the_last_attempt_is_rate_limited_with_retry_after(qbo_sandbox):
    """With one attempt allowed, a 429 surfaces as RateLimited carrying Retry-After."""
    session = connect_session(qbo_sandbox, MemoryTokenStore(), max_attempts=1)
    session.queue_faults("429")
    with pytest.raises(RateLimited) as caught:
        list(session.connector.vendors())
    assert caught.value.retry_after is not None and caught.value.http_status == 429


def test_server_errors_past_the_last_attempt_surface_as_server_error(qbo_sandbox):
    """Three 500s with three attempts allowed raise ServerError with attempts == 3."""
    session = connect_session(qbo_sandbox, MemoryTokenStore(), max_attempts=3)
    session.queue_faults("500", "500", "500")
    with pytest.raises(ServerError) as caught:
        session.connector.push(journal(refs(session), "je-500s"))
    assert caught.value.attempts == 3 and caught.value.retryable


def test_client_limiter_keeps_a_burst_under_the_published_limits(qbo: QboSession):
    """Eight threads firing 80 reads at once are spaced so QBO (the sandbox) never answers 429."""
    errors: list[Exception] = []

    def worker() -> None:
        try:
            for _ in range(10):
                qbo.connector.query("SELECT * FROM Class MAXRESULTS 1")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert qbo.control("stats")["counters"].get("throttled", 0) == 0


def test_overlong_document_number_is_refused_locally(qbo: QboSession):
    """A document number longer than QBO's 21 characters is refused locally with the reason."""
    with pytest.raises(DocumentRejected) as caught:
        qbo.connector.build_payload(journal(refs(qbo), "je-long", doc_number="X" * 22))
    assert any(issue.field == "doc_number" for issue in caught.value.issues)


def test_payload_dates_are_iso(qbo: QboSession):
    """build_payload writes TxnDate as ISO 8601 (what a dry run prints)."""
    payload = qbo.connector.build_payload(journal(refs(qbo), "je-date", date=date(2025, 3, 1)))
    assert payload["TxnDate"] == "2025-03-01"
