"""The Xero sandbox starts in well under a second (in-process and as `bookbridge sandbox xero`)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import requests

from bookbridge.sandbox.xero import XeroSandbox
from xero_testkit import Api, authorize

LINE = re.compile(r"^Xero sandbox listening on (http://127\.0\.0\.1:(\d+)) \(tenant ([0-9a-f-]{36})\)$")


def test_sandbox_starts_and_answers_in_well_under_a_second(tmp_path: Path) -> None:
    """Construction + start + first answered request take less than half a second (the spec loads behind)."""
    started = time.perf_counter()
    sandbox = XeroSandbox(data_dir=tmp_path)
    sandbox.start()
    try:
        answer = requests.get(f"{sandbox.base_url}/__sandbox/stats", timeout=5)
        elapsed = time.perf_counter() - started
    finally:
        sandbox.stop()
    assert answer.status_code == 200 and answer.json()["tenant_id"] == sandbox.tenant_id
    assert elapsed < 0.5, f"start-up took {elapsed:.3f} s"


def test_cli_prints_its_address_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The command prints one listening line within a few seconds, serves the API, exits 0 on SIGTERM."""
    tenant = "11111111-2222-4333-8444-555555555555"
    command = [sys.executable, "-m", "bookbridge", "sandbox", "xero", "--port", "0", "--no-limits",
               "--tenant-id", tenant, "--org-name", "CLI Haulage", "--data", str(tmp_path)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    launched = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        match = LINE.match(process.stdout.readline().strip())
        listening_after = time.perf_counter() - launched
        assert match, "no listening line"
        assert match.group(3) == tenant
        base_url = match.group(1)

        remote = SimpleNamespace(base_url=base_url, tenant_id=tenant)  # what Api needs of a sandbox
        api = Api(remote, authorize(remote)["access_token"])
        organisation = api.json("GET", "Organisation")["Organisations"][0]
        assert organisation["Name"] == "CLI Haulage"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    assert code == 0
    assert listening_after < 5, f"the command took {listening_after:.1f} s to listen (interpreter start included)"
    assert (tmp_path / f"xero-{tenant}.json").is_file()


def test_cli_refuses_bad_fault_rate() -> None:
    """A fault rate above 1 is a usage error (exit 2) with a message, not a traceback."""
    result = subprocess.run([sys.executable, "-m", "bookbridge", "sandbox", "xero", "--fault-5xx-rate", "2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "error_5xx_rate" in result.stderr
