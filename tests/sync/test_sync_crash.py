"""Exactly once under SIGKILL: the real `bookbridge sync` process, killed at random moments, ≥ 50 times.

A QBO sandbox (a thread of this test process, on loopback) runs with QBO's limits 60 times faster
and fault injection on: 5xx answers, dropped connections, and answers lost after the write was
committed. Each trial starts `bookbridge sync BOOK --json` and kills it with SIGKILL, half the
time at a uniformly random moment after start, half the time just after the sandbox received a
random number of its requests (so kills land inside the posting phase: between marking documents
in flight and sending, during a request, between the answer and recording it). Before each trial
a few more expenses are coded and approved, so every trial has new work. Then the faults are
switched off and one sync runs to the end: every approved expense must be in the sandbox exactly
once, none missing, and the book's remote ids must be the sandbox's.

Needs the real keyring (the child process reads its tokens there): run through `make test`.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter

import pytest

from bookbridge.sandbox.qbo import FaultConfig, QboSandbox
from crash_harness import (
    connect_by_cli,
    counter_grew,
    kill_at_random,
    random_expenses,
    spawn_sync,
    tally_book,
)
from sync_book import approved_expenses, publish

TRIALS = int(os.environ.get("BOOKBRIDGE_CRASH_TRIALS", "50"))
FIRST_BATCH = 40
PER_TRIAL = 6
SEED = int(os.environ.get("BOOKBRIDGE_CRASH_SEED", "20260302"))
PULL_REQUESTS = 17  # the reference pull of the seeded sandbox company, before any write

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("BOOKBRIDGE_TEST_KEYRING") != "1",
                       reason="needs the real Secret Service keyring: run through `make test`"),
]


def _expenses(rng: random.Random, start: int, n: int) -> list[dict]:
    return random_expenses(rng, start, n, fields={"truck": "Truck 15"})


def _in_flight(sandbox: QboSandbox):
    """In flight once QBO stored a request id, or saw more requests than the reference pull."""
    writes = counter_grew(lambda: sandbox.stats()["request_ids"])
    requests = counter_grew(lambda: sandbox.stats()["counters"].get("api_requests", 0), PULL_REQUESTS)
    return lambda: writes() or requests()


def test_sigkill_at_random_moments_never_duplicates_or_loses(book, book_path, run_cli, cli_env, tmp_path,
                                                             record_property) -> None:
    """After ≥ 50 SIGKILLed syncs and one clean one, every approved expense is in QBO exactly once."""
    rng = random.Random(SEED)
    faults = FaultConfig(error_5xx_rate=0.05, drop_rate=0.05, lost_after_commit_rate=0.15, latency_ms=15, seed=SEED)
    began = time.monotonic()
    with QboSandbox(time_scale=60, faults=faults) as sandbox:
        publish(book)
        approved_expenses(book, _expenses(rng, 0, FIRST_BATCH), template=False)
        connect_by_cli(run_cli, book_path, "qbo", sandbox.base_url, "batch_size=8")
        outcomes: Counter[str] = Counter()
        trial = 0
        # Runs that end on their own before the kill (or cannot start under the faults) do not count.
        while outcomes["killed"] < TRIALS and trial < TRIALS * 2:
            approved_expenses(book, _expenses(rng, FIRST_BATCH + trial * PER_TRIAL, PER_TRIAL), template=False)
            outcomes[kill_at_random(spawn_sync(cli_env, book_path), rng, lambda: _in_flight(sandbox))] += 1
            trial += 1
        posted_during_trials = sandbox.stats()["entities"].get("JournalEntry", 0)
        sandbox.faults.update({"error_5xx_rate": 0.0, "drop_rate": 0.0, "lost_after_commit_rate": 0.0,
                               "latency_ms": 0})
        final = run_cli("sync", book_path, "--json", timeout=300)
        assert final.returncode == 0, final.stdout + final.stderr
        entries = sandbox.store.all("JournalEntry")
        stats = sandbox.stats()
    numbers = Counter(entry["DocNumber"] for entry in entries)
    remote = {entry["DocNumber"]: entry["Id"] for entry in entries}
    tally = tally_book(book)
    approved, rows, others = tally.approved, tally.rows, tally.others
    duplicates = sum(n - 1 for n in numbers.values())
    missing = tally.missing(remote)
    result = {"trials": trial, "kills": outcomes["killed"], "outcomes": dict(outcomes), "approved_expenses": approved,
              "posted_during_killed_runs": posted_during_trials,
              "journal_entries": len(entries), "duplicates": duplicates, "missing": missing,
              "lost_after_commit": stats["counters"].get("fault_lost_after_commit", 0),
              "dropped": stats["counters"].get("fault_drop", 0),
              "server_errors": sum(v for k, v in stats["counters"].items() if k.startswith("fault_5")),
              "replays": stats["counters"].get("replays", 0), "seconds": round(time.monotonic() - began, 1)}
    record_property("crash_test", json.dumps(result))
    print("crash test:", json.dumps(result))
    (tmp_path / "crash-result.json").write_text(json.dumps(result))
    assert outcomes["killed"] >= TRIALS, outcomes
    assert duplicates == 0 and missing == 0 and others == 0, result
    assert len(entries) == len(rows) == approved
    assert all(remote[number] == remote_id for number, remote_id in rows.items())
