"""What every SIGKILL crash test shares, whatever the accounting system: random expenses, a real
`bookbridge sync` process, and killing it at a random moment.

Each provider's test passes a probe saying when its sandbox has seen documents in flight, since
each sandbox counts writes its own way.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Mapping

import sqlalchemy as sa

from bookbridge.store.models import Expense, ExpenseStatus, OutboxItem, OutboxStatus

UNIFORM_SHARE = 0.4  # four trials in ten die at a uniform moment, the rest while documents are in flight


def random_expenses(rng: random.Random, start: int, n: int, *, fields: dict | None = None) -> list[dict]:
    """``n`` approved-expense specs for sync_book.approved_expenses, spread over March 2026."""
    base = date(2026, 3, 1)
    return [
        dict(day=base + timedelta(days=(start + i) % 28), category=rng.choice(["Fuel", "Tolls", "Meals"]),
             amount=f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}", **({"fields": fields} if fields else {}))
        for i in range(n)
    ]


def spawn_sync(cli_env: dict, book_path: Path) -> subprocess.Popen:
    """Start the real `bookbridge sync BOOK --json` process."""
    return subprocess.Popen([sys.executable, "-m", "bookbridge", "sync", str(book_path), "--json"], env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_at_random(
    process: subprocess.Popen,
    rng: random.Random,
    in_flight: Callable[[], Callable[[], bool]],
    *,
    uniform_until: float = 3.5,
    settle: float = 0.25,
) -> str:
    """SIGKILL ``process`` at a random moment; returns ``"killed"`` or ``"finished:<code>"``.

    Args:
        in_flight: called once at the start, returns a check that turns true once the sandbox has
            seen this run's documents in flight (first write, or more requests than the pull).
        uniform_until: the latest uniform moment, about a run's usual length.
        settle: the kill comes a random instant up to this long after documents are in flight.
    """
    started = time.monotonic()
    moving = in_flight()
    if rng.random() < UNIFORM_SHARE:
        moment = started + rng.uniform(0.2, uniform_until)
        while time.monotonic() < moment and process.poll() is None:
            time.sleep(0.005)
    else:
        while process.poll() is None and time.monotonic() - started < 15:
            if moving():
                time.sleep(rng.uniform(0, settle))
                break
            time.sleep(0.002)
    if process.poll() is not None:
        process.communicate()
        return f"finished:{process.returncode}"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    return "killed"


def counter_grew(read: Callable[[], int], by: int = 0) -> Callable[[], bool]:
    """A check that turns true once ``read()`` exceeds its value now by more than ``by``."""
    start = read()
    return lambda: read() > start + by


@dataclass(frozen=True)
class BookTally:
    """What the book says after the final clean sync: approved and posted expenses, posted documents."""

    approved: int
    posted: int
    rows: dict[str, str]  # doc number -> remote id of every posted outbox row
    others: int  # outbox rows neither posted nor superseded (should be none)

    def missing(self, remote: Mapping[str, str]) -> int:
        """Posted rows the system does not hold, plus approved expenses the book never posted."""
        return sum(1 for number in self.rows if number not in remote) + (self.approved - self.posted)


def tally_book(book) -> BookTally:
    """Count what the book believes it posted, to compare with what the sandbox holds."""
    with book.read() as session:
        approved = session.scalar(sa.select(sa.func.count()).select_from(Expense)
                                  .where(Expense.status != ExpenseStatus.IMPORTED))
        posted = session.scalar(sa.select(sa.func.count()).select_from(Expense)
                                .where(Expense.status == ExpenseStatus.POSTED))
        rows = dict(session.execute(sa.select(OutboxItem.doc_number, OutboxItem.remote_id)
                                    .where(OutboxItem.status == OutboxStatus.POSTED)).all())
        others = session.scalar(sa.select(sa.func.count()).select_from(OutboxItem)
                                .where(OutboxItem.status.not_in([OutboxStatus.POSTED, OutboxStatus.SUPERSEDED])))
    return BookTally(approved, posted, rows, others)


def connect_by_cli(run_cli, book_path: Path, provider: str, base_url: str, *settings: str) -> None:
    """Connect the book to a sandbox and set its sync settings, as a person would from the shell."""
    connected = run_cli("connect", book_path, "--provider", provider, "--base-url", base_url)
    assert connected.returncode == 0, connected.stderr
    options = [arg for setting in ("time_scale=60", "max_attempts=2", *settings) for arg in ("--set", setting)]
    configured = run_cli("sync", book_path, *options)
    assert configured.returncode == 0, configured.stderr
