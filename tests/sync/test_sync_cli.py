"""`bookbridge sync` as a real child process: connect (tokens in the real keyring), sync, exit codes."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest

from sync_book import approved_expenses, connect

REAL_KEYRING = os.environ.get("BOOKBRIDGE_TEST_KEYRING") == "1"
needs_keyring = pytest.mark.skipif(
    not REAL_KEYRING,
    reason="needs the real Secret Service keyring: run through `make test` (packaging/scripts/with-test-keyring.sh)",
)


def _connect(run_cli, book, book_path, sandbox) -> None:
    from bookbridge.sync.connection import update_settings

    done = run_cli("connect", book_path, "--provider", "qbo", "--base-url", sandbox.base_url, "--json")
    assert done.returncode == 0, done.stderr
    update_settings(book, None, {"time_scale": "100"}, actor="test")  # `sync --set` is tested below


def test_sync_without_a_connection_exits_2(book, book_path, run_cli) -> None:
    """A book with no connection cannot start a sync: exit 2 and a message saying what to do."""
    result = run_cli("sync", book_path, "--json")
    assert result.returncode == 2 and "bookbridge connect" in result.stderr and result.stdout == ""


def test_sync_of_a_missing_book_exits_2(tmp_path, run_cli) -> None:
    """A book file that does not exist: exit 2."""
    result = run_cli("sync", tmp_path / "nope.bbk")
    assert result.returncode == 2


@needs_keyring
def test_sync_json_has_exactly_the_documented_keys(book, book_path, run_cli, sandbox) -> None:
    """`sync --json` prints exactly posted/skipped/failed/exceptions/would_post/run_id and exits 0."""
    approved_expenses(book, [dict(day=date(2026, 3, 2), category="Tolls", amount="7.25")])
    _connect(run_cli, book, book_path, sandbox)
    result = run_cli("sync", book_path, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert list(summary) == ["posted", "skipped", "failed", "exceptions", "would_post", "run_id"]
    assert summary["posted"] == 1 and summary["failed"] == 0
    assert sandbox.stats()["entities"]["JournalEntry"] == 1


@needs_keyring
def test_dry_run_prints_payloads_on_stderr_and_sends_nothing(book, book_path, run_cli, sandbox) -> None:
    """`sync --dry-run --json`: the summary on stdout, one payload per line on stderr, nothing posted."""
    approved_expenses(book, [dict(day=date(2026, 3, 2), category="Tolls", amount="7.25"),
                             dict(day=date(2026, 3, 2), category="Meals", amount="18.10")])
    _connect(run_cli, book, book_path, sandbox)
    result = run_cli("sync", book_path, "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["would_post"] == 2
    payloads = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert sorted(p["payload"]["Line"][0]["Amount"] for p in payloads) == [7.25, 18.10]
    assert sandbox.stats()["entities"].get("JournalEntry", 0) == 0


@needs_keyring
def test_failed_items_exit_1(book, book_path, run_cli, sandbox) -> None:
    """A run that queues an item in the exception queue exits 1; the queue lists it."""
    approved_expenses(book, [dict(day=date(2026, 3, 2), category="Ghost", amount="1.00")])
    _connect(run_cli, book, book_path, sandbox)
    result = run_cli("sync", book_path, "--json")
    assert result.returncode == 1 and json.loads(result.stdout)["failed"] == 1
    queue = json.loads(run_cli("exceptions", book_path, "--open", "--json").stdout)
    assert queue["exceptions"][0]["category"] == "mapping"


def test_set_changes_the_connection_settings(book, book_path, run_cli, sandbox) -> None:
    """`sync --set KEY=VALUE` stores a validated setting; an unknown key is refused with exit 2."""
    connect(book, sandbox)  # the connection row only: --set needs no tokens
    changed = run_cli("sync", book_path, "--set", "create_vendors=yes", "--set", "batch_size=10", "--json")
    refused = run_cli("sync", book_path, "--set", "colour=blue")
    assert changed.returncode == 0 and json.loads(changed.stdout)["settings"] == {"batch_size": 10,
                                                                                  "create_vendors": True}
    assert refused.returncode == 2 and "not a sync setting" in refused.stderr


@needs_keyring
def test_two_syncs_at_once_never_post_twice(book, book_path, run_cli, cli_env, sandbox) -> None:
    """Two `bookbridge sync` processes started together: one posts, the other is refused; no duplicate."""
    import subprocess
    import sys
    from collections import Counter

    from sync_book import fuel

    approved_expenses(book, fuel(60))
    _connect(run_cli, book, book_path, sandbox)
    command = [sys.executable, "-m", "bookbridge", "sync", str(book_path), "--json"]
    first, second = (subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2))
    outcomes = sorted((first.wait(timeout=120), second.wait(timeout=120)))
    first.communicate()
    second.communicate()
    numbers = Counter(entry["DocNumber"] for entry in sandbox.store.all("JournalEntry"))
    assert outcomes in ([0, 0], [0, 2])  # refused while the other ran, or started after it finished
    assert len(numbers) == 60 and max(numbers.values()) == 1
