"""The Intacct REST error table: Sage's three error shapes become the typed errors (no network)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from hypothesis import given, strategies as st

from bookbridge.connectors import jsonwire
from bookbridge.connectors.errors import (
    AuthError, ClosedPeriod, DuplicateDocument, InactiveReference, RateLimited, ReconnectRequired, ServerError,
    UnknownReference, ValidationError,
)
from bookbridge.connectors.intacct.rest.faults import map_response, read_error, token_endpoint_error
from bookbridge.connectors.intacct.rest.payloads import amount


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    response.headers.update(headers or {})
    return response


def _envelope(message: str, code: str = "operationFailed", error_id: str = "X-1") -> dict:
    return {"ia::result": {"ia::error": {"code": code, "message": message, "errorId": error_id,
                                         "supportId": "abc"}}, "ia::meta": {"totalCount": 1, "totalError": 1}}


REST_2102 = {"error": {"code": "tokenInvalid", "message": "Token is not valid", "errorId": "REST-2102",
                       "additionalInfo": {}, "supportId": "x"}}


@pytest.mark.parametrize(("message", "expected"), [
    ("Your transaction date is within a period that's been closed.", ClosedPeriod),
    ("Another record with the value INV-1 already exists.", DuplicateDocument),
    ("Account '6950' is inactive.", InactiveReference),
    ("Invalid Project '10064' specified.", UnknownReference),
    ("Debits and credits are not equal: debits 1, credits 2.", ValidationError),
])
def test_business_texts_become_their_typed_errors(message: str, expected: type) -> None:
    """A 422 envelope is typed by its text, as ERP_FACTS §3.8 lists the phrases."""
    error = map_response(_response(422, _envelope(message)))
    assert type(error) is expected and error.provider == "intacct-rest" and message[:20] in error.user_message


def test_429_is_rate_limited_with_the_servers_wait() -> None:
    """HTTP 429 becomes RateLimited carrying Retry-After."""
    error = map_response(_response(429, _envelope("slow down", "tooManyRequests"), {"Retry-After": "7"}))
    assert isinstance(error, RateLimited) and error.retry_after == 7 and error.retryable


def test_401_at_the_api_is_a_plain_auth_error_so_the_token_is_renewed() -> None:
    """An API 401 (even tokenInvalid) is an AuthError the HTTP layer renews once, not a reconnect."""
    error = map_response(_response(401, REST_2102))
    assert isinstance(error, AuthError) and not isinstance(error, ReconnectRequired) and error.http_status == 401


def test_rest_2102_at_the_token_endpoint_asks_to_reauthorise_and_says_why() -> None:
    """REST-2102 on refresh is ReconnectRequired naming the connection and the second-authorisation cause."""
    error = token_endpoint_error(_response(401, REST_2102), connection="main")
    assert isinstance(error, ReconnectRequired) and error.code == "REST-2102"
    assert "second time" in error.user_message and "--name main" in error.user_message


def test_rfc_invalid_grant_at_the_token_endpoint_asks_to_connect_again() -> None:
    """A standard OAuth invalid_grant is ReconnectRequired too."""
    error = token_endpoint_error(_response(400, {"error": "invalid_grant", "error_description": "expired"}),
                                 connection="main")
    assert isinstance(error, ReconnectRequired) and error.code == "invalid_grant"


def test_5xx_html_page_is_a_retryable_server_error() -> None:
    """A 503 with an HTML body (no JSON) is judged by its status."""
    error = map_response(_response(503, b"<html>down</html>"))
    assert isinstance(error, ServerError) and error.retryable


def test_secret_looking_text_in_a_message_is_masked() -> None:
    """A token echoed in Sage's message never reaches the user message."""
    leaked = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
    error = map_response(_response(400, _envelope(f"bad Authorization: Bearer {leaked}")))
    assert leaked not in error.user_message


def test_all_three_error_shapes_are_read() -> None:
    """ia::result/ia::error, top-level error object and the RFC string shape all parse."""
    shapes = [_envelope("a"), REST_2102, {"error": "invalid_client", "error_description": "b"}]
    read = [read_error(shape) for shape in shapes]
    assert [r.code for r in read] == ["operationFailed", "tokenInvalid", "invalid_client"]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2))
def test_amounts_go_out_as_exact_decimal_strings(value: Decimal) -> None:
    """Every amount written to a body reads back as the same Decimal (never through float)."""
    text = amount(value)
    assert isinstance(text, str) and Decimal(text) == value and jsonwire.loads(jsonwire.dumps({"a": text}))["a"] == text
