"""NetSuite's error bodies and SuiteQL rows as the connector reads them (shapes in tests/data/netsuite)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from bookbridge.connectors.errors import (
    AuthError,
    ClosedPeriod,
    DuplicateDocument,
    InactiveReference,
    RateLimited,
    ServerError,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.netsuite import records
from bookbridge.connectors.netsuite.config import ACCOUNT_TIMEZONE
from bookbridge.connectors.netsuite.faults import map_response, record_id_from_location
from bookbridge.connectors.netsuite.lookups import closed_through, root_subsidiary
from bookbridge.connectors.tokens import TokenSet, jwt_expiry

DATA = Path(__file__).resolve().parents[1] / "data" / "netsuite"


def response(status: int, body: bytes, headers: dict | None = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body
    answer.headers.update({"Content-Type": "application/vnd.oracle.resource+json; type=error", **(headers or {})})
    return answer


def problem(status: int, code: str, detail: str, path: str = "") -> bytes:
    item = {"detail": detail, "o:errorCode": code, **({"o:errorPath": path} if path else {})}
    return json.dumps({"type": "t", "title": "x", "status": status, "o:errorDetails": [item]}).encode()


def test_invalid_field_value_is_an_unknown_reference_naming_the_path():
    """The documented INVALID_CONTENT body: UnknownReference, element = o:errorPath, not retryable."""
    error = map_response(response(400, (DATA / "error_invalid_field_value.json").read_bytes()))
    assert type(error) is UnknownReference and error.element == "item.items[0].item"
    assert error.code == "INVALID_CONTENT" and not error.retryable and "9999" in error.user_message


def test_invalid_login_is_an_auth_error():
    """401 INVALID_LOGIN: AuthError (the HTTP layer renews once, then asks to reconnect)."""
    error = map_response(response(401, (DATA / "error_invalid_login.json").read_bytes()))
    assert isinstance(error, AuthError) and (error.code, error.http_status) == ("INVALID_LOGIN", 401)


def test_closed_period_sentence_is_a_closed_period():
    """"...not within the date range of your accounting period" is ClosedPeriod on tranDate."""
    error = map_response(response(400, (DATA / "error_closed_period.json").read_bytes()))
    assert isinstance(error, ClosedPeriod) and error.element == "tranDate"


@pytest.mark.parametrize(("status", "code", "detail", "expected"), [
    (400, "USER_ERROR", "Error while accessing a resource. Invalid account reference key 71.", UnknownReference),
    (400, "USER_ERROR", "Invalid entity reference key 110. The record is inactive.", InactiveReference),
    (400, "USER_ERROR", "Error while accessing a resource. This record already exists.", DuplicateDocument),
    (400, "DUP_RCRD", "A duplicate record was found.", DuplicateDocument),
    (400, "IDEMPOTENCY_ERROR", "A request with this idempotency key was already accepted.", DuplicateDocument),
    (429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. Request blocked.", RateLimited),
    (400, "SSS_REQUEST_LIMIT_EXCEEDED", "Request limit exceeded.", RateLimited),
    (403, "INSUFFICIENT_PERMISSION", "Permission Violation: you need Journal Entry.", AuthError),
    (503, "SERVICE_UNAVAILABLE", "Try again later.", ServerError),
    (400, "USER_ERROR", "Please enter value(s) for: Subsidiary.", ValidationError),
])
def test_error_table(status, code, detail, expected):
    """Each documented code or sentence maps to its typed error."""
    error = map_response(response(status, problem(status, code, detail)))
    assert type(error) is expected


def test_retry_after_is_kept_when_netsuite_sends_it():
    """A 429 with Retry-After carries the wait for the retry decision."""
    error = map_response(response(429, problem(429, "CONCURRENCY_LIMIT_EXCEEDED", "blocked"), {"Retry-After": "3"}))
    assert isinstance(error, RateLimited) and error.retry_after == 3.0


def test_a_gateway_page_is_judged_by_its_status():
    """A 502 HTML page from a proxy is a retryable ServerError; a 200 is no error at all."""
    error = map_response(response(502, b"<html>Bad gateway</html>"))
    assert isinstance(error, ServerError) and error.retryable
    assert map_response(response(204, b"")) is None


def test_secrets_in_vendor_text_are_masked():
    """Vendor detail text goes through redaction before it reaches a message."""
    error = map_response(response(400, problem(400, "USER_ERROR", "bad access_token=abcdef123456 sent")))
    assert "abcdef123456" not in error.user_message and "abcdef123456" not in repr(error.details)


def test_location_header_gives_the_internal_id():
    """204 + Location: the new record's internal id is the last path segment."""
    assert record_id_from_location("https://1-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/vendorBill/5012") == "5012"
    assert record_id_from_location(None) is None


def test_suiteql_rows_are_text_and_parse_into_accounts():
    """SuiteQL gives every value as text; "T"/"F", ISO times in the account's zone, ids of currencies."""
    page = json.loads((DATA / "suiteql_page.json").read_text())
    fuel, old = (records.account(row, {"1": "USD"}) for row in page["items"])
    assert (fuel.name, fuel.type, fuel.classification, fuel.currency, fuel.parent_id) == (
        "Fuel", "Expense", "Expense", "USD", "57")
    assert old.active is False and old.type == "Credit Card"
    modified = records.parse_datetime(page["items"][0]["lastmodifieddate"])
    assert modified == dt.datetime(2026, 3, 2, 9, 15, tzinfo=ACCOUNT_TIMEZONE)


def test_closed_books_date_is_the_end_of_the_last_closed_base_period():
    """Years and quarters are summaries; the last closed month decides; an open later month does not."""
    def period(start, end, closed, **flags):
        return {"startdate": start, "enddate": end, "closed": "T" if closed else "F", **flags}

    rows = [period("2024-01-01", "2024-12-31", False, isyear="T"), period("2024-11-01", "2024-11-30", True),
            period("2024-12-01", "2024-12-31", True), period("2025-01-01", "2025-01-31", False),
            period("2025-01-01", "2025-03-31", True, isquarter="T")]
    assert closed_through(rows) == dt.date(2024, 12, 31) and closed_through([]) is None


def test_the_parent_subsidiary_is_the_root_and_never_an_elimination():
    """root_subsidiary skips elimination and inactive subsidiaries and picks the one without a parent."""
    rows = [{"id": "3", "iselimination": "T"}, {"id": "2", "parent": "1", "iselimination": "F"},
            {"id": "1", "iselimination": "F", "isinactive": "F"}]
    assert root_subsidiary(rows)["id"] == "1"


def test_tax_rates_read_from_percent_text():
    """'6.25%' is 6.25; an empty rate is zero, not an error."""
    assert records.parse_rate("6.25%") == Decimal("6.25") and records.parse_rate(None) == Decimal(0)


def _jwt(claims: dict) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join((part(b'{"alg":"RS256"}'), part(json.dumps(claims).encode()), part(b"signature")))


def test_refresh_token_expiry_comes_from_the_jwt_exp_claim():
    """NetSuite's token answer states no refresh lifetime; the refresh token's exp gives it (7 days)."""
    issued = 1_772_400_000
    token = {"access_token": "a", "refresh_token": _jwt({"iat": issued, "oit": issued, "exp": issued + 604_800}),
             "expires_in": 3600, "token_type": "Bearer"}
    tokens = TokenSet.from_oauth(token)
    assert tokens.refresh_expires_at == dt.datetime.fromtimestamp(issued + 604_800, tz=dt.timezone.utc)


def test_opaque_refresh_tokens_keep_an_unknown_expiry():
    """A refresh token that is not a JWT (QBO's, Xero's) gives no expiry rather than a wrong one."""
    assert jwt_expiry("AB11c2FuZGJveA") is None and jwt_expiry("a.b.c") is None
