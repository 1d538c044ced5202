"""Redaction of the sync log: headers, URLs, JSON and form bodies."""

from __future__ import annotations

import json
import logging

from bookbridge.connectors.httplog import ExchangeRecorder, redact_body, redact_headers, redact_url

SECRET = "eyJraWQiOiJzZWNyZXQtYWNjZXNzLXRva2VuIn0.payload.signature"
REFRESH = "AB11757295021yRkPjwJ8cBoIqS6mAcw7Ux2eYvYEC7nMLTzNk"


def test_authorization_header_is_masked_whole():
    """Authorization, Cookie and API-key headers never reach the log."""
    headers = redact_headers({"Authorization": f"Bearer {SECRET}", "Cookie": "s=1", "Accept": "application/json"})
    assert SECRET not in json.dumps(headers) and headers["Accept"] == "application/json"


def test_oauth_code_in_a_query_string_is_masked():
    """A redirect URL's authorization code is masked, its realmId kept."""
    url = redact_url("http://127.0.0.1:5000/callback?code=AB1234567890secret&state=xyz&realmId=9341")
    assert "AB1234567890secret" not in url and "realmId=9341" in url


def test_token_response_body_is_masked():
    """access_token and refresh_token values in a JSON answer are masked."""
    body = json.dumps({"access_token": SECRET, "refresh_token": REFRESH, "expires_in": 3600}).encode()
    text = redact_body(body, "application/json")
    assert SECRET not in text and REFRESH not in text and "3600" in text


def test_refresh_request_form_body_is_masked():
    """The refresh_token form field of a token request is masked."""
    text = redact_body(f"grant_type=refresh_token&refresh_token={REFRESH}".encode(), "application/x-www-form-urlencoded")
    assert REFRESH not in text and "grant_type=refresh_token" in text


def test_vendor_fault_codes_stay_readable():
    """A QBO fault's "code" is kept: it is what a person reads the log for."""
    body = json.dumps({"Fault": {"Error": [{"Message": "Duplicate", "code": "6140"}], "type": "ValidationFault"}})
    assert '"6140"' in redact_body(body.encode(), "application/json")


def test_amounts_keep_their_exact_decimals():
    """Redaction re-serialises JSON without turning 100.10 into a float's digits."""
    assert "100.10" in redact_body(b'{"Amount": 100.10}', "application/json")


def test_binary_bodies_are_summarised():
    """Uploaded files are not dumped into the log."""
    assert redact_body(b"\x89PNG\x00\xff" * 10, "image/png").startswith("<binary body")


def test_recorder_logs_one_line_without_secrets(caplog):
    """The logger line of an exchange carries method, URL and status, never the token."""
    recorder = ExchangeRecorder("qbo")
    with caplog.at_level(logging.DEBUG, logger="bookbridge.connectors.http"):
        recorder.record(
            method="POST", url="https://example.test/oauth2/v1/tokens/bearer", attempt=1, elapsed=0.01,
            request_headers={"Authorization": "Basic Y2xpZW50OnNlY3JldA=="}, request_body=f"refresh_token={REFRESH}",
            status=200, response_headers={"Content-Type": "application/json"},
            response_body=json.dumps({"access_token": SECRET}).encode(),
        )
    assert "HTTP 200" in caplog.text and SECRET not in caplog.text and REFRESH not in caplog.text
    assert "Y2xpZW50OnNlY3JldA==" not in caplog.text


def test_sink_receives_the_redacted_exchange():
    """The sync-log callback gets the exchange with the Authorization header masked."""
    received = []
    ExchangeRecorder("qbo", received.append).record(
        method="GET", url="https://example.test/v3/company/1/query?query=x", attempt=2, elapsed=0.5,
        request_headers={"Authorization": f"Bearer {SECRET}"}, request_body=None, status=503,
    )
    assert received[0].attempt == 2 and received[0].request_headers["Authorization"] == "[REDACTED]"
