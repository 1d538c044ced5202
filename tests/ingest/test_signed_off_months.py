"""A row dated in a signed-off month is one rejected row with its reason; the rest of the file lands."""

from __future__ import annotations

import json
from pathlib import Path

from bookbridge.reconcile.periods import Period, reopen, signoff
from bookbridge.store.book import Book

from ingest_helpers import count, expensify_csv, rows, run_import, run_preview, write

JANUARY = Period(2024, 1)
JAN_ROW = "2024-01-20 08:00:00,Shell,85.40,5542,Fuel,,,No,,,"
FEB_ROWS = ("2024-02-03 09:15:00,Chevron,61.00,5542,Fuel,,,No,,,",
            "2024-02-04 12:30:00,Blue Bottle Coffee,4.50,5812,Meals,,,Yes,,,")


def sign_off_january(book: Book) -> None:
    signoff(book, JANUARY, actor="Ann Accountant", force=True, reason="test month without statements")


def test_a_row_in_a_signed_off_month_is_rejected_with_line_field_and_reason(book: Book, tmp_path: Path) -> None:
    sign_off_january(book)
    result = run_import(book, expensify_csv(tmp_path / "q1.csv", *FEB_ROWS[:1], JAN_ROW, FEB_ROWS[1]))
    assert (result.new, result.rejected) == (2, 1)
    (error,) = result.errors
    assert (error.line, error.field, error.code) == (3, "date", "period_locked")
    assert "2024-01-20 is in 2024-01, which Ann Accountant signed off" in error.message
    assert "bookbridge period reopen BOOK --period 2024-01" in error.message
    assert rows(book, "SELECT txn_date FROM expenses ORDER BY txn_date") == [("2024-02-03",), ("2024-02-04",)]
    # Nothing lost: the refused row is kept with its raw text, as every rejected row is.
    ((line, code, raw),) = rows(book, "SELECT line, code, raw FROM import_issues WHERE severity = 'error'")
    assert (line, code, json.loads(raw)["Merchant"]) == (3, "period_locked", "Shell")


def test_a_duplicate_of_an_expense_already_in_the_closed_month_is_still_a_duplicate(book: Book,
                                                                                   tmp_path: Path) -> None:
    """Importing a file again after its first month was signed off adds nothing and refuses nothing."""
    path = expensify_csv(tmp_path / "q1.csv", JAN_ROW, *FEB_ROWS)
    assert run_import(book, path).new == 3
    sign_off_january(book)
    again = run_import(book, path)
    assert (again.new, again.duplicates, again.rejected) == (0, 3, 0)


def test_the_preview_shows_the_same_refusal(book: Book, tmp_path: Path) -> None:
    sign_off_january(book)
    preview = run_preview(book, expensify_csv(tmp_path / "q1.csv", JAN_ROW, *FEB_ROWS))
    assert (preview.new, preview.rejected) == (2, 1)
    assert [(r.line, r.status) for r in preview.rows] == [(2, "error"), (3, "new"), (4, "new")]
    assert count(book, "expenses") == 0


def test_a_feed_record_in_a_signed_off_month_is_rejected_too(book: Book, tmp_path: Path) -> None:
    sign_off_january(book)
    feed = write(tmp_path / "tms.json",
                 '[{"record_id": "F-1", "date": "2024-01-31", "type": "fuel", "vendor": "Shell", "amount": 85.40},'
                 ' {"record_id": "F-2", "date": "2024-02-01", "type": "fuel", "vendor": "Shell", "amount": 58.40}]')
    result = run_import(book, feed)
    assert (result.new, result.rejected) == (1, 1)
    assert result.errors[0].code == "period_locked"
    assert json.loads(rows(book, "SELECT raw FROM import_issues WHERE severity = 'error'")[0][0])["record_id"] == "F-1"


def test_after_reopening_the_month_the_row_lands(book: Book, tmp_path: Path) -> None:
    sign_off_january(book)
    path = expensify_csv(tmp_path / "q1.csv", JAN_ROW, *FEB_ROWS)
    assert run_import(book, path).rejected == 1
    reopen(book, JANUARY, actor="Carl Controller", reason="late fuel receipt")
    again = run_import(book, path)
    assert (again.new, again.duplicates, again.rejected) == (1, 2, 0)


def test_strict_refuses_the_whole_file_over_a_closed_month(book: Book, tmp_path: Path) -> None:
    sign_off_january(book)
    result = run_import(book, expensify_csv(tmp_path / "q1.csv", JAN_ROW, *FEB_ROWS), strict=True)
    assert result.strict_rejected
    assert count(book, "expenses") == 0


def test_cli_exit_code_and_json_name_the_refused_row(book: Book, book_path: Path, tmp_path: Path, run_cli) -> None:
    sign_off_january(book)
    book.close()
    done = run_cli("import", book_path, expensify_csv(tmp_path / "q1.csv", JAN_ROW, *FEB_ROWS), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["new"], len(report["errors"])) == (2, 1)
    assert (report["errors"][0]["line"], report["errors"][0]["field"]) == (2, "date")
