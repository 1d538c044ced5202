"""With --data the sandbox keeps its organisation on disk: another process can read what was posted,
a restart continues where it stopped, and a write lost after commit really was committed."""

from __future__ import annotations

import json
from decimal import Decimal

import requests

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.xero import FaultConfig, XeroSandbox
from xero_testkit import Api, authorize

BODY = {"ManualJournals": [{"Narration": "Kept", "Date": "2026-03-02", "Status": "POSTED", "JournalLines": [
    {"LineAmount": Decimal("8.00"), "AccountCode": "6200"}, {"LineAmount": Decimal("-8.00"), "AccountCode": "2310"}]}]}


def test_posted_documents_survive_a_restart(tmp_path) -> None:
    """A journal posted before a restart is served after it, under the same id, tokens still valid."""
    with XeroSandbox(data_dir=tmp_path) as sandbox:
        token = authorize(sandbox)["access_token"]
        posted = Api(sandbox, token).json("PUT", "ManualJournals", BODY)["ManualJournals"][0]
    with XeroSandbox(data_dir=tmp_path) as again:
        listed = Api(again, token).json("GET", "ManualJournals")["ManualJournals"]
    assert [j["ManualJournalID"] for j in listed] == [posted["ManualJournalID"]]


def test_state_file_is_readable_json_while_running(tmp_path) -> None:
    """The state file can be read by another process at any time and holds what was posted."""
    with XeroSandbox(data_dir=tmp_path) as sandbox:
        Api(sandbox, authorize(sandbox)["access_token"]).call("PUT", "ManualJournals", BODY)
        state = jsonio.loads((tmp_path / f"xero-{sandbox.tenant_id}.json").read_text())
    journals = list(state["collections"]["ManualJournals"].values())
    assert [j["Narration"] for j in journals] == ["Kept"] and journals[0]["JournalLines"][0]["LineAmount"] == Decimal("8.00")


def test_lost_after_commit_is_on_disk_with_its_replayable_answer(tmp_path) -> None:
    """The connection is cut after the write: the file has the journal and the key's stored answer."""
    with XeroSandbox(data_dir=tmp_path, faults=FaultConfig(lost_after_commit_rate=1.0, seed=1)) as sandbox:
        api = Api(sandbox, authorize(sandbox)["access_token"])
        try:
            api.call("PUT", "ManualJournals", BODY, headers={"Idempotency-Key": "lost-1"})
        except requests.ConnectionError:
            pass  # the point of the fault: no answer arrives
        else:
            raise AssertionError("the answer should have been lost")
        state = json.loads((tmp_path / f"xero-{sandbox.tenant_id}.json").read_text())
        sandbox.faults.update({"lost_after_commit_rate": 0.0})
        replay = api.json("PUT", "ManualJournals", BODY, headers={"Idempotency-Key": "lost-1"})
    stored = list(state["collections"]["ManualJournals"])
    assert len(stored) == 1 and "lost-1" in state["idempotency"]
    assert replay["ManualJournals"][0]["ManualJournalID"] == stored[0]


def test_attachments_are_kept_as_files(tmp_path) -> None:
    """An uploaded file is kept byte for byte in the organisation's attachments directory."""
    with XeroSandbox(data_dir=tmp_path) as sandbox:
        api = Api(sandbox, authorize(sandbox)["access_token"])
        journal = api.json("PUT", "ManualJournals", BODY)["ManualJournals"][0]
        content = bytes(range(256)) * 10
        answer = api.call("PUT", f"ManualJournals/{journal['ManualJournalID']}/Attachments/scan 1.png", raw=content,
                          headers={"Content-Type": "image/png"})
        attachment = answer.json()["Attachments"][0]
        served = requests.get(f"{sandbox.base_url}/__sandbox/attachments/{attachment['AttachmentID']}", timeout=5)
    assert attachment["FileName"] == "scan 1.png" and attachment["ContentLength"] == len(content)
    assert attachment["MimeType"] == "image/png" and served.content == content
    assert (tmp_path / f"xero-{sandbox.tenant_id}-attachments" / attachment["AttachmentID"]).read_bytes() == content
