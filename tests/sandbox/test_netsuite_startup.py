"""The NetSuite sandbox starts in well under a second, in process and as `bookbridge sandbox netsuite`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests
from netsuite_sandbox_helpers import Client, connect

from bookbridge.sandbox.netsuite import NetSuiteSandbox


def test_in_process_start_to_first_answer_is_well_under_a_second():
    """Construct, start, and answer a SuiteQL query in under half a second."""
    started = time.perf_counter()
    with NetSuiteSandbox() as sandbox:
        api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
        rows = api.rows("SELECT id FROM subsidiary")
        elapsed = time.perf_counter() - started
    assert rows and elapsed < 0.5, f"{elapsed:.3f} s"


def test_cli_prints_its_address_serves_and_stops_on_sigterm(tmp_path):
    """`bookbridge sandbox netsuite --account 7654321-sb2` prints the URL and account; SIGTERM exits 0."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "bookbridge", "sandbox", "netsuite", "--account", "7654321-sb2",
                                "--data", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        url = line.split(" listening on ", 1)[1].split()[0]
        answer = requests.get(f"{url}/__sandbox/stats", timeout=5).json()
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    assert line.startswith("NetSuite sandbox listening on http://127.0.0.1:") and "(account 7654321_SB2)" in line
    assert answer["account_id"] == "7654321_SB2" and code == 0
