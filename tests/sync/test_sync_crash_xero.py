"""The sync engine of issue 5, unchanged, against the Xero sandbox: the SIGKILL crash test and the dry run.

Crash test: as ``test_sync_crash.py`` does for QBO, the real ``bookbridge sync`` process is killed
at random moments (at least 20 times) while the sandbox injects 5xx answers, dropped connections
and answers lost after commit (also queued on purpose every third trial); then faults are switched off and one sync runs to the end. Every
approved expense must be in Xero exactly once, none missing, and the book's remote ids must be
Xero's. Xero forgets an ``Idempotency-Key`` after about six minutes, so the sandbox here keeps keys
for 8 s and the connection's replay window is set to 3 s: runs starting soon after a kill resend
with the same key (Xero replays), later ones look the document up by key first. Both paths run.

The template differs from QBO's only where Xero does: no ``class`` dimension (Xero tracks with
tracking categories, which mapping templates cannot name yet).

Needs the real keyring (the child process reads its tokens there): run through `make test`.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bookbridge.connectors import jsonwire
from bookbridge.core import clock
from bookbridge.sandbox.xero import FaultConfig, XeroSandbox
from bookbridge.store.models import Connection, Expense, ExpenseStatus, OutboxItem, OutboxStatus
from bookbridge.sync.runner import SyncOptions, run_sync
from crash_harness import counter_grew, kill_at_random, random_expenses, spawn_sync
from sync_book import approved_expenses, publish
from xero_testkit import spec

TRIALS = int(os.environ.get("BOOKBRIDGE_XERO_CRASH_TRIALS", "20"))
FIRST_BATCH = 24
PER_TRIAL = 4
SEED = int(os.environ.get("BOOKBRIDGE_CRASH_SEED", "20260302"))
PULL_REQUESTS = 13  # reference pull (8) and change feed (5) of the seeded organisation, before any write
IDEMPOTENCY_SECONDS = 8.0
REPLAY_WINDOW_HOURS = 3.0 / 3600

XERO_TEMPLATE = """\
template: Sandbox trucking (Xero)
effective_from: 2024-01-01
credit_accounts: {company_card: "2110", reimbursable: "2300", bank: "1000", cash: "1000"}
mappings:
  - category: Fuel
    account: "6200"
  - category: Tolls
    account: "6210"
  - category: Meals
    account: "6110"
  - category: Lodging
    account: "6120"
  - category: Old lease
    account: "6950"
"""

needs_keyring = pytest.mark.skipif(os.environ.get("BOOKBRIDGE_TEST_KEYRING") != "1",
                                   reason="needs the real Secret Service keyring: run through `make test`")








def _expenses(rng: random.Random, start: int, n: int) -> list[dict]:
    return random_expenses(rng, start, n)


def _in_flight(sandbox: XeroSandbox):
    """In flight once Xero saw a write, or more requests than the reference pull."""
    writes = counter_grew(lambda: sandbox.stats()["counters"].get("api_writes", 0))
    requests = counter_grew(lambda: sandbox.stats()["counters"].get("api_requests", 0), PULL_REQUESTS)
    return lambda: writes() or requests()


def _number(journal: dict) -> str:
    """Our document number: the first word of the Narration (manual journals have no number field)."""
    return str(journal["Narration"]).split()[0]


@pytest.mark.slow
@needs_keyring
@pytest.mark.xfail(
    strict=False,
    reason="known intermittent bug (issue 8 open): after SIGKILLs against Xero a final clean sync can "
    "record a few expenses as posted that Xero does not hold ('missing'); suspected in matching bulk "
    "answers to documents by position. Duplicates have never been seen.",
)
def test_sigkill_at_random_moments_never_duplicates_or_loses_in_xero(book, book_path, run_cli, cli_env, tmp_path,
                                                                     record_property) -> None:
    """After ≥ 20 SIGKILLed syncs against Xero and one clean one, every approved expense is there exactly once."""
    rng = random.Random(SEED)
    faults = FaultConfig(error_5xx_rate=0.05, drop_rate=0.05, lost_after_commit_rate=0.15, latency_ms=15, seed=SEED)
    began = time.monotonic()
    with XeroSandbox(time_scale=60, faults=faults, idempotency_window=IDEMPOTENCY_SECONDS) as sandbox:
        publish(book, XERO_TEMPLATE)
        approved_expenses(book, _expenses(rng, 0, FIRST_BATCH), template=False)
        connected = run_cli("connect", book_path, "--provider", "xero", "--base-url", sandbox.base_url)
        assert connected.returncode == 0, connected.stderr
        settings = run_cli("sync", book_path, "--set", "time_scale=60", "--set", "batch_size=4", "--set", "max_attempts=2",
                           "--set", f"replay_window_hours={REPLAY_WINDOW_HOURS}")
        assert settings.returncode == 0, settings.stderr
        outcomes: Counter[str] = Counter()
        trial = 0
        while outcomes["killed"] < TRIALS and trial < TRIALS * 2:
            approved_expenses(book, _expenses(rng, FIRST_BATCH + trial * PER_TRIAL, PER_TRIAL), template=False)
            if trial % 3 == 1:
                # Reads outnumber writes, so random draws seldom lose a write's answer: lose one on purpose.
                sandbox.faults.update({"queue": ["lost_after_commit"]})
            outcomes[kill_at_random(spawn_sync(cli_env, book_path), rng, lambda: _in_flight(sandbox))] += 1
            trial += 1
        posted_during_trials = sandbox.stats()["entities"].get("ManualJournals", 0)
        sandbox.faults.update({"error_5xx_rate": 0.0, "drop_rate": 0.0, "lost_after_commit_rate": 0.0, "latency_ms": 0})
        final = run_cli("sync", book_path, "--json", timeout=300)
        assert final.returncode == 0, final.stdout + final.stderr
        journals = sandbox.store.all("ManualJournals")
        stats = sandbox.stats()
    numbers = Counter(_number(j) for j in journals)
    remote = {_number(j): j["ManualJournalID"] for j in journals}
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
    counters = stats["counters"]
    result = {"trials": trial, "kills": outcomes["killed"], "outcomes": dict(outcomes), "approved_expenses": approved,
              "posted_during_killed_runs": posted_during_trials, "manual_journals": len(journals),
              "duplicates": duplicates, "missing": missing,
              "lost_after_commit": counters.get("fault_lost_after_commit", 0), "dropped": counters.get("fault_drop", 0),
              "server_errors": sum(v for k, v in counters.items() if k.startswith("fault_5")),
              "replays": counters.get("replays", 0), "lookups": counters.get("api_filtered_reads", 0),
              "throttled": counters.get("throttled", 0),
              "seconds": round(time.monotonic() - began, 1)}
    record_property("crash_test_xero", json.dumps(result))
    print("xero crash test:", json.dumps(result))
    (tmp_path / "crash-result-xero.json").write_text(json.dumps(result))
    assert outcomes["killed"] >= TRIALS, outcomes
    assert duplicates == 0 and missing == 0 and others == 0, result
    assert len(journals) == len(rows) == approved
    assert all(remote[number] == remote_id for number, remote_id in rows.items())


# --- the dry run (no keyring needed: the tokens stay in memory) ------------------------------------


def _connect_in_memory(book, sandbox):
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect
    from bookbridge.connectors.registry import provider
    from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore

    store = MemoryTokenStore()
    result = connect(provider("xero"), base_url=sandbox.base_url, client=ClientCredentials("dry-run-app"), store=store,
                     open_url=open_without_browser())
    with book.unit_of_work() as session:
        session.add(Connection(name="main", provider="xero", base_url=result.base_url, company_ref=result.company_id,
                               status="connected", settings_json=json.dumps({"time_scale": 100}),
                               token_expires_at=result.token_expires_at, created_at=clock.now()))
    return store


def test_dry_run_previews_the_exact_manual_journals_and_sends_nothing(book) -> None:
    """A dry run shows each ManualJournal payload (signed lines, our key in Url) and posts nothing; the real
    run then sends byte for byte those payloads, which Xero's official schema accepts."""
    with XeroSandbox(limits=False) as sandbox:
        store = _connect_in_memory(book, sandbox)
        publish(book, XERO_TEMPLATE)
        approved_expenses(book, [dict(day=date(2026, 3, 2), category="Fuel", amount="120.40"),
                                 dict(day=date(2026, 3, 3), category="Tolls", amount="7.25")], template=False)
        seen: list[dict] = []
        report = run_sync(book, SyncOptions(token_store=store, dry_run=True, on_payload=seen.append))
        assert report.summary()["would_post"] == 2 and report.summary()["posted"] == 0
        assert sandbox.store.all("ManualJournals") == [] and sandbox.stats()["counters"].get("api_writes", 0) == 0
        for preview in seen:
            payload = preview["payload"]
            amounts = [line["LineAmount"] for line in payload["JournalLines"]]
            assert sum(amounts) == 0 and amounts[0] > 0 > amounts[1]
            assert payload["Url"].endswith(preview["key"]) and payload["Narration"].startswith(preview["doc_number"])
            assert spec().validate("#/components/schemas/ManualJournals", {"ManualJournals": [payload]}) == []
        assert sorted(line["LineAmount"] for p in seen for line in p["payload"]["JournalLines"] if line["LineAmount"] > 0) \
            == [Decimal("7.25"), Decimal("120.40")]
        real = run_sync(book, SyncOptions(token_store=store))
        journals = sandbox.store.all("ManualJournals")
    assert real.summary()["posted"] == 2 and len(journals) == 2
    with book.read() as session:
        stored = {r.key: r.payload_json for r in session.scalars(sa.select(OutboxItem))}
    assert {p["key"]: jsonwire.dumps(p["payload"]) for p in seen} == stored
    assert {j["Url"] for j in journals} == {p["payload"]["Url"] for p in seen}
