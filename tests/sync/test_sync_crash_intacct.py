"""The sync engine, unchanged, against the Sage Intacct sandbox: dry-run preview, and exactly once under SIGKILL.

The crash test mirrors ``test_sync_crash.py`` (QBO): the real `bookbridge sync` process is killed
with SIGKILL at random moments (≥ 20 trials) while the sandbox injects 5xx answers, dropped
connections and answers lost after the write was committed; then faults are switched off and one
sync runs to the end. Every approved expense must be in Intacct exactly once (one GLBATCH per
entry, by reference number and by key marker), none missing, and the book's remote ids must be
Intacct's RECORDNOs. What keeps a resend from duplicating here is ``uniqueid=true`` with one
function ``controlid`` per document: the sandbox refuses a repeat as already executed and the
connector finds the earlier post by our key.

The crash test needs the real keyring (the child processes read their credentials there): run
through `make test`. The dry-run test runs in process with credentials in memory.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter

import pytest

from bookbridge.connectors.intacct.connect import connect_with_login
from bookbridge.connectors.intacct.credentials import UserLogin
from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
from bookbridge.core import clock
from bookbridge.sandbox.intacct import FaultConfig, IntacctSandbox
from bookbridge.store.models import Connection
from bookbridge.sync.runner import SyncOptions, run_sync
from crash_harness import (
    connect_by_cli,
    counter_grew,
    kill_at_random,
    random_expenses,
    spawn_sync,
    tally_book,
)
from sync_book import approved_expenses, fuel, publish

TRIALS = int(os.environ.get("BOOKBRIDGE_INTACCT_CRASH_TRIALS", "20"))
FIRST_BATCH = 30
PER_TRIAL = 4
SEED = int(os.environ.get("BOOKBRIDGE_CRASH_SEED", "20260302"))
MARKER = re.compile(r"\[bb:[0-9a-f]+\]")


def _expenses(rng: random.Random, start: int, n: int) -> list[dict]:
    return random_expenses(rng, start, n, fields={"truck": "Truck 15"})


def _connect_in_process(book, sandbox: IntacctSandbox) -> MemoryTokenStore:
    store = MemoryTokenStore()
    result = connect_with_login(base_url=sandbox.base_url, sender=ClientCredentials("sync_test", "sender-pw"),
                                login=UserLogin("ws_sync", sandbox.company_id, "user-pw"), store=store, time_scale=100)
    with book.unit_of_work() as session:
        session.add(Connection(name="main", provider="intacct", base_url=result.base_url, company_ref=result.company_id,
                               status="connected", settings_json=json.dumps({"time_scale": 100}),
                               token_expires_at=result.token_expires_at, created_at=clock.now()))
    return store


def test_dry_run_previews_glbatch_functions_and_sends_nothing_then_posts_exactly_those(book) -> None:
    """A dry run yields GLBATCH functions (controlid, entries) and writes nothing; the real run posts them."""
    with IntacctSandbox(limits=False) as sandbox:
        store = _connect_in_process(book, sandbox)
        approved_expenses(book, fuel(3))
        previews: list[dict] = []
        dry = run_sync(book, SyncOptions(token_store=store, dry_run=True, on_payload=previews.append))
        writes_after_dry_run = sandbox.stats()["counters"].get("writes", 0)
        live = run_sync(book, SyncOptions(token_store=store))
        posted = {r["REFERENCENO"]: r for r in sandbox.store.records("GLBATCH", owned=True)}
    assert dry.summary()["would_post"] == 3 and writes_after_dry_run == 0
    assert live.summary()["posted"] == 3 and set(posted) == {p["doc_number"] for p in previews}
    for preview in previews:
        function = preview["payload"]["function"]
        batch, record = function["create"]["GLBATCH"], posted[preview["doc_number"]]
        assert sandbox.store.has_run(function["@controlid"]) and batch["REFERENCENO"] == preview["doc_number"]
        sent = [(e["ACCOUNTNO"], e["TR_TYPE"], str(e["TRX_AMOUNT"]), e.get("CLASSID")) for e in batch["ENTRIES"]["GLENTRY"]]
        stored = [(e["ACCOUNTNO"], e["TR_TYPE"], e["TRX_AMOUNT"], e.get("CLASSID"))
                  for e in record["ENTRIES"]["GLENTRY"]]
        assert sent == stored and ("6200", "1") == sent[0][:2] and sent[0][3] == "T7"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("BOOKBRIDGE_TEST_KEYRING") != "1",
                    reason="needs the real Secret Service keyring: run through `make test`")
def test_sigkill_at_random_moments_never_duplicates_or_loses_in_intacct(book, book_path, run_cli, cli_env, tmp_path,
                                                                        record_property) -> None:
    """After ≥ 20 SIGKILLed syncs and one clean one, every approved expense is in Intacct exactly once."""
    rng = random.Random(SEED)
    faults = FaultConfig(error_5xx_rate=0.05, drop_rate=0.05, lost_after_commit_rate=0.15, latency_ms=15, seed=SEED)
    began = time.monotonic()
    with IntacctSandbox(time_scale=60, faults=faults) as sandbox:
        publish(book)
        approved_expenses(book, _expenses(rng, 0, FIRST_BATCH), template=False)
        connect_by_cli(run_cli, book_path, "intacct", sandbox.base_url, "batch_size=8")
        outcomes: Counter[str] = Counter()
        trial = 0
        # Runs that end on their own before the kill do not count: trials go on until TRIALS kills
        # (a fixed number of trials left the kill count to the machine's speed).
        while outcomes["killed"] < TRIALS and trial < TRIALS * 2:
            approved_expenses(book, _expenses(rng, FIRST_BATCH + trial * PER_TRIAL, PER_TRIAL), template=False)
            outcomes[kill_at_random(spawn_sync(cli_env, book_path), rng, lambda: counter_grew(lambda: sandbox.stats()["counters"].get("writes", 0)), uniform_until=3.0, settle=0.2)] += 1
            trial += 1
        posted_during_trials = sandbox.store.counts()["GLBATCH"]
        sandbox.faults.update({"error_5xx_rate": 0.0, "drop_rate": 0.0, "lost_after_commit_rate": 0.0, "latency_ms": 0})
        final = run_cli("sync", book_path, "--json", timeout=300)
        assert final.returncode == 0, final.stdout + final.stderr
        entries = sandbox.store.records("GLBATCH")
        stats = sandbox.stats()
    numbers = Counter(entry["REFERENCENO"] for entry in entries)
    markers = Counter(MARKER.search(entry["BATCH_TITLE"]).group(0) for entry in entries)
    remote = {entry["REFERENCENO"]: entry["RECORDNO"] for entry in entries}
    tally = tally_book(book)
    approved, rows, others = tally.approved, tally.rows, tally.others
    duplicates = sum(n - 1 for n in numbers.values()) + sum(n - 1 for n in markers.values())
    missing = tally.missing(remote)
    counters = stats["counters"]
    result = {"trials": trial, "outcomes": dict(outcomes), "approved_expenses": approved,
              "posted_during_killed_runs": posted_during_trials, "journal_entries": len(entries),
              "duplicates": duplicates, "missing": missing,
              "lost_after_commit": counters.get("fault_lost_after_commit", 0), "dropped": counters.get("fault_drop", 0),
              "server_errors": sum(v for k, v in counters.items() if k.startswith("fault_5")),
              "refused_as_already_run": counters.get("already_run", 0), "writes": counters.get("writes", 0),
              "seconds": round(time.monotonic() - began, 1)}
    record_property("crash_test_intacct", json.dumps(result))
    print("intacct crash test:", json.dumps(result))
    (tmp_path / "crash-result.json").write_text(json.dumps(result))
    assert outcomes["killed"] >= TRIALS, outcomes  # every counted trial really was killed mid-run
    assert duplicates == 0 and missing == 0 and others == 0, result
    assert len(entries) == len(rows) == approved
    assert all(remote[number] == remote_id for number, remote_id in rows.items())
