"""Secondary indexes set aside during a large import into small tables, and always back before commit."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bookbridge.ingest import bulk_indexes
from bookbridge.ingest.bulk_indexes import BulkIndexes, worth_setting_aside
from bookbridge.ingest.pipeline import BULK_TABLES, ImportCancelled, ImportRun
from bookbridge.ingest.results import ImportOptions
from bookbridge.ingest.service import _prepare
from bookbridge.store.book import Book, open_book
from bookbridge.store.models import BatchStatus, ImportBatch

from ingest_helpers import count, expensify_csv, killed_after_first_chunk, logical_content, many_rows_csv, run_import


def schema(book: Book) -> list[tuple[str, str, str, str | None]]:
    """Every index and trigger with its SQL (rootpages left out: a rebuilt index gets new pages)."""
    with book.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name")]


def integrity(book: Book) -> list[str]:
    with book.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]


def index_names(conn: sa.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,))}


def new_batch(conn: sa.Connection) -> int:
    """A batch row for an ImportRun driven directly (the service makes one per import)."""
    return int(conn.execute(sa.insert(ImportBatch).values(
        source_system="expensify", file_name="big.csv", file_sha256="0" * 64, started_at=datetime.now(timezone.utc),
        status=BatchStatus.COMPLETED)).inserted_primary_key[0])


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> int:
    """Set indexes aside from 50 rows, so a test file of a few hundred rows is 'large'."""
    monkeypatch.setattr(bulk_indexes, "MIN_ROWS", 50)
    return 50


@pytest.mark.parametrize(("expected", "before", "worth"), [
    (None, 0, False),            # no estimate (a JSON or XML feed): never
    (49, 0, False),              # under the minimum
    (50, 0, True),
    (100_000, 0, True),          # the first import into a new book
    (100_000, 50_000, True),     # the file at least doubles the table
    (100_000, 50_001, False),
    (100_000, 100_000, False),   # a re-import: the ledger already holds as many rows
])
def test_indexes_are_set_aside_only_for_a_file_at_least_doubling_the_table(
        small_threshold: int, expected: int | None, before: int, worth: bool) -> None:
    assert worth_setting_aside(expected, before) is worth


def test_first_large_import_rebuilds_every_index_exactly(book: Book, tmp_path: Path, small_threshold: int) -> None:
    before = schema(book)
    result = run_import(book, many_rows_csv(tmp_path / "big.csv", 400))
    assert result.new == 400
    assert schema(book) == before  # same names, tables and CREATE text, partial WHERE clauses included
    assert integrity(book) == ["ok"]
    with book.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM expenses WHERE txn_date = '2024-03-03'"))
    assert "ix_expenses_txn_date" in plan  # the rebuilt index answers queries


def test_indexes_are_dropped_during_the_import_and_back_at_its_end(book: Book, tmp_path: Path,
                                                                   small_threshold: int) -> None:
    options = ImportOptions(many_rows_csv(tmp_path / "big.csv", 300))
    prepared = _prepare(book, options)
    with book.unit_of_work() as session:
        conn = session.connection()
        everything = {table: index_names(conn, table) for table in BULK_TABLES}
        run = ImportRun(conn, prepared.source, options, source_name=prepared.source_name, home_currency="USD",
                        settings=prepared.settings, today=date(2026, 11, 21), now=datetime.now(timezone.utc),
                        batch_id=new_batch(conn), write=True, collect_rows=False, expected_rows=300)
        assert run.bulk.set_aside == BULK_TABLES
        during = index_names(conn, "expenses")
        # Only the unique key's constraint index is left: a duplicate key is still refused row by row.
        assert during == {"sqlite_autoindex_expenses_1"}
        assert "ix_expenses_txn_date" in everything["expenses"]
        run.execute()
        assert {table: index_names(conn, table) for table in BULK_TABLES} == everything
        assert run.bulk.set_aside == ()
        session.rollback()


def test_a_small_import_into_a_larger_book_keeps_its_indexes(book: Book, tmp_path: Path,
                                                            small_threshold: int) -> None:
    run_import(book, many_rows_csv(tmp_path / "first.csv", 300))
    options = ImportOptions(many_rows_csv(tmp_path / "more.csv", 400, marker="Other"))
    prepared = _prepare(book, options)
    with book.unit_of_work() as session:
        conn = session.connection()
        run = ImportRun(conn, prepared.source, options, source_name=prepared.source_name, home_currency="USD",
                        settings=prepared.settings, today=date(2026, 11, 21), now=datetime.now(timezone.utc),
                        batch_id=new_batch(conn), write=True, collect_rows=False, expected_rows=400)
        assert run.bulk.set_aside == ()  # 400 rows do not double a table of 300
        assert "ix_expenses_txn_date" in index_names(conn, "expenses")
        session.rollback()


def test_a_cancelled_large_import_leaves_book_and_indexes_unchanged(book: Book, tmp_path: Path,
                                                                     small_threshold: int) -> None:
    before_rows, before_schema = logical_content(book), schema(book)
    calls = []
    with pytest.raises(ImportCancelled):
        run_import(book, many_rows_csv(tmp_path / "big.csv", 5000), cancel=lambda: calls.append(1) or True)
    assert calls  # cancelled after the first chunk, with the indexes set aside
    assert logical_content(book) == before_rows
    assert schema(book) == before_schema
    assert integrity(book) == ["ok"]


def test_a_strict_refusal_of_a_large_file_keeps_every_index(book: Book, tmp_path: Path,
                                                          small_threshold: int) -> None:
    before = schema(book)
    path = many_rows_csv(tmp_path / "big.csv", 300)
    path.write_text(path.read_text() + "not a date,Shell,1.00,5542,Fuel,,,No,,,\n")
    result = run_import(book, path, strict=True)
    assert result.strict_rejected
    assert count(book, "expenses") == 0
    assert schema(book) == before
    assert integrity(book) == ["ok"]


def test_a_json_feed_gives_no_estimate_and_keeps_its_indexes(book: Book, tmp_path: Path, small_threshold: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A feed's line count says nothing about its records (this one is a single line)."""
    seen: list[int | None] = []
    original = BulkIndexes.prepare

    def spy(self: BulkIndexes, tables: tuple[str, ...], expected_rows: int | None) -> None:
        seen.append(expected_rows)
        original(self, tables, expected_rows)

    monkeypatch.setattr(BulkIndexes, "prepare", spy)
    records = ",".join(f'{{"record_id": "F-{i}", "date": "2024-03-{1 + i % 28:02d}", "type": "fuel", '
                       f'"vendor": "Shell", "amount": {i + 1}}}' for i in range(200))
    feed = tmp_path / "feed.json"
    feed.write_text(f"[{records}]")
    before = schema(book)
    assert run_import(book, feed).new == 200
    assert seen == [None]
    assert schema(book) == before


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from bookbridge.ingest import bulk_indexes, service
    from bookbridge.ingest.service import ImportOptions, import_file
    from bookbridge.store.book import open_book

    bulk_indexes.MIN_ROWS = 50          # indexes set aside for this 4,000-row file
    service.IMPORT_CACHE_KIB = 256      # a small page cache spills the dropped schema into the -wal file

    def stall(rows_read):
        print("written", rows_read, flush=True)
        time.sleep(120)

    with open_book(Path(sys.argv[1]), sys.argv[2]) as book:
        import_file(book, ImportOptions(Path(sys.argv[3])), progress=stall)
""")


def test_killed_import_with_indexes_set_aside_reopens_with_every_index(book: Book, tmp_path: Path,
                                                                       cli_env: dict[str, str]) -> None:
    passphrase = cli_env["BOOKBRIDGE_PASSPHRASE"]
    run_import(book, expensify_csv(tmp_path / "seed.csv", "2024-03-01 08:00:00,Shell,85.40,5542,Fuel,,,No,,,"))
    before_rows, before_schema = logical_content(book), schema(book)
    with killed_after_first_chunk(CHILD, str(book.path), passphrase, str(many_rows_csv(tmp_path / "big.csv", 4000))):
        pass  # killed with the first 2,000 rows written and the indexes dropped, all uncommitted
    book.close()
    with open_book(book.path, passphrase) as reopened:
        assert logical_content(reopened) == before_rows
        assert schema(reopened) == before_schema
        assert integrity(reopened) == ["ok"]
