"""Property: importing a file again, or the same rows in another order, adds nothing (real book)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbridge.store.book import Book, create_book

from ingest_helpers import count, expensify_csv, run_import

_sources = itertools.count()

row = st.builds(
    lambda day, merchant, cents, memo, flag: f"2024-03-{day:02d} 08:00:00,{merchant},{cents // 100}.{cents % 100:02d},"
                                             f"5814,Meals,,{memo},{flag},,,",
    st.integers(1, 3), st.sampled_from(["Blue Bottle", "BLUE BOTTLE #12", "Shell Oil 1", '"Smith, Jones"']),
    st.sampled_from([450, 8540, 0, 12]), st.sampled_from(["", "team", '"a, b"']), st.sampled_from(["Yes", "No"]),
)


@pytest.fixture(scope="module")
def shared_book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """One book for all examples; each example imports under its own source name."""
    with create_book(tmp_path_factory.mktemp("idem") / "b.bbk", "idempotence test pass", company="P") as book:
        yield book


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=12), data=st.randoms(use_true_random=False))
def test_reimport_and_reordering_add_nothing(shared_book: Book, tmp_path: Path, rows: list[str], data) -> None:
    """Every row lands once; the same file again, or shuffled, adds no expense."""
    source = f"prop-{next(_sources)}"
    path = expensify_csv(tmp_path / f"{source}.csv", *rows)
    first = run_import(shared_book, path, source=source)
    assert first.new == len(rows) and first.rejected == 0
    shuffled = list(rows)
    data.shuffle(shuffled)
    again = run_import(shared_book, path, source=source)
    reordered = run_import(shared_book, expensify_csv(tmp_path / f"{source}-b.csv", *shuffled), source=source)
    assert (again.new, again.duplicates) == (0, len(rows))
    assert (reordered.new, reordered.duplicates) == (0, len(rows))
    assert count(shared_book, "expenses", f"WHERE source_system = '{source}'") == len(rows)
