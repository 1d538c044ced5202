"""The QBO fault table against real QBO answers (../shared/fixtures) and QBO's documented shapes."""

from __future__ import annotations

import json

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
from bookbridge.connectors.quickbooks.batch import BatchItem, parse_batch
from bookbridge.connectors.quickbooks.faults import error_for_fault, find_fault, map_response, parse_body, xml_to_dict


def fault(code: str, message: str, detail: str = "", element: str = "", kind: str = "ValidationFault") -> dict:
    return {"Error": [{"Message": message, "Detail": detail, "code": code, "element": element}], "type": kind}


def response(status: int, body: bytes, content_type: str = "application/json", headers: dict | None = None):
    answer = requests.Response()
    answer.status_code = status
    answer._content = body
    answer.headers.update({"Content-Type": content_type, **(headers or {})})
    return answer


def test_throttle_fixture_is_rate_limited(shared_fixtures):
    """The real ThrottleExceeded XML answer (fault 3001) is RateLimited and retryable."""
    text = (shared_fixtures / "qbo-quickbooks-ruby" / "throttle_exceeded_error.xml").read_bytes()
    error = error_for_fault(find_fault(xml_to_dict(text)), http_status=403)
    assert isinstance(error, RateLimited) and error.code == "3001" and error.retryable


def test_throttle_fixture_message_stays_readable(shared_fixtures):
    """QBO's "message=...; errorCode=...; statusCode=..." is spelled out, not masked."""
    text = (shared_fixtures / "qbo-quickbooks-ruby" / "throttle_exceeded_error.xml").read_bytes()
    error = error_for_fault(find_fault(xml_to_dict(text)))
    assert "ThrottleExceeded (error 003001, HTTP 403)" in error.user_message


def test_query_error_fixture_is_a_validation_error(shared_fixtures):
    """The real query parse fault (4000) becomes ValidationError with QBO's message."""
    body = parse_body((shared_fixtures / "qbo-exquickbooks" / "query_error.json").read_bytes())
    error = error_for_fault(find_fault(body), http_status=400)
    assert type(error) is ValidationError and error.code == "4000" and error.vendor_message == "Error parsing query"


def test_batch_fixture_maps_each_item(shared_fixtures):
    """The real batch answer: item 1 fails with two errors, the others carry their entities."""
    body = xml_to_dict((shared_fixtures / "qbo-quickbooks-ruby" / "batch_response.xml").read_bytes())
    ids = [item["bId"] for item in body["BatchItemResponse"]]
    entities = [next(k for k in item if k != "bId") for item in body["BatchItemResponse"]]
    items = [BatchItem(entity, {}, f"k{n}") for n, entity in enumerate(entities)]
    # Our batches number items 1..n; the fixture uses its own ids, so renumber its answers.
    for n, item in enumerate(body["BatchItemResponse"]):
        item["bId"] = str(n + 1)
    results = parse_batch(body, items)
    assert ids[0] == "1a" and isinstance(results[0], ValidationError)
    assert [d.code for d in results[0].details] == ["2050", "2080"] and results[0].element == "firstname"
    assert results[1]["Id"] == "19891" and results[8]["Id"] == "19891"


def test_duplicate_document_number_carries_the_existing_id():
    """6140's Detail names the existing TxnId; the error keeps it."""
    error = error_for_fault(fault("6140", "Duplicate Document Number Error",
                                  "You must specify a different number. DocNumber=1234 is assigned to TxnType=Bill with TxnId=118"))
    assert isinstance(error, DuplicateDocument) and error.existing_id == "118"


def test_closed_period_by_code_and_by_message():
    """6210, and Fyle's "account period closed" wording, are ClosedPeriod."""
    by_code = error_for_fault(fault("6210", "Account Period Closed, cannot update through Services API"))
    by_text = error_for_fault(fault("6000", "A business validation error", "The account period closed on 2024-12-31"))
    assert isinstance(by_code, ClosedPeriod) and isinstance(by_text, ClosedPeriod)


def test_inactive_and_unknown_references():
    """610 is InactiveReference; "Invalid Reference Id" is UnknownReference."""
    inactive = error_for_fault(fault("610", "Object Not Found", "Something you're trying to use has been made inactive."))
    unknown = error_for_fault(fault("2500", "Invalid Reference Id", "Invalid Reference Id : Accounts element id 7 not found"))
    assert isinstance(inactive, InactiveReference) and isinstance(unknown, UnknownReference)


def test_http_200_carrying_a_fault_is_an_error():
    """QBO may answer 200 with a Fault; that is still an error."""
    body = json.dumps({"Fault": fault("6140", "Duplicate Document Number Error"), "time": "x"}).encode()
    assert isinstance(map_response(response(200, body)), DuplicateDocument)


def test_lower_case_401_fault_is_an_auth_error():
    """QBO's 401 body spells fault/error/message in lower case."""
    body = {"fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                 "detail": "Token expired", "code": "3200"}], "type": "AUTHENTICATION"}}
    error = map_response(response(401, json.dumps(body).encode()))
    assert isinstance(error, AuthError) and error.http_status == 401


def test_429_without_fault_uses_retry_after():
    """A bare 429 is RateLimited with the Retry-After seconds."""
    error = map_response(response(429, b"", headers={"Retry-After": "12"}))
    assert isinstance(error, RateLimited) and error.retry_after == 12.0


def test_gateway_html_error_page_is_a_server_error():
    """A 502 with an HTML page (no JSON) is a retryable ServerError."""
    error = map_response(response(502, b"<html><body>Bad gateway</body>", "text/html"))
    assert isinstance(error, ServerError) and error.retryable


def test_successful_answer_is_not_an_error(shared_fixtures):
    """The real JournalEntry create answer maps to no error."""
    content = (shared_fixtures / "qbo-quickbooks-go" / "journal-entry.json").read_bytes()
    assert map_response(response(200, content)) is None


@pytest.mark.parametrize("code", ["6140", "6210", "610", "2500", "5010", "6240", "4000"])
def test_validation_faults_are_not_retryable(code):
    """No validation fault is marked retryable."""
    assert error_for_fault(fault(code, "x")).retryable is False
