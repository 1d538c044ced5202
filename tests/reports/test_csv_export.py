"""CSV export for auditors: the pack's tables, safe against formula injection."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from bookbridge.reconcile.periods import Period
from bookbridge.reports.pack.csv_export import DANGEROUS_START, neutralise, write_csv
from bookbridge.reports.pack.gather import gather_snapshot

from month_end_book import _ofx

JANUARY = Period(2026, 1)


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@given(st.text(max_size=40))
def test_no_cell_reaches_a_spreadsheet_as_a_formula(text: str) -> None:
    """Whatever the text, the written cell starts with a formula character only if it is a plain number."""
    cell = neutralise(text)
    if cell.startswith(DANGEROUS_START):
        assert cell.lstrip("+-").replace(".", "", 1).isdigit()
    assert cell in (text, "'" + text)


@pytest.mark.parametrize("payload", ["=1+2", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=HYPERLINK(1)",
                                     "\r=1", "-", "+"])
def test_formula_payloads_get_an_apostrophe(payload: str) -> None:
    """Each known injection shape is written as text (apostrophe first), the rest of it unchanged."""
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("number", ["-85.40", "241.89", "+3", "-1868", "0.00"])
def test_plain_numbers_stay_numbers(number: str) -> None:
    """Signed amounts are left as they are, so an auditor can add them up."""
    assert neutralise(number) == number


def test_hostile_payee_from_a_bank_file_is_neutralised_in_the_export(january, tmp_path) -> None:
    """A statement line whose payee is a formula lands in unmatched_lines.csv as text; its amount stays numeric."""
    from bookbridge.reconcile.statements.service import import_statement_file

    statement = tmp_path / "hostile.ofx"
    statement.write_text(_ofx("bank", "000555444333", [("20260115", "-99.99", "H-1", "=HYPERLINK(\"http://x.test\",\"pay\")")],
                              "0.00"))
    import_statement_file(january.book, statement, account_name="Hostile bank", actor="Rita Recon")
    write_csv(gather_snapshot(january.book, JANUARY, preparer="Paula Preparer"), tmp_path / "csv")
    rows = _read(tmp_path / "csv" / "unmatched_lines.csv")
    (hostile,) = [row for row in rows if row[1] == "Hostile bank"]
    assert hostile[2] == "'=HYPERLINK(\"http://x.test\",\"pay\")" and hostile[3] == "-99.99"


def test_every_table_is_written_with_header_rows_and_totals(january, tmp_path) -> None:
    """Each table of the snapshot becomes one CSV file: header, rows, totals, in the PDF's order."""
    snapshot = gather_snapshot(january.book, JANUARY, preparer="Paula Preparer")
    files = write_csv(snapshot, tmp_path / "csv")
    assert [f.name for f in files] == ["cover.csv"] + [f"{t.name}.csv" for t in snapshot.tables()]
    for table in snapshot.tables():
        rows = _read(tmp_path / "csv" / f"{table.name}.csv")
        assert rows[0] == list(table.columns)
        assert [tuple(neutralise(c) for c in r) for r in (table.rows + table.totals)] == [tuple(r) for r in rows[1:]]
    cover = dict(_read(tmp_path / "csv" / "cover.csv")[1:])
    assert cover["Book fingerprint (SHA-256)"] == snapshot.cover.book_fingerprint and cover["Period"] == "2026-01"


def test_csv_folder_that_is_a_file_is_refused(january, tmp_path) -> None:
    """--csv pointing at a file is refused with a message saying it must be a folder."""
    from bookbridge.core.errors import UsageError

    clash = tmp_path / "out"
    clash.write_text("not a folder")
    with pytest.raises(UsageError, match="not a folder"):
        write_csv(gather_snapshot(january.book, JANUARY, preparer="Paula Preparer"), clash)


def test_csv_tables_are_readable_by_their_owner_only(january, tmp_path) -> None:
    """Like the PDF pack, every CSV table is owner-only, even one an older run left readable."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "cover.csv").write_text("old")
    (folder / "cover.csv").chmod(0o644)
    files = write_csv(gather_snapshot(january.book, JANUARY, preparer="Paula Preparer"), folder)
    assert {f.stat().st_mode & 0o777 for f in files} == {0o600}
