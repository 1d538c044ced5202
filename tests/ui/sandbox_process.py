"""A QBO sandbox in its own process, as the accounting system is for a real user: elsewhere.

Used by the GUI stall test and ``benchmarks/gui_bench.py``: a sandbox in the test's own process
would compete with the GUI thread for the interpreter, which no real QuickBooks Online does.
"""

from __future__ import annotations

import subprocess
import sys

_BOOT = """
import signal, sys, threading
from bookbridge.sandbox.qbo import QboSandbox
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
with QboSandbox(time_scale=float(sys.argv[1])) as sandbox:
    print(f"QBO sandbox listening on {sandbox.base_url} (realm {sandbox.realm_id})", flush=True)
    stop.wait()
"""


class SandboxProcess:
    """``with SandboxProcess(time_scale) as sandbox: sandbox.base_url``."""

    def __init__(self, time_scale: float = 100.0) -> None:
        self.time_scale = time_scale
        self.process: subprocess.Popen | None = None
        self.base_url = ""

    def __enter__(self) -> "SandboxProcess":
        self.process = subprocess.Popen([sys.executable, "-c", _BOOT, str(self.time_scale)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.process.kill()
            raise RuntimeError(f"the sandbox did not start: {line}{self.process.stderr.read()}")
        self.base_url = line.split("listening on ", 1)[1].split(" ", 1)[0]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
