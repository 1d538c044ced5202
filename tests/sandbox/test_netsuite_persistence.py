"""The NetSuite sandbox's state on disk: survives a restart, readable by another process, no tokens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from netsuite_sandbox_helpers import RECORDS, Client, connect, journal_body

from bookbridge.sandbox.netsuite import NetSuiteSandbox


def test_records_and_tokens_survive_a_restart(tmp_path: Path):
    """A record posted before a restart is there after it, and the old access token still works."""
    with NetSuiteSandbox(data_dir=tmp_path) as first:
        tokens = connect(first.base_url)
        Client(first.base_url, tokens["access_token"]).call("PUT", f"{RECORDS}/journalEntry/eid:keep-1", journal_body(None))
    with NetSuiteSandbox(data_dir=tmp_path) as second:
        api = Client(second.base_url, tokens["access_token"])
        rows = api.rows("SELECT id, externalid FROM transaction")
        again = api.call("PUT", f"{RECORDS}/journalEntry/eid:keep-1", journal_body(None))
        stored = second.store.records("journalEntry")
    assert [r["externalid"] for r in rows] == ["keep-1"] and again.status_code == 204 and len(stored) == 1


def test_another_process_reads_what_was_posted(tmp_path: Path):
    """A separate Python process reads the state file and finds the posted entry with its externalId."""
    with NetSuiteSandbox(data_dir=tmp_path, account_id="7654321") as sandbox:
        api = Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])
        api.call("PUT", f"{RECORDS}/journalEntry/eid:seen-1", journal_body(None))
        reader = ("import json,sys; d=json.load(open(sys.argv[1])); "
                  "print(json.dumps([r['externalId'] for r in d['records']['journalEntry'].values()]))")
        done = subprocess.run([sys.executable, "-c", reader, str(tmp_path / "netsuite-7654321.json")],
                              capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(done.stdout) == ["seen-1"]


def test_state_files_hold_no_usable_token(tmp_path: Path):
    """Only hashes of tokens and codes are written: no token appears in any state file."""
    with NetSuiteSandbox(data_dir=tmp_path) as sandbox:
        tokens = connect(sandbox.base_url)
    text = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "netsuite-tokens.json" in {p.name for p in tmp_path.iterdir()}
    assert tokens["access_token"] not in text and tokens["refresh_token"] not in text
