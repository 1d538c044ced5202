"""The Intacct sandbox's gateway: request checks, sign-in, sessions, uniqueid and operation transactions."""

from __future__ import annotations

import time

from bookbridge.sandbox.intacct import IntacctSandbox
from intacct_sandbox_support import Raw, glbatch, intacct_raw  # noqa: F401 - fixture

REQUEST_WITHOUT_CONTROLID = b"""<?xml version="1.0"?><request><control><senderid>s</senderid><password>p</password>
<dtdversion>3.0</dtdversion></control><operation><authentication><login><userid>u</userid>
<companyid>c</companyid><password>p</password></login></authentication><content/></operation></request>"""


def test_starts_in_well_under_a_second() -> None:
    """Construct, start and answer the first request in under a second (measured)."""
    started = time.monotonic()
    with IntacctSandbox() as sandbox:
        Raw(sandbox).session()
        elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed


def test_get_is_refused(intacct_raw: Raw) -> None:
    """The XML gateway takes POST only (GET blocked since 2023)."""
    assert intacct_raw.http.get(intacct_raw.sandbox.gateway_url, timeout=5).status_code == 405


def test_broken_xml_is_a_control_failure_xl03000003(intacct_raw: Raw) -> None:
    """Malformed XML: HTTP 200, control status failure, XL03000003, nothing ran."""
    from bookbridge.connectors.intacct.xmlwire import parse_response

    answer = intacct_raw.post(b"<request><control><senderid>x</control></request>")
    parsed = parse_response(answer.content)
    assert answer.status_code == 200 and parsed.control.status == "failure"
    assert parsed.errors[0].errorno == "XL03000003" and "XML Parse schema error" in parsed.errors[0].description2


def test_missing_control_element_is_a_parse_error(intacct_raw: Raw) -> None:
    """A control block without controlid is refused as the gateway's schema check would."""
    from bookbridge.connectors.intacct.xmlwire import parse_response

    parsed = parse_response(intacct_raw.post(REQUEST_WITHOUT_CONTROLID).content)
    assert parsed.errors[0].errorno == "XL03000003" and "controlid" in parsed.errors[0].description2


def test_refused_login_fails_the_authentication_block(intacct_raw: Raw) -> None:
    """A wrong company: authentication status failure with XL03000006 and no results."""
    from bookbridge.connectors.intacct.xmlwire import Login

    intacct_raw.login = Login("ws_raw", "OtherCompany", "x")
    answer = intacct_raw.call([{"@controlid": "a", "getAPISession": None}], login=True)
    assert answer.control.status == "success" and answer.authentication.status == "failure"
    assert answer.auth_errors[0].errorno == "XL03000006" and answer.results == ()


def test_session_answer_names_id_endpoint_and_timeout(intacct_raw: Raw) -> None:
    """getAPISession gives a session id, the endpoint to use, and the projected timeout."""
    answer = intacct_raw.call([{"@controlid": "s", "getAPISession": None}], login=True)
    api = answer.results[0].data.of("api")[0]
    assert api["sessionid"].endswith("..") and api["endpoint"] == intacct_raw.sandbox.base_url + \
        intacct_raw.sandbox.session_path
    assert answer.authentication.sessiontimeout > answer.authentication.sessiontimestamp


def test_session_only_works_at_its_endpoint(intacct_raw: Raw) -> None:
    """The same session sent to the login URL is refused: later calls must use the named endpoint."""
    from bookbridge.sandbox.intacct import GATEWAY_PATH

    assert intacct_raw.query("CLASS").authentication.status == "success"
    assert intacct_raw.call([{"@controlid": "q", "readByQuery": {"object": "CLASS", "query": ""}}],
                            path=GATEWAY_PATH).authentication.status == "failure"


def test_session_expires_after_its_idle_time(intacct_raw: Raw) -> None:
    """Advancing the sandbox clock past the session length makes the session invalid."""
    intacct_raw.query("CLASS")
    intacct_raw.sandbox.clock.advance(1801)
    answer = intacct_raw.query("CLASS")
    assert answer.authentication.status == "failure" and "expired" in answer.auth_errors[0].description2


def test_get_api_session_must_be_alone(intacct_raw: Raw) -> None:
    """getAPISession mixed with other functions is refused."""
    answer = intacct_raw.call([{"@controlid": "s", "getAPISession": None},
                               {"@controlid": "q", "readByQuery": {"object": "CLASS", "query": ""}}], login=True)
    assert answer.results[0].status == "failure" and "alone" in answer.results[0].errors[0].description2


def test_uniqueid_true_refuses_a_repeated_controlid(intacct_raw: Raw) -> None:
    """The second run of a function controlid under uniqueid=true fails and creates nothing."""
    first = intacct_raw.call([glbatch("once")], unique=True)
    again = intacct_raw.call([glbatch("once")], unique=True)
    assert first.results[0].status == "success" and again.results[0].status == "failure"
    assert "already executed" in again.results[0].errors[0].description2
    assert intacct_raw.sandbox.store.counts()["GLBATCH"] == 1


def test_uniqueid_false_allows_repeats(intacct_raw: Raw) -> None:
    """uniqueid=false: the same controlid runs again (two journal entries)."""
    intacct_raw.call([glbatch("twice")], unique=False)
    intacct_raw.call([glbatch("twice")], unique=False)
    assert intacct_raw.sandbox.store.counts()["GLBATCH"] == 2


def test_failed_function_does_not_use_up_its_controlid(intacct_raw: Raw) -> None:
    """A function that failed did not run: the same controlid may run once fixed."""
    assert intacct_raw.call([glbatch("later", debit="6999")], unique=True).results[0].status == "failure"
    assert intacct_raw.call([glbatch("later")], unique=True).results[0].status == "success"


def test_transaction_true_rolls_everything_back(intacct_raw: Raw) -> None:
    """With transaction="true", one failure aborts the others (XL03000009) and nothing is kept."""
    from bookbridge.connectors.intacct.xmlwire import Session, parse_response, request_xml

    body = request_xml(sender_id="s", sender_password="p", control_id="c", unique_id=True,
                       auth=Session(intacct_raw.session()), functions=[glbatch("t1"), glbatch("t2", debit="6999")])
    body = body.replace(b"<operation>", b'<operation transaction="true">')
    answer = parse_response(intacct_raw.post(body, intacct_raw.sandbox.session_path).content)
    assert [r.status for r in answer.results] == ["aborted", "failure"]
    assert answer.results[0].errors[-1].errorno == "XL03000009"
    assert intacct_raw.sandbox.store.counts()["GLBATCH"] == 0 and not intacct_raw.sandbox.store.has_run("t1")
