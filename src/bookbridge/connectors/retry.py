"""When to send a failed request again, and after how long: one small pure function.

The HTTP layer feeds :func:`decide_retry` the typed error of each failed attempt and sleeps for
what it answers; tenacity only drives the loop. Keeping the decision pure lets the tests cover
every branch with the jitter stubbed, without a network or a clock.

Rules (ARCHITECTURE principle 9, issue 4 §2):
    * throttling (429, QBO fault 3001): wait ``Retry-After`` when given, else the vendor's
      documented wait (QBO: 60 s) divided by the ``time_scale`` speed-up; give up when that wait
      is longer than ``max_throttle_wait`` (also scaled) so the caller can schedule the work
      instead of blocking;
    * 500/502/503/504 and transport failures: exponential backoff with full jitter;
    * a request that may have reached the server (read timeout, 5xx) is resent only when it is
      idempotent (a read, or a write carrying an idempotency key);
    * an error that says it is not retryable (``retryable=False``: a TLS failure, an answer in a
      shape we cannot read, a 5xx a fault table judged permanent): never, whatever its type;
    * validation, authentication and everything else: never.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from bookbridge.connectors.errors import ConnectorError, RateLimited, ServerError, TransportError

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try.

    Attributes:
        max_attempts: attempts in total, the first included.
        base_delay: backoff before the second attempt, doubled for each further one (seconds).
        max_delay: cap on one backoff (seconds).
        throttle_wait: the vendor's documented wait after a 429 without ``Retry-After``.
        max_throttle_wait: longest throttle wait we sit through before giving up to the caller.
        time_scale: speed-up factor dividing every wait (60 against a sandbox running 60x fast).
        retry_statuses: HTTP statuses worth retrying as server errors.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    throttle_wait: float = 60.0
    max_throttle_wait: float = 120.0
    time_scale: float = 1.0
    retry_statuses: frozenset[int] = field(default=RETRYABLE_STATUSES)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """The verdict on one failed attempt."""

    retry: bool
    delay: float
    reason: str


Jitter = Callable[[float], float]


def full_jitter(ceiling: float) -> float:
    """A uniformly random wait in ``[0, ceiling]`` (AWS "full jitter"): spreads retrying clients apart."""
    return random.uniform(0, ceiling)


def backoff_ceiling(attempt: int, policy: RetryPolicy) -> float:
    """The un-jittered exponential backoff after failed attempt number ``attempt`` (1-based)."""
    return min(policy.max_delay, policy.base_delay * (2 ** (attempt - 1)))


def decide_retry(
    attempt: int,
    error: ConnectorError,
    policy: RetryPolicy,
    *,
    idempotent: bool,
    jitter: Jitter = full_jitter,
) -> RetryDecision:
    """Decide whether to resend after failed attempt number ``attempt`` (1-based) ended in ``error``."""
    if attempt >= policy.max_attempts:
        return RetryDecision(False, 0.0, f"gave up after {attempt} attempts")
    if not error.retryable:
        # The raiser knows more than the type: a ServerError without an HTTP status (an answer we
        # could not read) would otherwise fall through to the backoff below and be sent again.
        return RetryDecision(False, 0.0, f"{type(error).__name__} that a retry cannot fix")
    if isinstance(error, RateLimited):
        # Retry-After is the server's own statement in real seconds; only our fallback is scaled.
        if error.retry_after is not None:
            wait = error.retry_after
        else:
            wait = policy.throttle_wait / policy.time_scale
        if wait > policy.max_throttle_wait / policy.time_scale:
            return RetryDecision(False, 0.0, f"throttled for {wait:g} s, longer than we wait in-line")
        return RetryDecision(True, wait, "throttled")
    if isinstance(error, TransportError):
        if error.request_sent and not idempotent:
            return RetryDecision(False, 0.0, "the request may have arrived and is not idempotent")
        return RetryDecision(True, _backoff(attempt, policy, jitter), "transport failure")
    if isinstance(error, ServerError):
        if error.http_status is not None and error.http_status not in policy.retry_statuses:
            return RetryDecision(False, 0.0, f"HTTP {error.http_status} is not worth retrying")
        if not idempotent:
            return RetryDecision(False, 0.0, "server error on a request that is not idempotent")
        return RetryDecision(True, _backoff(attempt, policy, jitter), "server error")
    return RetryDecision(False, 0.0, f"{type(error).__name__} is not retryable")


def _backoff(attempt: int, policy: RetryPolicy, jitter: Jitter) -> float:
    return jitter(backoff_ceiling(attempt, policy)) / policy.time_scale


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or ``None``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    reference = now or datetime.now(timezone.utc)
    return max(0.0, (when - reference).total_seconds())
