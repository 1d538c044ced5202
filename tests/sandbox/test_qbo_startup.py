"""Start-up time in-process and the `bookbridge sandbox qbo` command as a real process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from qbo_sandbox_helpers import Client, connect

from bookbridge.sandbox.qbo import QboSandbox

LINE = re.compile(r"^QBO sandbox listening on (http://127\.0\.0\.1:(\d+)) \(realm (\d+)\)$")


def test_sandbox_starts_and_answers_in_well_under_a_second(tmp_path: Path) -> None:
    """Construction + start + first answered request take less than half a second."""
    started = time.perf_counter()
    sandbox = QboSandbox(data_dir=tmp_path)
    sandbox.start()
    try:
        answer = requests.get(f"{sandbox.base_url}/__sandbox/stats", timeout=5)
        elapsed = time.perf_counter() - started
    finally:
        sandbox.stop()
    assert answer.status_code == 200
    assert elapsed < 0.5, f"start-up took {elapsed:.3f} s"


def test_cli_prints_its_address_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The command prints one listening line, serves the API, and exits 0 on SIGTERM."""
    command = [sys.executable, "-m", "bookbridge", "sandbox", "qbo", "--port", "0", "--no-limits",
               "--realm", "4620816365", "--data", str(tmp_path)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        match = LINE.match(process.stdout.readline().strip())
        assert match, "no listening line"
        base_url, realm = match.group(1), match.group(3)
        assert realm == "4620816365"
        client = Client(base_url, realm, connect(base_url)["access_token"])
        assert client.get("preferences").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    assert code == 0
    assert list(tmp_path.glob("qbo-4620816365.json"))


def test_cli_refuses_bad_fault_rate() -> None:
    """A fault rate above 1 is a usage error (exit 2) with a message, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "bookbridge", "sandbox", "qbo", "--fault-drop-rate", "1.5"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "drop_rate" in result.stderr and "Traceback" not in result.stderr
