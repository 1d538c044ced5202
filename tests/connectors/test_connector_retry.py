"""The pure retry decision, with jitter stubbed so every delay is exact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.connectors.errors import (
    AuthError,
    DuplicateDocument,
    RateLimited,
    ServerError,
    TransportError,
    ValidationError,
)
from bookbridge.connectors.retry import RetryPolicy, backoff_ceiling, decide_retry, parse_retry_after

POLICY = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=30.0, throttle_wait=60.0, max_throttle_wait=120.0)


def no_jitter(ceiling: float) -> float:
    return ceiling


def test_throttle_with_retry_after_waits_what_the_server_said():
    """A 429 with Retry-After waits exactly that long."""
    error = RateLimited("slow down", provider="qbo", retry_after=7.0, http_status=429)
    decision = decide_retry(1, error, POLICY, idempotent=False, jitter=no_jitter)
    assert (decision.retry, decision.delay) == (True, 7.0)


def test_throttle_without_retry_after_waits_the_vendor_documented_time():
    """A 429 without Retry-After waits the vendor's documented 60 s."""
    error = RateLimited("slow down", provider="qbo", http_status=429)
    decision = decide_retry(1, error, POLICY, idempotent=True, jitter=no_jitter)
    assert decision.delay == POLICY.throttle_wait


def test_vendor_wait_is_divided_by_the_time_scale():
    """time_scale=60 turns QBO's 60 s wait into one second."""
    fast = RetryPolicy(throttle_wait=60.0, time_scale=60.0)
    decision = decide_retry(1, RateLimited("x", provider="qbo"), fast, idempotent=True, jitter=no_jitter)
    assert decision.delay == 1.0


def test_retry_after_is_not_scaled():
    """Retry-After is the server's real-time statement and is used as given."""
    fast = RetryPolicy(time_scale=60.0)
    decision = decide_retry(1, RateLimited("x", provider="qbo", retry_after=2.0), fast, idempotent=True, jitter=no_jitter)
    assert decision.delay == 2.0


def test_throttle_longer_than_we_wait_in_line_is_handed_back():
    """A Retry-After beyond max_throttle_wait stops retrying so the caller can schedule."""
    error = RateLimited("x", provider="qbo", retry_after=POLICY.max_throttle_wait + 1)
    assert decide_retry(1, error, POLICY, idempotent=True, jitter=no_jitter).retry is False


def test_server_error_backs_off_exponentially():
    """503 on attempts 1, 2, 3 waits base, 2x base, 4x base."""
    error = ServerError("down", provider="qbo", http_status=503)
    delays = [decide_retry(n, error, POLICY, idempotent=True, jitter=no_jitter).delay for n in (1, 2, 3)]
    assert delays == [POLICY.base_delay, POLICY.base_delay * 2, POLICY.base_delay * 4]


def test_backoff_is_capped():
    """The backoff never exceeds max_delay however many attempts failed."""
    assert backoff_ceiling(40, POLICY) == POLICY.max_delay


def test_jitter_receives_the_ceiling():
    """Full jitter: the jitter function is given the exponential ceiling and its answer is used."""
    seen: list[float] = []

    def jitter(ceiling: float) -> float:
        seen.append(ceiling)
        return ceiling / 4

    decision = decide_retry(2, ServerError("x", provider="qbo", http_status=502), POLICY, idempotent=True, jitter=jitter)
    assert seen == [backoff_ceiling(2, POLICY)] and decision.delay == backoff_ceiling(2, POLICY) / 4


def test_server_error_on_non_idempotent_write_is_not_retried():
    """A 5xx to a write without an idempotency key might have been applied: no resend."""
    error = ServerError("x", provider="qbo", http_status=500)
    assert decide_retry(1, error, POLICY, idempotent=False, jitter=no_jitter).retry is False


def test_unlisted_server_status_is_not_retried():
    """501 Not Implemented will not get better by asking again."""
    error = ServerError("x", provider="qbo", http_status=501)
    assert decide_retry(1, error, POLICY, idempotent=True, jitter=no_jitter).retry is False


def test_server_error_that_says_it_is_not_retryable_is_not_retried():
    """retryable=False stops the loop for a ServerError, with or without an HTTP status."""
    for status in (None, 502):
        error = ServerError("unreadable answer", provider="qbo", http_status=status, retryable=False)
        assert decide_retry(1, error, POLICY, idempotent=True, jitter=no_jitter).retry is False, status


def test_retryable_server_error_without_a_status_is_still_retried():
    """A system fault with no HTTP status (QBO in a 200 body) keeps the server-error backoff."""
    error = ServerError("system fault", provider="qbo", retryable=True)
    decision = decide_retry(1, error, POLICY, idempotent=True, jitter=no_jitter)
    assert (decision.retry, decision.delay) == (True, POLICY.base_delay)


def test_connect_failure_is_retried_even_for_non_idempotent_requests():
    """A request that never left (connect refused) is safe to resend."""
    error = TransportError("refused", provider="qbo", request_sent=False)
    assert decide_retry(1, error, POLICY, idempotent=False, jitter=no_jitter).retry is True


def test_read_timeout_on_non_idempotent_request_is_not_retried():
    """A read timeout means the server may have acted: only idempotent requests are resent."""
    error = TransportError("timeout", provider="qbo", request_sent=True)
    assert decide_retry(1, error, POLICY, idempotent=False, jitter=no_jitter).retry is False


def test_tls_failure_is_never_retried():
    """A certificate that failed verification will fail again."""
    error = TransportError("tls", provider="qbo", request_sent=False, retryable=False)
    assert decide_retry(1, error, POLICY, idempotent=True, jitter=no_jitter).retry is False


def test_validation_errors_are_never_retried():
    """Sending a rejected document again cannot succeed."""
    for error in (ValidationError("bad", provider="qbo"), DuplicateDocument("dup", provider="qbo")):
        assert decide_retry(1, error, POLICY, idempotent=True, jitter=no_jitter).retry is False


def test_auth_errors_are_not_retried_by_the_decision():
    """401 renewal is the auth layer's job, not a blind resend."""
    assert decide_retry(1, AuthError("no", provider="qbo"), POLICY, idempotent=True, jitter=no_jitter).retry is False


def test_no_retry_once_max_attempts_is_reached():
    """The last allowed attempt ends the loop even for retryable errors."""
    error = ServerError("x", provider="qbo", http_status=503)
    assert decide_retry(POLICY.max_attempts, error, POLICY, idempotent=True, jitter=no_jitter).retry is False


@given(st.integers(min_value=1, max_value=50), st.floats(min_value=0.0, max_value=1.0))
def test_jittered_backoff_stays_within_the_ceiling(attempt: int, fraction: float):
    """Whatever the jitter draws within [0, ceiling], the delay stays in [0, max_delay]."""
    error = ServerError("x", provider="qbo", http_status=503)
    policy = RetryPolicy(max_attempts=100)
    decision = decide_retry(attempt, error, policy, idempotent=True, jitter=lambda c: c * fraction)
    assert 0.0 <= decision.delay <= policy.max_delay


def test_retry_after_in_seconds_is_parsed():
    """Retry-After: 120 means 120 seconds."""
    assert parse_retry_after("120") == 120.0


def test_retry_after_as_http_date_is_parsed():
    """Retry-After as an HTTP date becomes the seconds until then."""
    now = datetime(2025, 1, 31, 12, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(header, now=now) == 90.0


def test_missing_or_garbled_retry_after_is_none():
    """No header or an unreadable one gives None, so the vendor default applies."""
    assert [parse_retry_after(None), parse_retry_after(""), parse_retry_after("soon")] == [None, None, None]
