"""State in --data DIR: survives a restart, is readable by another process, holds no usable token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from qbo_sandbox_helpers import Client, connect, decode, je_payload

from bookbridge.sandbox.common.errors import SandboxError
from bookbridge.sandbox.qbo import QboSandbox


def _client(sandbox: QboSandbox, token: str | None = None) -> Client:
    return Client(sandbox.base_url, sandbox.realm_id, token or connect(sandbox.base_url)["access_token"])


def test_posted_entries_survive_a_restart(tmp_path: Path) -> None:
    """An entry posted before a restart is found after it, and new Ids do not collide."""
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        first = decode(_client(sandbox).post("journalentry", je_payload("P-1")))["JournalEntry"]
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        client = _client(sandbox)
        found = decode(client.query("select * from JournalEntry where DocNumber = 'P-1'"))["QueryResponse"]
        assert found["JournalEntry"][0]["Id"] == first["Id"]
        second = decode(client.post("journalentry", je_payload("P-2")))["JournalEntry"]
        assert int(second["Id"]) > int(first["Id"])


def test_requestid_replay_survives_a_restart(tmp_path: Path) -> None:
    """A retry after the sandbox restarted still gets the original answer."""
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        original = _client(sandbox).post("journalentry", je_payload("P-R"), requestid="persist-1")
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        again = _client(sandbox).post("journalentry", je_payload("P-R"), requestid="persist-1")
    assert (again.status_code, again.text) == (original.status_code, original.text)


def test_tokens_survive_a_restart(tmp_path: Path) -> None:
    """An access token issued before a restart still opens the company after it."""
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        token = connect(sandbox.base_url)["access_token"]
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        assert _client(sandbox, token).get("preferences").status_code == 200


def test_state_files_hold_no_usable_token(tmp_path: Path) -> None:
    """Only hashes of codes and tokens reach the disk."""
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        tokens = connect(sandbox.base_url)
    written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json"))
    assert tokens["access_token"] not in written and tokens["refresh_token"] not in written
    assert written  # the files exist and were read


def test_another_process_reads_what_was_posted(tmp_path: Path) -> None:
    """A separate Python process reads the posted DocNumber and exact amount from the state file."""
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        _client(sandbox).post("journalentry", je_payload("P-X", amount="1234.56"))
        state_file = next(tmp_path.glob("qbo-*[0-9].json"))
        reader = (
            "import json, sys, decimal\n"
            "data = json.load(open(sys.argv[1]), parse_float=decimal.Decimal)\n"
            "for e in data['entities']['JournalEntry'].values(): print(e['DocNumber'], e['TotalAmt'])\n"
        )
        out = subprocess.run([sys.executable, "-c", reader, str(state_file)], capture_output=True, text=True, timeout=30)
    assert out.stdout.split() == ["P-X", "1234.56"], out.stderr


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    """Atomic saves clean up after themselves."""
    with QboSandbox(limits=False, data_dir=tmp_path) as sandbox:
        client = _client(sandbox)
        for index in range(5):
            client.post("journalentry", je_payload(f"T-{index}"))
    assert not list(tmp_path.glob("*.tmp"))
    assert all(json.loads(p.read_text(encoding="utf-8")) for p in tmp_path.glob("*.json"))


def test_corrupt_state_file_is_reported_with_its_path(tmp_path: Path) -> None:
    """A damaged state file stops start-up with a message naming the file."""
    with QboSandbox(limits=False, data_dir=tmp_path):
        pass
    state_file = next(tmp_path.glob("qbo-*[0-9].json"))
    state_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(SandboxError, match=str(state_file.name)):
        QboSandbox(limits=False, data_dir=tmp_path)
