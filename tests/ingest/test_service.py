"""The import service on a real encrypted book: one transaction, the ledger, strict mode, previews."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bookbridge.core.errors import UsageError
from bookbridge.ingest.pipeline import ImportCancelled

from ingest_helpers import (
    count,
    expensify_csv,
    logical_content,
    many_rows_csv,
    rows,
    run_import,
    run_preview,
    write,
)

COFFEE = "2024-03-02 08:30:00,Blue Bottle,4.50,5814,Meals,,team coffee,Yes,,,"
FUEL = "2024-03-01 08:00:00,SHELL OIL #12345,85.40,5542,Fuel,Truck 12,,No,USD,85.40,https://x.test/r.jpg"
NO_DATE = ",Nowhere,1.00,5542,Fuel,,,No,,,"


def test_rows_land_with_batch_ledger_state_and_audit(book, tmp_path: Path) -> None:
    """An import writes expenses, fields, one ledger decision per row, the source state and one audit entry."""
    result = run_import(book, expensify_csv(tmp_path / "e.csv", FUEL, COFFEE))
    assert (result.new, result.duplicates, result.conflicts, result.rejected) == (2, 0, 0, 0)
    assert count(book, "expenses") == 2
    assert rows(book, "SELECT source_line, fields_json FROM expenses ORDER BY source_line") == [
        (2, '{"mcc":"5542","tag":"Truck 12"}'), (3, '{"mcc":"5814"}')]  # an empty Tag is no field
    assert rows(book, "SELECT line, outcome, rule, expense_id IS NOT NULL, decided_at IS NOT NULL "
                      "FROM dedupe_decisions ORDER BY line") == [
        (2, "new", "content+occurrence:new", 1, 1), (3, "new", "content+occurrence:new", 1, 1)]
    assert rows(book, "SELECT source_system, last_batch_id FROM source_states") == [("expensify", result.batch_id)]
    (action, detail), = rows(book, "SELECT action, detail_json FROM audit_log")
    assert action == "import.completed" and json.loads(detail)["new"] == 2
    assert rows(book, "SELECT status, rows_read, new_count FROM import_batches") == [("completed", 2, 2)]


def test_two_identical_rows_are_both_kept_and_reimport_adds_nothing(book, tmp_path: Path) -> None:
    """Two genuine coffees land as two expenses; importing the file again adds none."""
    path = expensify_csv(tmp_path / "e.csv", COFFEE, COFFEE, FUEL)
    first = run_import(book, path)
    second = run_import(book, path)
    assert (first.new, second.new, second.duplicates) == (3, 0, 3)
    assert rows(book, "SELECT occurrence_index FROM expenses WHERE vendor_raw = 'Blue Bottle' ORDER BY id") == [(0,), (1,)]
    assert count(book, "expenses") == 3 and count(book, "dedupe_decisions", "WHERE outcome = 'duplicate'") == 3


def test_overlapping_export_adds_only_what_is_new(book, tmp_path: Path) -> None:
    """A later export repeating earlier rows (in another order) lands only the new ones."""
    run_import(book, expensify_csv(tmp_path / "jan.csv", COFFEE, FUEL))
    later = run_import(book, expensify_csv(tmp_path / "feb.csv", FUEL, "2024-03-09 10:00:00,Uber,18.20,4121,Travel,,,Yes,,,",
                                           COFFEE))
    assert (later.new, later.duplicates) == (1, 2)


def test_same_source_id_with_new_content_is_a_conflict_keeping_both(book, tmp_path: Path) -> None:
    """A changed TMS record is kept beside the first version, flagged, and the first is untouched."""
    first = write(tmp_path / "1.json", '[{"record_id": "F-1", "date": "2024-03-01", "type": "fuel", '
                                       '"vendor": "Shell", "amount": 85.40}]')
    second = write(tmp_path / "2.json", '[{"record_id": "F-1", "date": "2024-03-01", "type": "fuel", '
                                        '"vendor": "Shell", "amount": 58.40}]')
    run_import(book, first)
    before = rows(book, "SELECT * FROM expenses WHERE id = 1")
    result = run_import(book, second)
    again = run_import(book, second)
    assert (result.conflicts, again.conflicts, again.duplicates) == (1, 0, 1)
    assert rows(book, "SELECT * FROM expenses WHERE id = 1") == before
    assert rows(book, "SELECT amount_minor, status, conflict_with_id FROM expenses ORDER BY id") == [
        (8540, "imported", None), (5840, "conflict", 1)]
    assert rows(book, "SELECT outcome, rule, matched_expense_id FROM dedupe_decisions ORDER BY id") == [
        ("new", "source_id:new", None), ("conflict", "source_id:content_differs", 1),
        ("duplicate", "source_id:known_version", 2)]


def test_rejected_rows_are_recorded_with_their_raw_text(book, tmp_path: Path) -> None:
    """A row with an error does not land; its reason and its raw row are kept in import_issues."""
    result = run_import(book, expensify_csv(tmp_path / "e.csv", FUEL, NO_DATE))
    assert (result.new, result.rejected, result.exit_code) == (1, 1, 1)
    (line, severity, field, code, raw), = rows(book, "SELECT line, severity, field, code, raw FROM import_issues "
                                                     "WHERE severity = 'error'")
    assert (line, severity, field, code) == (3, "error", "date", "missing_date")
    assert json.loads(raw)["Merchant"] == "Nowhere"


def test_strict_rejects_the_whole_file_but_records_why(book, tmp_path: Path) -> None:
    """--strict with one bad row lands nothing, marks the batch rejected and keeps the errors."""
    result = run_import(book, expensify_csv(tmp_path / "e.csv", FUEL, COFFEE, NO_DATE), strict=True)
    assert result.strict_rejected and result.exit_code == 1 and result.new == 0
    assert count(book, "expenses") == 0 and count(book, "dedupe_decisions") == 0 and count(book, "vendors") == 0
    assert rows(book, "SELECT status, rejected_count FROM import_batches") == [("rejected", 1)]
    assert rows(book, "SELECT code, raw IS NOT NULL FROM import_issues") == [("missing_date", 1)]
    assert count(book, "source_states") == 0
    assert rows(book, "SELECT action FROM audit_log") == [("import.rejected",)]


def test_strict_with_a_clean_file_imports_normally(book, tmp_path: Path) -> None:
    """--strict changes nothing when every row is valid."""
    result = run_import(book, expensify_csv(tmp_path / "e.csv", FUEL, COFFEE), strict=True)
    assert (result.new, result.strict_rejected, result.exit_code) == (2, False, 0)


def test_preview_reports_each_row_and_writes_nothing(book, tmp_path: Path) -> None:
    """The preview returns frozen per-row outcomes (new, duplicate, error with reason) and leaves the book as it was."""
    run_import(book, expensify_csv(tmp_path / "old.csv", FUEL))
    before = logical_content(book)
    preview = run_preview(book, expensify_csv(tmp_path / "e.csv", FUEL, COFFEE, COFFEE, NO_DATE))
    assert logical_content(book) == before
    assert [(o.line, o.status) for o in preview.rows] == [(2, "duplicate"), (3, "new"), (4, "new"), (5, "error")]
    assert preview.rows[0].matched_expense_id == 1 and preview.rows[3].issues[0].code == "missing_date"
    assert preview.dry_run and preview.batch_id is None and (preview.new, preview.duplicates) == (2, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        preview.rows[0].status = "new"  # type: ignore[misc]


def test_preview_points_repeats_inside_the_file_at_their_line(book, tmp_path: Path) -> None:
    """A repeated source id in one file is a duplicate of an earlier line (no expense id exists yet)."""
    feed = write(tmp_path / "f.json", '[{"record_id": "T-1", "date": "2024-03-01", "type": "toll", "amount": 3},'
                                      ' {"record_id": "T-1", "date": "2024-03-01", "type": "toll", "amount": 3}]')
    preview = run_preview(book, feed)
    assert (preview.rows[1].status, preview.rows[1].matched_line, preview.rows[1].matched_expense_id) == (
        "duplicate", 1, None)


def test_interrupt_mid_import_leaves_the_book_as_it_was(book, tmp_path: Path) -> None:
    """Ctrl-C after thousands of rows were written rolls every one of them back."""
    run_import(book, expensify_csv(tmp_path / "seed.csv", FUEL))
    before = logical_content(book)
    written = []

    def interrupt(rows_read: int) -> None:
        written.append(rows_read)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(book, many_rows_csv(tmp_path / "big.csv", 5000), progress=interrupt)
    assert written == [2000]
    assert logical_content(book) == before


def test_cancel_rolls_back_and_says_so(book, tmp_path: Path) -> None:
    """A cancel request raises ImportCancelled and nothing from the file remains."""
    before = logical_content(book)
    with pytest.raises(ImportCancelled, match="nothing was saved"):
        run_import(book, many_rows_csv(tmp_path / "big.csv", 2500), cancel=lambda: True)
    assert logical_content(book) == before


def test_edited_row_from_a_source_without_ids_is_flagged_possible_duplicate(book, tmp_path: Path) -> None:
    """A re-exported row whose memo changed lands (new key) but is flagged against the earlier expense."""
    run_import(book, expensify_csv(tmp_path / "a.csv", COFFEE))
    edited = COFFEE.replace("team coffee", "client coffee")
    result = run_import(book, expensify_csv(tmp_path / "b.csv", edited))
    assert result.new == 1 and [w.code for w in result.warnings] == ["possible_duplicate"]
    assert "#1" in result.warnings[0].message
    assert rows(book, "SELECT review_flags FROM expenses WHERE id = 2") == [('["possible_duplicate"]',)]


def test_a_genuine_extra_occurrence_is_not_flagged(book, tmp_path: Path) -> None:
    """A second identical coffee in a later file matches nothing new-looking: the first is accounted for."""
    run_import(book, expensify_csv(tmp_path / "a.csv", COFFEE))
    result = run_import(book, expensify_csv(tmp_path / "b.csv", COFFEE, COFFEE))
    assert (result.new, result.duplicates) == (1, 1) and result.warnings == ()


def test_sources_keep_separate_keys(book, tmp_path: Path) -> None:
    """The same row from two sources is two expenses; a bad source name is refused."""
    path = expensify_csv(tmp_path / "e.csv", COFFEE)
    run_import(book, path, source="card-a")
    assert run_import(book, path, source="card-b").new == 1
    with pytest.raises(UsageError, match="Source name"):
        run_import(book, path, source="Card A!")


def test_file_level_warnings_are_recorded(book, data_dir: Path) -> None:
    """The encoding fallback and a skipped preamble are recorded as warnings without a line."""
    with book.unit_of_work() as session:
        from bookbridge.ingest.profiles import save_profile

        save_profile(session.connection(), "sparkasse", {
            "columns": {"date": ["Buchungstag"], "vendor": ["Empfänger"], "amount": ["Betrag"],
                        "currency": ["Währung"], "memo": ["Verwendungszweck"]},
            "date_formats": ["%d.%m.%Y"], "decimal_sep": ",", "thousands_sep": ".", "amount_sign": "expense_negative"})
    result = run_import(book, data_dir / "bank_de_cp1252.csv", profile="sparkasse")
    assert rows(book, "SELECT code FROM import_issues WHERE line IS NULL ORDER BY id") == [
        ("encoding_fallback",), ("preamble_skipped",)]
    assert (result.new, result.rejected, result.encoding) == (4, 1, "cp1252")
    assert rows(book, "SELECT vendor_raw, amount_minor FROM expenses ORDER BY id")[1] == ("Aral Tankstelle 4711", 123456)


def test_a_busy_book_is_a_clear_error_and_nothing_lands(book, tmp_path: Path, monkeypatch, cli_env) -> None:
    """While another connection holds the write lock, the import stops with a message, not a traceback."""
    from bookbridge.core.errors import BookError
    from bookbridge.store import engine
    from bookbridge.store.book import open_book

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 200)  # do not wait the real 15 s in a test
    holder = engine.connect_raw(book.path, cli_env["BOOKBRIDGE_PASSPHRASE"])
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_book(book.path, cli_env["BOOKBRIDGE_PASSPHRASE"]) as other:
            with pytest.raises(BookError, match="Another program is writing"):
                run_import(other, expensify_csv(tmp_path / "e.csv", FUEL))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert count(book, "import_batches") == 0
