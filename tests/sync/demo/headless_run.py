"""The real headless demo run in a child process, and a copy of what it leaves behind, for tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TODAY = "2026-11-21"  # the demo covers 2026-09 and 2026-10; the card statement is October's
PASSPHRASE = "headless demo test passphrase"


@dataclass(frozen=True)
class HeadlessDemo:
    """Where the demo's book is, and the JSON summary the process printed."""

    book: Path
    summary: dict[str, Any]


def run_headless_demo(folder: Path, home: Path) -> HeadlessDemo:
    """The real `bookbridge demo --headless --json` process, run into ``folder`` (``home``: its XDG dirs)."""
    book = folder / "demo.bbk"
    env = {**os.environ, "BOOKBRIDGE_PASSPHRASE": PASSPHRASE,
           **{var: str(home / var.lower()) for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")}}
    done = subprocess.run([sys.executable, "-m", "bookbridge", "demo", "--headless", "--book", str(book),
                           "--today", TODAY, "--json"], capture_output=True, text=True, env=env, timeout=180)
    if done.returncode != 0:
        pytest.fail(f"bookbridge demo --headless exited {done.returncode}:\n{done.stderr}")
    return HeadlessDemo(book, json.loads(done.stdout))


def copy_demo(demo: HeadlessDemo, target: Path) -> Path:
    """Copy the demo's folder (book, sandbox state, statement, pack) to ``target``; returns the copied book."""
    shutil.copytree(demo.book.parent, target)
    return target / demo.book.name
