"""GUI responsiveness on a 100,000-expense book: open, show the Expenses page, scroll, sort.

Creates the book with fast bulk inserts (``tests/ui/book_seed.py``), then, offscreen, measures:

* opening the book (passphrase check, key derivation, schema check: the store's cost);
* from an open book to the window showing the Expenses page with its first rows (target < 1 s),
  and until the total count is known;
* scrolling to the bottom the way a view does (fetching chunk by chunk as it goes);
* sorting all 100,000 rows by amount (typed, in SQL, on a worker);
* during each of those, the longest stall of the GUI event loop, seen by a 5 ms QTimer probe.

The stall during a 2,000-item sync (issue 7 §4) is not measured yet: it belongs with the Sync page,
which is not built (``sync.runner.run_sync`` reports progress as text lines and takes no cancel,
so it will need a small adapter to the task runner's ``fn(progress, cancel)``). This prints
figures; it is not a pass/fail test.

Usage: .venv/bin/python benchmarks/gui_bench.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the seeder lives with the GUI tests

PASSPHRASE = "benchmark passphrase"


class StallProbe:
    """Counts the longest gap between ticks of a fast timer: how long the GUI could not react."""

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.longest = 0.0
        self._last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def __enter__(self) -> "StallProbe":
        self.longest = 0.0
        self._last = time.perf_counter()
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._tick()
        self.timer.stop()


def wait_until(app, condition, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def make_book(path: Path, rows: int) -> float:
    from bookbridge.store.book import create_book
    from tests.ui.book_seed import seed_expenses

    started = time.perf_counter()
    with create_book(path, PASSPHRASE, company="Benchmark Haulage", home_currency="USD") as book:
        seed_expenses(book, rows)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="reuse (or create and keep) the book in this folder")
    args = parser.parse_args()

    # Fresh Qt settings: a column sort or window state saved by an earlier run (or by the user's
    # own Bookbridge) would change what is measured, and the run must not change theirs either.
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="bookbridge-gui-bench-config-")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bookbridge-gui-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gui-bench-{args.rows}.bbk"
    if not path.exists():
        seconds = make_book(path, args.rows)
        print(f"created a {args.rows:,}-expense book in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)")

    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import QApplication

    from bookbridge.ui.app import create_application, freeze_startup_objects
    from bookbridge.ui.main_window import MainWindow
    from bookbridge.ui.models.expense_query import Column
    from bookbridge.store.book import open_book

    app = create_application([])
    freeze_startup_objects()  # as run_app does once the window is up
    started = time.perf_counter()
    book = open_book(path, PASSPHRASE)
    open_seconds = time.perf_counter() - started

    with StallProbe() as probe_open:
        started = time.perf_counter()
        window = MainWindow()
        window.resize(1280, 800)
        window.show()
        page = window.go_to("expenses")
        window.set_book(book)
        wait_until(app, lambda: page.model.rowCount() > 0 and not page.model.loading)
        shown = time.perf_counter() - started
        wait_until(app, lambda: page.model.total is not None)
        counted = time.perf_counter() - started
    total = page.model.total

    with StallProbe() as probe_scroll:
        started = time.perf_counter()
        fetches = 0
        while page.model.rowCount() < total:
            before = page.model.rowCount()
            page.table.scrollToBottom()  # the view asks for more when its last row shows
            app.processEvents()
            if page.model.rowCount() == before and page.model.canFetchMore(QModelIndex()):
                page.model.fetchMore(QModelIndex())  # offscreen views can skip the request
            fetches += page.model.rowCount() > before
        scrolled = time.perf_counter() - started

    with StallProbe() as probe_sort:
        started = time.perf_counter()
        page.table.sortByColumn(Column.AMOUNT, Qt.SortOrder.DescendingOrder)
        wait_until(app, lambda: page.model.sort_order == (Column.AMOUNT, True) and not page.model.loading
                   and page.model.rowCount() > 0)
        sorted_first = time.perf_counter() - started
        wait_until(app, lambda: page.model.total is not None)
        sorted_all = time.perf_counter() - started

    window.close()
    QApplication.processEvents()
    print(f"book: {total:,} expenses in {path}")
    print(f"open the book (passphrase, key derivation, schema check): {open_seconds * 1000:.0f} ms")
    print(f"window shows the Expenses page with its first rows:      {shown * 1000:.0f} ms   (target < 1000 ms)")
    print(f"  ... and the total count is known:                      {counted * 1000:.0f} ms")
    print(f"  longest GUI stall meanwhile:                           {probe_open.longest * 1000:.0f} ms")
    print(f"scroll to the bottom, fetching {fetches} chunks:             {scrolled * 1000:.0f} ms "
          f"({scrolled / max(1, fetches) * 1000:.1f} ms a chunk)")
    print(f"  longest GUI stall meanwhile:                           {probe_scroll.longest * 1000:.0f} ms")
    print(f"sort all rows by amount: first rows {sorted_first * 1000:.0f} ms, full order {sorted_all * 1000:.0f} ms")
    print(f"  longest GUI stall meanwhile:                           {probe_sort.longest * 1000:.0f} ms")
    print("longest GUI stall during a 2,000-item sync: not measured (the Sync page is not built yet)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
