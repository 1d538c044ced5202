"""Talking raw XML to the Intacct sandbox (no connector), for tests of the sandbox itself."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests

from bookbridge.connectors.intacct.xmlwire import Login, Session, XmlResponse, parse_response, request_xml
from bookbridge.sandbox.intacct import GATEWAY_PATH, IntacctSandbox


class Raw:
    """Posts request documents to one sandbox and parses the answers."""

    def __init__(self, sandbox: IntacctSandbox) -> None:
        self.sandbox = sandbox
        self.http = requests.Session()
        self.login = Login("ws_raw", sandbox.company_id, "raw-password")
        self._session: str | None = None

    def post(self, body: bytes, path: str = GATEWAY_PATH) -> requests.Response:
        return self.http.post(self.sandbox.base_url + path, data=body,
                              headers={"Content-Type": "application/xml"}, timeout=10)

    def call(self, functions: list[dict[str, Any]], *, unique: bool = False, login: bool = False,
             path: str | None = None) -> XmlResponse:
        """Send functions under a login or (default) a session at the session endpoint."""
        auth = self.login if login else Session(self.session())
        body = request_xml(sender_id="raw_sender", sender_password="raw-sender-pass", control_id="ctl-1",
                           unique_id=unique, auth=auth, functions=functions)
        answer = self.post(body, path or (GATEWAY_PATH if login else self.sandbox.session_path))
        assert answer.status_code == 200, answer.text
        return parse_response(answer.content)

    def session(self) -> str:
        if self._session is None:
            answer = self.call([{"@controlid": "s", "getAPISession": None}], login=True)
            self._session = answer.results[0].data.of("api")[0]["sessionid"]
        return self._session

    def query(self, obj: str, query: str = "", pagesize: int = 100, fields: str = "*") -> XmlResponse:
        return self.call([{"@controlid": "q", "readByQuery": {"object": obj, "fields": fields, "query": query,
                                                               "pagesize": pagesize}}])


@pytest.fixture
def intacct_raw() -> Iterator[Raw]:
    with IntacctSandbox(limits=False) as sandbox:
        yield Raw(sandbox)


def glbatch(controlid: str, *, day: str = "03/02/2026", debit: str = "6200", amount: str = "10.00",
            credit_amount: str | None = None, title: str = "t") -> dict[str, Any]:
    return {"@controlid": controlid, "create": {"GLBATCH": {
        "JOURNAL": "GJ", "BATCH_DATE": day, "BATCH_TITLE": title, "ENTRIES": {"GLENTRY": [
            {"ACCOUNTNO": debit, "TRX_AMOUNT": amount, "TR_TYPE": "1"},
            {"ACCOUNTNO": "2110", "TRX_AMOUNT": credit_amount or amount, "TR_TYPE": "-1"}]}}}}
