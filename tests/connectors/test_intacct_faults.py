"""Intacct's failures turned into the typed errors of issue 4, by the text Intacct gives them."""

from __future__ import annotations

import pytest
import requests

from bookbridge.connectors.errors import (
    AuthError,
    ClosedPeriod,
    DuplicateDocument,
    InactiveReference,
    RateLimited,
    ReconnectRequired,
    ServerError,
    UnknownReference,
    ValidationError,
)
from bookbridge.connectors.intacct.faults import AlreadyRun, function_error, map_response
from bookbridge.connectors.intacct.xmlwire import XmlError

GW_0010 = (b'<?xml version="1.0" encoding="UTF-8"?><response><control><status>failure</status></control>'
           b"<errormessage><error><errorno>GW-0010</errorno><description>Too many requests</description>"
           b"</error></errormessage></response>")
SENDER_REFUSED = (b"<response><control><status>failure</status><senderid>x</senderid><controlid>c</controlid>"
                  b"<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control><errormessage><error>"
                  b"<errorno>XL03000006</errorno><description></description><description2>Incorrect Intacct XML "
                  b"Partner ID or password.</description2><correction></correction></error></errormessage></response>")


def _http(status: int, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize(("text", "expected"), [
    ("Your transaction date is within a period that's been closed.", ClosedPeriod),
    ("Another record with the value INV-7 already exists.", DuplicateDocument),
    ("Account 6950 is inactive.", InactiveReference),
    ("Invalid Project '10064' specified. [Support ID: abc%7E]", UnknownReference),
    ("Debits and credits are not equal: debits 10.00, credits 9.99.", ValidationError),
    ("A function with control ID bb-je-1 was already executed for this company", AlreadyRun),
    ("You do not have permission for API operation CREATE on objects of type GLBATCH.", AuthError),
])
def test_business_error_text_decides_the_type(text: str, expected: type) -> None:
    """BL01001973 covers many rules; the description decides which typed error it is."""
    error = function_error([XmlError("BL01001973", "", text)])
    assert type(error) is expected
    assert error.code == "BL01001973" and not error.retryable


def test_already_run_is_a_duplicate_for_the_sync_engine() -> None:
    """A refused repeat is a DuplicateDocument, which the engine settles by looking up the key."""
    assert issubclass(AlreadyRun, DuplicateDocument)


def test_rolled_back_error_is_not_the_explanation() -> None:
    """XL03000009 ("rolled back") is a consequence: the other error explains the failure."""
    error = function_error([XmlError("XL03000009", "", "The entire transaction in this operation has been rolled "
                                                       "back due to an error."),
                            XmlError("BL01001973", "", "Invalid Vendor 'V9' specified.")])
    assert isinstance(error, UnknownReference) and error.code == "BL01001973" and len(error.details) == 2


def test_support_ids_are_dropped_from_messages() -> None:
    """Sage's support id is noise for a bookkeeper and is removed from the message."""
    error = function_error([XmlError("BL01001973", "", "Invalid Project '1' specified. [Support ID: p5rxS%7EYx]")])
    assert "Support ID" not in error.user_message and "Invalid Project '1' specified." in error.user_message


def test_gw_0010_with_http_429_is_rate_limited_with_retry_after() -> None:
    """GW-0010 on HTTP 429 is throttling; Retry-After is honoured when present."""
    error = map_response(_http(429, GW_0010, {"Retry-After": "7"}))
    assert isinstance(error, RateLimited) and error.code == "GW-0010" and error.retry_after == 7.0 and error.retryable


def test_sender_refused_means_reconnect() -> None:
    """XL03000006 at control level: the sender credentials must be fixed by connecting again."""
    error = map_response(_http(200, SENDER_REFUSED))
    assert isinstance(error, ReconnectRequired) and error.code == "XL03000006"
    assert "Web Services authorizations" in error.user_message


def test_html_5xx_is_a_retryable_server_error() -> None:
    """A 503 page that is not XML becomes a retryable ServerError."""
    error = map_response(_http(503, b"<html><body>Service Unavailable</body></html>"))
    assert isinstance(error, ServerError) and error.retryable and error.http_status == 503


def test_non_xml_200_is_a_server_error() -> None:
    """An HTTP 200 that is not Intacct's XML (a proxy page) is not taken as success."""
    error = map_response(_http(200, b"<!doctype html><p>Login to the proxy</p>"))
    assert isinstance(error, ServerError) and error.code == "not-xml"


def test_secret_looking_text_is_masked_in_messages() -> None:
    """Vendor text passes through redaction before it reaches a message."""
    error = function_error([XmlError("BL01001973", "", "bad <sessionid>abc123secret..</sessionid> here")])
    assert "abc123secret" not in error.user_message
