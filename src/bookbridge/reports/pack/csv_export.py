"""The pack's tables as CSV files for auditors, safe to open in a spreadsheet.

One file per table (``matched_lines.csv``...), plus ``cover.csv`` with the cover's facts. The
header row comes first, then the rows, then the totals, exactly as in the PDF.

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
some also after a leading tab or carriage return) as a formula, and a payee or memo comes from a
bank or an expense app we do not control ("=HYPERLINK(...)"). Such a cell is written with a
leading apostrophe, which spreadsheets show as text. A plain signed number (``-85.40``) is left as
it is: it cannot be a formula, and auditors need it as a number to add up.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

from bookbridge.core.errors import UsageError
from bookbridge.reports.pack.model import PackSnapshot, when_text

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet must show it: text, never a formula."""
    if cell.startswith(DANGEROUS_START) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def _write(path: Path, rows: list[tuple[str, ...]]) -> None:
    # utf-8-sig: Excel reads the BOM and shows accents right; newline="" lets csv choose line ends.
    # Owner-only, like the PDF pack: these tables are the book's figures outside its encryption.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a table written by an older run may still be readable by others
    with open(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerows([[neutralise(cell) for cell in row] for row in rows])


def write_csv(snapshot: PackSnapshot, folder: Path) -> list[Path]:
    """Write every table of the snapshot into ``folder`` (created if needed); returns the files.

    Raises:
        UsageError: ``folder`` exists and is not a folder.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder; give --csv a folder for the CSV files.")
    folder.mkdir(parents=True, exist_ok=True)
    c = snapshot.cover
    written = []
    cover = folder / "cover.csv"
    _write(cover, [
        ("Fact", "Value"), ("Company", c.company), ("Home currency", c.home_currency), ("Period", c.period),
        ("Preparer", c.preparer), ("Generated", when_text(c.generated_at)), ("Book file", c.book_file),
        ("Book id", c.book_id), ("Book fingerprint (SHA-256)", c.book_fingerprint),
        ("Signed off", "yes" if c.signed_off else "no"), ("Signed off by", c.signed_off_by or ""),
        ("Signed off at", when_text(c.signed_off_at)), ("Accounting-system figures", c.accounting_source),
    ])
    written.append(cover)
    for table in snapshot.tables():
        path = folder / f"{table.name}.csv"
        _write(path, [table.columns, *table.rows, *table.totals])
        written.append(path)
    return written
