"""The Intacct sandbox as a server: limits with time scaling, fault injection, persisted state, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from bookbridge.connectors.intacct.xmlwire import parse_response
from bookbridge.sandbox.intacct import FaultConfig, IntacctSandbox
from intacct_sandbox_support import Raw, glbatch


def test_over_the_limit_is_http_429_gw_0010() -> None:
    """Past 100 requests in the (60x faster) minute: HTTP 429, control failure GW-0010, Retry-After."""
    with IntacctSandbox(time_scale=60) as sandbox:
        raw = Raw(sandbox)
        raw.session()
        statuses = []
        for _ in range(101):
            body = raw.http.post(sandbox.base_url + sandbox.session_path, data=b"<request/>", timeout=5)
            statuses.append(body.status_code)
        assert statuses[:99] == [200] * 99 and statuses[-1] == 429
        refused = parse_response(body.content)
        assert refused.errors[0].errorno == "GW-0010" and body.headers["Retry-After"] == "1"


def test_the_window_refills_in_scaled_time() -> None:
    """After the scaled minute (one second at 60x) requests are admitted again."""
    with IntacctSandbox(time_scale=60) as sandbox:
        raw = Raw(sandbox)
        raw.session()
        for _ in range(100):
            raw.http.post(sandbox.base_url + sandbox.session_path, data=b"<request/>", timeout=5)
        time.sleep(1.05)
        assert raw.query("CLASS").results[0].status == "success"


def test_concurrent_requests_over_two_are_throttled() -> None:
    """A third request while two are in flight is refused (2 concurrent per company)."""
    import threading

    with IntacctSandbox(faults=FaultConfig(latency_ms=300)) as sandbox:
        raw = Raw(sandbox)
        raw.session()
        statuses: list[int] = []
        # Well-formed reads, so each one holds its slot through the added latency.
        threads = [threading.Thread(target=lambda: statuses.append(requests.post(
            sandbox.base_url + sandbox.session_path, timeout=5, data=_query_body(raw)).status_code)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 200, 429]


def _query_body(raw: Raw) -> bytes:
    from bookbridge.connectors.intacct.xmlwire import Session, request_xml

    return request_xml(sender_id="s", sender_password="p", control_id="c", unique_id=False,
                       auth=Session(raw.session()), functions=[{"@controlid": "q", "readByQuery": {
                           "object": "CLASS", "query": ""}}])


def test_injected_503_is_an_html_page_and_changes_nothing() -> None:
    """A queued 503 answers a non-XML page; the write did not happen."""
    with IntacctSandbox(limits=False) as sandbox:
        raw = Raw(sandbox)
        raw.session()
        sandbox.faults.update({"queue": ["503"]})
        answer = raw.post(_write_body(raw, "f1"), sandbox.session_path)
        assert answer.status_code == 503 and "text/html" in answer.headers["Content-Type"]
        assert sandbox.store.counts()["GLBATCH"] == 0


def _write_body(raw: Raw, controlid: str) -> bytes:
    from bookbridge.connectors.intacct.xmlwire import Session, request_xml

    return request_xml(sender_id="s", sender_password="p", control_id="c", unique_id=True,
                       auth=Session(raw.session()), functions=[glbatch(controlid)])


def test_lost_after_commit_stores_and_hangs_up() -> None:
    """The write is stored (and its controlid spent) but the client gets no answer."""
    with IntacctSandbox(limits=False) as sandbox:
        raw = Raw(sandbox)
        raw.session()
        sandbox.faults.update({"queue": ["lost_after_commit"]})
        try:
            raw.post(_write_body(raw, "lost"), sandbox.session_path)
            answered = True
        except requests.ConnectionError:
            answered = False
        assert not answered and sandbox.store.counts()["GLBATCH"] == 1 and sandbox.store.has_run("lost")


def test_fault_rates_are_reproducible_with_a_seed() -> None:
    """The same seed gives the same sequence of injected faults."""
    def run() -> list[int]:
        with IntacctSandbox(limits=False, faults=FaultConfig(error_5xx_rate=0.5, seed=11)) as sandbox:
            raw = Raw(sandbox)
            return [raw.post(b"<request/>", sandbox.session_path).status_code for _ in range(12)]

    assert run() == run()


def test_state_survives_a_restart(tmp_path: Path) -> None:
    """Records and spent controlids are on disk; a new sandbox on the same directory still refuses the repeat."""
    with IntacctSandbox(limits=False, data_dir=tmp_path) as sandbox:
        raw = Raw(sandbox)
        assert raw.call([glbatch("persist")], unique=True).results[0].status == "success"
    with IntacctSandbox(limits=False, data_dir=tmp_path) as again:
        raw = Raw(again)
        assert again.store.counts()["GLBATCH"] == 1
        assert raw.call([glbatch("persist")], unique=True).results[0].status == "failure"


def test_state_files_hold_no_usable_session_id(tmp_path: Path) -> None:
    """Only hashes of session ids are written; the id itself appears in no state file."""
    with IntacctSandbox(limits=False, data_dir=tmp_path) as sandbox:
        session_id = Raw(sandbox).session()
    written = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "intacct-sessions.json" in os.listdir(tmp_path) and session_id not in written


def test_another_process_can_read_what_was_posted(tmp_path: Path) -> None:
    """The state file is valid JSON with the posted journal entry, readable while the sandbox runs."""
    with IntacctSandbox(limits=False, data_dir=tmp_path) as sandbox:
        Raw(sandbox).call([glbatch("visible", title="seen from outside")], unique=True)
        state = json.loads((tmp_path / f"intacct-{sandbox.company_id}.json").read_text())
    titles = [r["BATCH_TITLE"] for r in state["objects"]["GLBATCH"].values()]
    assert titles == ["seen from outside"] and "visible" in state["controlids"]


def test_cli_prints_its_address_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`bookbridge sandbox intacct` prints one line with its URL, serves, and exits 0 on SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bookbridge", "sandbox", "intacct", "--port", "0", "--data", str(tmp_path),
         "--company-id", "AcmeHaul", "--time-scale", "60", "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("Sage Intacct sandbox listening on http://127.0.0.1:") and "(company AcmeHaul)" in line
        url = line.split()[5]
        stats = requests.get(url + "/__sandbox/stats", timeout=5).json()
        assert stats["company_id"] == "AcmeHaul"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert process.returncode == 0 and (tmp_path / "intacct-AcmeHaul.json").exists()


def test_control_path_moves_the_clock_and_closes_periods() -> None:
    """/__sandbox/preferences closes a period: a journal entry dated in it is then refused."""
    with IntacctSandbox(limits=False) as sandbox:
        raw = Raw(sandbox)
        changed = requests.post(sandbox.base_url + "/__sandbox/preferences", timeout=5, json={
            "application": "GL", "preference": "BOOKSCLOSEDTHROUGH", "value": "03/31/2026"}).json()
        assert changed["BOOKSCLOSEDTHROUGH"] == "03/31/2026"
        result = raw.call([glbatch("march")], unique=True).results[0]
        assert result.status == "failure" and "closed" in result.errors[0].description2
