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
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from bookbridge.sandbox.qbo import FaultConfig, QboSandbox
from bookbridge.store.models import Expense, ExpenseStatus, OutboxItem, OutboxStatus
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
    base = date(2026, 3, 1)
    return [dict(day=base + timedelta(days=(start + i) % 28), category=rng.choice(["Fuel", "Tolls", "Meals"]),
                 amount=f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}", fields={"truck": "Truck 15"})
            for i in range(n)]


def _spawn(cli_env: dict, book_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bookbridge", "sync", str(book_path), "--json"], env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_when(process: subprocess.Popen, sandbox: QboSandbox, rng: random.Random) -> str:
    """Kill ``process`` at a random moment; returns how the trial ended.

    Four times in ten the moment is uniform over a run's usual length; otherwise it is a random
    instant after the sandbox stored this run's first write (or saw more requests than the
    reference pull makes), which is when documents are in flight.
    """
    started = time.monotonic()
    counters = sandbox.stats()
    requests0 = counters["counters"].get("api_requests", 0)
    writes0 = counters["request_ids"]
    if rng.random() < 0.4:
        moment = started + rng.uniform(0.2, 3.5)
        while time.monotonic() < moment and process.poll() is None:
            time.sleep(0.005)
    else:
        while process.poll() is None and time.monotonic() - started < 15:
            now = sandbox.stats()
            if now["request_ids"] > writes0 or now["counters"].get("api_requests", 0) > requests0 + PULL_REQUESTS:
                time.sleep(rng.uniform(0, 0.25))
                break
            time.sleep(0.002)
    if process.poll() is not None:
        process.communicate()
        return f"finished:{process.returncode}"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    return "killed"


def test_sigkill_at_random_moments_never_duplicates_or_loses(book, book_path, run_cli, cli_env, tmp_path,
                                                             record_property) -> None:
    """After ≥ 50 SIGKILLed syncs and one clean one, every approved expense is in QBO exactly once."""
    rng = random.Random(SEED)
    faults = FaultConfig(error_5xx_rate=0.05, drop_rate=0.05, lost_after_commit_rate=0.15, latency_ms=15, seed=SEED)
    began = time.monotonic()
    with QboSandbox(time_scale=60, faults=faults) as sandbox:
        publish(book)
        approved_expenses(book, _expenses(rng, 0, FIRST_BATCH), template=False)
        connected = run_cli("connect", book_path, "--provider", "qbo", "--base-url", sandbox.base_url)
        assert connected.returncode == 0, connected.stderr
        settings = run_cli("sync", book_path, "--set", "time_scale=60", "--set", "batch_size=8",
                           "--set", "max_attempts=2")
        assert settings.returncode == 0, settings.stderr
        outcomes: Counter[str] = Counter()
        trial = 0
        # Runs that end on their own before the kill (or cannot start under the faults) do not count.
        while outcomes["killed"] < TRIALS and trial < TRIALS * 2:
            approved_expenses(book, _expenses(rng, FIRST_BATCH + trial * PER_TRIAL, PER_TRIAL), template=False)
            outcomes[_kill_when(_spawn(cli_env, book_path), sandbox, rng)] += 1
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
    with book.read() as session:
        approved = session.scalar(sa.select(sa.func.count()).select_from(Expense)
                                  .where(Expense.status != ExpenseStatus.IMPORTED))
        posted_expenses = session.scalar(sa.select(sa.func.count()).select_from(Expense)
                                         .where(Expense.status == ExpenseStatus.POSTED))
        rows = dict(session.execute(sa.select(OutboxItem.doc_number, OutboxItem.remote_id)
                                    .where(OutboxItem.status == OutboxStatus.POSTED)).all())
        others = session.scalar(sa.select(sa.func.count()).select_from(OutboxItem)
                                .where(OutboxItem.status.not_in([OutboxStatus.POSTED, OutboxStatus.SUPERSEDED])))
    duplicates = sum(n - 1 for n in numbers.values())
    missing = sum(1 for number in rows if number not in remote) + (approved - posted_expenses)
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
