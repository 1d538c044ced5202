"""Parsing the three real Intacct answers in ../shared/fixtures/intacct-jfcote87, and the errors they mean."""

from __future__ import annotations

import requests

from bookbridge.connectors.errors import ValidationError
from bookbridge.connectors.intacct import records
from bookbridge.connectors.intacct.faults import function_error, map_response
from bookbridge.connectors.intacct.xmlwire import parse_response
from intacct_connector_support import FIXTURES


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _http(status: int, body: bytes) -> requests.Response:
    """An HTTP answer as the HTTP layer hands it to the fault table (data, not a stand-in for the table)."""
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = 'text/xml; encoding="UTF-8"'
    return response


def test_function_error_success_keeps_three_results_in_order() -> None:
    """functionErrorSuccess.xml: failure, success, failure, each matched to its controlid."""
    parsed = parse_response(_read("functionErrorSuccess.xml"))
    assert [(r.status, r.controlid) for r in parsed.results] == [
        ("failure", "testFunctionId"), ("success", "abcdef"), ("failure", "testFunctionId")]


def test_function_error_success_reads_the_apbill_record() -> None:
    """The successful result's data carries the APBILL with its RECORDNO and vendor."""
    bill = parse_response(_read("functionErrorSuccess.xml")).results[1].data
    assert bill is not None and bill.listtype == "APBILL" and bill.count == 1
    assert bill.of("APBILL") == [{"RECORDNO": "16747", "VENDORID": "407258", "VENDORNAME": "FOSSE BOB",
                                  "RECORDID": "E18-6465"}]


def test_function_error_success_failures_become_validation_errors() -> None:
    """A failed function inside an HTTP 200 is a typed error naming Intacct's error number."""
    failed = parse_response(_read("functionErrorSuccess.xml")).results[0]
    error = function_error(failed.errors, function=failed.function)
    assert isinstance(error, ValidationError) and error.code == "Invalid fields list x" and not error.retryable


def test_function_error_success_passes_the_http_layer() -> None:
    """A 200 whose control block succeeded is handed to the connector, even with failed functions inside."""
    assert map_response(_http(200, _read("functionErrorSuccess.xml"))) is None


def test_function_error_success_authentication_block() -> None:
    """The authentication block's user and projected session timeout are read."""
    auth = parse_response(_read("functionErrorSuccess.xml")).authentication
    assert auth is not None and auth.status == "success" and auth.userid == "xml_gateway"
    assert auth.sessiontimeout == "2019-05-30T18:29:53-07:00"


def test_vendor_response_reads_both_results_with_paging_attributes() -> None:
    """vendorResponse.xml: read (2 vendors) and readByQuery with count/totalcount/numremaining/resultId."""
    read, query = parse_response(_read("vendorResponse.xml")).results
    assert [v["VENDORID"] for v in read.data.of("VENDOR")] == ["100001TEST", "100002TEST"]
    assert query.function == "readByQuery"
    assert (query.data.count, query.data.totalcount, query.data.numremaining, query.data.result_id) == (
        1, 1, 5, "aaaaa")


def test_vendor_response_empty_elements_are_empty_text() -> None:
    """Empty elements (<PARENTID/>) parse as empty text and the vendor DTOs read cleanly."""
    vendors = parse_response(_read("vendorResponse.xml")).results[0].data.of("VENDOR")
    assert vendors[1]["PARENTID"] == ""
    parsed = [records.vendor(v) for v in vendors]
    assert [(v.id, v.name, v.active) for v in parsed] == [("100001TEST", "TEST VENDOR 1099", True),
                                                          ("100002TEST", "TEST VENDOR 2", True)]


def test_exec_xml_error_is_a_control_failure_with_two_errors() -> None:
    """execXMLError.xml: control status failure, no operation, two XL03000003 errors."""
    parsed = parse_response(_read("execXMLError.xml"))
    assert parsed.control.status == "failure" and parsed.authentication is None and parsed.results == ()
    assert [e.errorno for e in parsed.errors] == ["XL03000003", "XL03000003"]


def test_exec_xml_error_maps_to_a_non_retryable_validation_error() -> None:
    """A parse error refuses the whole request: a ValidationError that resending cannot fix."""
    error = map_response(_http(200, _read("execXMLError.xml")))
    assert isinstance(error, ValidationError)
    assert error.code == "XL03000003" and not error.retryable and len(error.details) == 2
    assert "PROJECTID" in error.user_message
