"""Import throughput: a 100,000-row Expensify CSV, imported once and then again.

Prints rows/s for the first import and for the re-import (all duplicates), and each one's peak
resident memory. Each import runs in its own child process, so the peak RSS is that import's own
(resource.getrusage(RUSAGE_SELF) of the child). Targets on one core (issue 2, section 6): first
import under 3 s (>= 33,000 rows/s), re-import under 2 s, peak memory under 300 MB. This prints
figures; it is not a pass/fail test.

Usage: .venv/bin/python benchmarks/import_bench.py [--rows N] [--keep DIR] [--repeat N]

With --repeat N the pair (fresh book, first import, re-import) runs N times and each figure is
the median of the N, with the best in brackets: on a machine shared with other work the lowest
CPU time is the one least disturbed. Rates are given per wall second and per CPU second.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

PASSPHRASE = "benchmark passphrase"
HEADER = ["Timestamp", "Merchant", "Amount", "MCC", "Category", "Tag", "Comment", "Reimbursable",
          "Original Currency", "Original Amount", "Receipt"]
MERCHANTS = ["SHELL OIL #{n}", "Shell Oil {n}", "CHEVRON {n}", "Pilot Travel Center #{n}", "LOVE'S #{n}",
             "Blue Bottle Coffee", "STARBUCKS STORE {n}", "Home Depot #{n}", "Amazon.com", "Uber Trip",
             "Delta Air Lines", "Marriott Hotels", "SQ *TACO TRUCK", "Staples Inc.", "FedEx Office {n}"]
CATEGORIES = ["Fuel", "Meals", "Travel", "Lodging", "Office Supplies", "Tolls", "Maintenance", "Parking", ""]
MCC = {"Fuel": "5542", "Meals": "5812", "Travel": "4511", "Lodging": "7011", "Office Supplies": "5943",
       "Tolls": "4784", "Maintenance": "7538", "Parking": "7523", "": ""}


def generate(path: Path, rows: int, seed: int = 2) -> None:
    """A deterministic Expensify export with realistic variety (and some identical rows)."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 6, 0, 0)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            when = start + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            merchant = rng.choice(MERCHANTS).format(n=rng.randrange(1000, 99999))
            category = rng.choice(CATEGORIES)
            cents = -rng.randrange(100, 20000) if rng.random() < 0.02 else rng.randrange(100, 60000)  # 2% refunds
            amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
            euro = rng.random() < 0.1
            out.writerow([
                when.strftime("%Y-%m-%d %H:%M:%S"), merchant, amount, MCC[category], category,
                f"Truck {rng.randrange(1, 40)}" if rng.random() < 0.5 else "",
                f"trip {i % 997}" if rng.random() < 0.3 else "",
                "Yes" if rng.random() < 0.3 else "No",
                "EUR" if euro else "USD", amount,
                f"https://www.expensify.com/receipts/{i:08d}.jpg" if rng.random() < 0.5 else "",
            ])


def child(book: str, csv_path: str) -> None:
    """Run one import in this process and print its figures as JSON."""
    import resource

    from bookbridge.ingest.service import ImportOptions, import_file
    from bookbridge.store.book import open_book

    with open_book(Path(book), PASSPHRASE) as opened:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_file(opened, ImportOptions(Path(csv_path), profile="expensify", actor="benchmark"))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({
        "seconds": seconds, "cpu_seconds": cpu, "rows": result.rows_read, "new": result.new, "duplicates": result.duplicates,
        "rejected": result.rejected, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def measure(book: Path, csv_path: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", str(book), str(csv_path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"import child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("--repeat", type=int, default=1, help="run N times and print the best of each figure")
    parser.add_argument("--child", nargs=2, metavar=("BOOK", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from bookbridge.store.book import create_book

    work = args.keep or Path(tempfile.mkdtemp(prefix="bookbridge-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path, book = work / "expensify.csv", work / "bench.bbk"
    generate(csv_path, args.rows)
    load = os.getloadavg()[0]
    print(f"CSV: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB; CPU cores: {os.cpu_count()}; "
          f"load average {load:.2f} (wall times are only meaningful on an idle machine)")
    runs: dict[str, list[dict[str, float]]] = {}
    for _ in range(max(1, args.repeat)):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{book}{suffix}").unlink(missing_ok=True)
        create_book(book, PASSPHRASE, company="Benchmark Freight", home_currency="USD").close()
        for label in ("first import", "re-import"):
            runs.setdefault(label, []).append(measure(book, csv_path))
    for label, all_figures in runs.items():
        figures = dict(all_figures[-1])
        best = {name: min(f[name] for f in all_figures) for name in ("seconds", "cpu_seconds", "peak_rss_mb")}
        for name in best:
            figures[name] = statistics.median(f[name] for f in all_figures)
        rate, cpu_rate = figures["rows"] / figures["seconds"], figures["rows"] / figures["cpu_seconds"]
        print(f"{label:<13} {figures['seconds']:6.2f} s wall [{best['seconds']:.2f}] ({figures['cpu_seconds']:5.2f} s CPU "
              f"[{best['cpu_seconds']:.2f}])  {rate:9,.0f} rows/s ({cpu_rate:,.0f} per CPU second)  peak RSS "
              f"{figures['peak_rss_mb']:6.1f} MB  (new {figures['new']:,}, duplicates {figures['duplicates']:,}, "
              f"rejected {figures['rejected']:,})")
    print(f"load average now {os.getloadavg()[0]:.2f}")
    print(f"book: {book.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
