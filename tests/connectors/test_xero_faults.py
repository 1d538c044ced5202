"""Xero's error answers, read off real HTTP responses, become the typed errors of issue 4."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests

from bookbridge.connectors.errors import (
    AuthError,
    ClosedPeriod,
    DuplicateDocument,
    DuplicateName,
    InactiveReference,
    RateLimited,
    ReconnectRequired,
    ServerError,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.xero.connector import XeroConnector
from bookbridge.connectors.xero.faults import error_for_messages, item_has_errors, map_response


@pytest.fixture
def Reply(scripted):  # noqa: N802 - stands for the class
    """The scripted server's Reply class, from the module that defines the server: several conftest
    modules share the name ``conftest``, so ``from conftest import Reply`` depends on collection order."""
    return type(scripted).__init__.__globals__["Reply"]


def _validation(*messages: str, element: dict | None = None) -> dict:
    return {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
            "Elements": [{**(element or {}), "ValidationErrors": [{"Message": m} for m in messages]}]}


def _answer(scripted, reply: object) -> requests.Response:
    scripted.queue(reply)
    return requests.get(f"{scripted.url}/api.xro/2.0/Invoices", timeout=5)


@pytest.mark.parametrize(("message", "expected"), [
    ("The document date cannot be before the end of year lock date", ClosedPeriod),
    ("Account code '6950' has been archived, or has been deleted. Each line item must reference a valid account.",
     InactiveReference),
    ("Account code '476' is not a valid code for this document.", UnknownReference),
    ("Contact requires a valid ContactId or ContactName", UnknownReference),
    ("Invoice # must be unique.", DuplicateDocument),
    ("The contact name Shell is already assigned to another contact. The contact name must be unique across all "
     "active contacts.", DuplicateName),
    ("The total debits (100.00) must equal total credits (-10.00)", ValidationError),
])
def test_validation_exception_messages_become_typed_errors(scripted, message, expected, Reply) -> None:
    """A 400 ValidationException's element message decides the error type."""
    error = map_response(_answer(scripted, Reply(400, _validation(message, element={"InvoiceID": "i-1"}))))
    assert type(error) is expected
    assert error.http_status == 400 and not error.retryable
    assert error.details[0].message == message and error.details[0].element == "InvoiceID"


def test_every_validation_message_is_kept(scripted, Reply) -> None:
    """Xero may list several problems: all of them reach the error's details and message."""
    body = _validation("first problem", "second problem")
    error = map_response(_answer(scripted, Reply(400, body)))
    assert [d.message for d in error.details] == ["first problem", "second problem"]
    assert "first problem; second problem" in error.user_message


def test_expired_token_is_an_auth_error_with_xeros_detail(scripted, Reply) -> None:
    """401 with Detail "TokenExpired: ..." is an AuthError (the HTTP layer renews and resends)."""
    body = {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired: token expired at 01/01/2026",
            "Instance": "x", "Extensions": {}}
    error = map_response(_answer(scripted, Reply(401, body)))
    assert type(error) is AuthError and error.code == "TokenExpired" and error.http_status == 401


def test_forbidden_tenant_means_reconnect(scripted, Reply) -> None:
    """403 AuthorizationUnsuccessful: the organisation was disconnected or a scope is missing."""
    body = {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": "AuthorizationUnsuccessful"}
    error = map_response(_answer(scripted, Reply(403, body)))
    assert isinstance(error, ReconnectRequired) and "Connect again" in error.user_message


def test_throttling_keeps_retry_after_and_the_limit_hit(scripted, Reply) -> None:
    """429 carries Retry-After (seconds to wait) and X-Rate-Limit-Problem (which limit)."""
    error = map_response(_answer(scripted, Reply(429, b"", {"Retry-After": "7", "X-Rate-Limit-Problem": "day"})))
    assert isinstance(error, RateLimited) and error.retry_after == 7.0 and error.code == "rate-limit-day"


@pytest.mark.parametrize(("status", "body", "retryable"), [
    (503, {"ErrorNumber": 25, "Type": "NotAvailableException", "Message": "The Xero API is temporarily unavailable"}, True),
    (500, {"ErrorNumber": 23, "Type": "InternalServerException", "Message": "An error occurred"}, True),
    (502, b"<html>Bad gateway</html>", True),
])
def test_server_failures_are_retryable_server_errors(scripted, status, body, retryable, Reply) -> None:
    """5xx answers, with Xero's exception body or a gateway page, are ServerErrors."""
    error = map_response(_answer(scripted, Reply(status, body)))
    assert isinstance(error, ServerError) and error.retryable is retryable


def test_object_not_found_is_an_unknown_reference(scripted, Reply) -> None:
    """404 ObjectNotFoundException (a document id Xero does not have) is an UnknownReference."""
    body = {"ErrorNumber": 17, "Type": "ObjectNotFoundException", "Message": "Resource not found"}
    assert isinstance(map_response(_answer(scripted, Reply(404, body))), UnknownReference)


def test_post_data_invalid_is_a_validation_error(scripted, Reply) -> None:
    """400 PostDataInvalidException (a body Xero cannot read) is a ValidationError, not retried."""
    body = {"ErrorNumber": 11, "Type": "PostDataInvalidException", "Message": "Invalid Json data"}
    error = map_response(_answer(scripted, Reply(400, body)))
    assert type(error) is ValidationError and error.code == "11"


def test_a_200_answer_is_usable_even_with_item_errors(scripted, Reply) -> None:
    """With summarizeErrors=false the answer is 200: the caller reads each item's outcome."""
    body = {"ManualJournals": [{"StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": "bad"}]}]}
    response = _answer(scripted, Reply(200, body))
    assert map_response(response) is None
    item = response.json()["ManualJournals"][0]
    assert item_has_errors(item) and type(error_for_messages(["bad"], http_status=200)) is ValidationError
    assert not item_has_errors({"StatusAttributeString": "OK", "Warnings": [{"Message": "just a warning"}]})


def test_secrets_in_vendor_text_are_redacted() -> None:
    """Vendor text is redacted before it reaches a message (an echoed token never leaks)."""
    error = error_for_messages(["refused access_token=eyJabc.def.ghi"], http_status=400)
    assert "eyJabc" not in error.user_message and "eyJabc" not in error.details[0].message


class _StaticToken:
    def auth_headers(self):
        return {"Authorization": "Bearer test-token"}

    def renew(self):
        raise AssertionError("no renewal expected")


def _connector(scripted, sleeps: list[float]) -> XeroConnector:
    settings = ConnectionSettings("xero", "main", scripted.url, "tenant-1", max_attempts=3)
    return XeroConnector(settings, _StaticToken(), jitter=lambda ceiling: 0.0, sleep=sleeps.append)


def test_connector_waits_out_retry_after_then_reads(scripted, Reply) -> None:
    """A 429 with Retry-After is waited out and the read resent; the tenant header goes on every call."""
    sleeps: list[float] = []
    scripted.queue(Reply(429, b"", {"Retry-After": "2", "X-Rate-Limit-Problem": "minute"}),
                   Reply(200, {"Currencies": [{"Code": "USD", "Description": "US Dollar"}]}))
    with _connector(scripted, sleeps) as connector:
        assert [c.code for c in connector._currency_list()] == ["USD"]
    assert sleeps == [2.0]
    assert all(seen.headers.get("Xero-Tenant-Id") == "tenant-1" for seen in scripted.seen)


def test_connector_retries_a_503_read(scripted, Reply) -> None:
    """A 503 on a read is retried with backoff; the answer after it is used."""
    sleeps: list[float] = []
    scripted.queue(Reply(503, {"ErrorNumber": 25, "Type": "NotAvailableException", "Message": "down"}),
                   Reply(200, {"TaxRates": [{"TaxType": "NONE", "Name": "No Tax", "EffectiveRate": 0}]}))
    with _connector(scripted, sleeps) as connector:
        assert [t.id for t in connector.tax_codes()] == ["NONE"]
    assert len(scripted.seen) == 2 and len(sleeps) == 1


def test_quota_shows_xeros_remaining_counts(scripted, Reply) -> None:
    """quota() lowers each window to what Xero's last answer said is left, and adds the app-wide window."""
    headers = {"X-MinLimit-Remaining": "12", "X-DayLimit-Remaining": "4321", "X-AppMinLimit-Remaining": "9000"}
    scripted.queue(Reply(200, {"Currencies": []}, headers))
    with _connector(scripted, []) as connector:
        list(connector._currency_list())
        quota = connector.quota()
        assert (quota.remaining("per-minute"), quota.remaining("per-day"), quota.remaining("app-per-minute")) == (12, 4321, 9000)
        assert quota.max_concurrent == 5
        assert connector.server_quota() == {"per-minute": 12, "per-day": 4321, "app-per-minute": 9000}


def test_decimals_stay_exact_through_the_connector(scripted, Reply) -> None:
    """Amounts in answers are parsed as Decimal, never float."""
    scripted.queue(Reply(200, b'{"TaxRates": [{"TaxType": "INPUT", "Name": "GST", "EffectiveRate": 8.25}]}'))
    with _connector(scripted, []) as connector:
        rate = next(iter(connector.tax_rates())).rate
    assert rate == Decimal("8.25") and isinstance(rate, Decimal)
    assert json.loads(scripted.seen[0].body or b"{}") == {}
