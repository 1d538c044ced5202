"""`bookbridge demo --headless --json` end to end: after the sync it reconciles the card and writes the pack."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from bookbridge.core.money import Money, total
from bookbridge.store.book import open_book
from bookbridge.store.models import BankAccount, LineMatchStatus, StatementLine
from headless_run import PASSPHRASE


@pytest.fixture(scope="module")
def pdftotext() -> str:
    """pdftotext from poppler-utils, a declared system dependency of the suite (never skipped)."""
    found = shutil.which("pdftotext")
    if found is None:
        pytest.fail("poppler-utils is missing (pdftotext not on PATH): install it (apt-get install poppler-utils).")
    return found


def _card_lines(headless_demo) -> list[StatementLine]:
    account = headless_demo.summary["month_end"]["statement"]["account"]
    with open_book(headless_demo.book, PASSPHRASE) as book, book.read() as session:
        return list(session.scalars(sa.select(StatementLine).join(BankAccount).where(BankAccount.name == account)))


def test_headless_demo_reports_the_card_lines_as_the_book_has_them(headless_demo) -> None:
    """The JSON's matched/explained/unmatched counts and matched total are the book's; only the two fees are not matched."""
    month = headless_demo.summary["month_end"]
    matching = month["matching"]
    lines = _card_lines(headless_demo)
    states = {s: sum(1 for line in lines if line.match_status is s) for s in LineMatchStatus}
    matched_total = total((Money.from_minor(line.amount_minor, line.currency) for line in lines
                           if line.match_status is LineMatchStatus.MATCHED), "USD")
    assert month["statement"]["new_lines"] == len(lines) == matching["lines"] and len(lines) > 20
    assert (matching["matched"], matching["explained"], matching["unmatched"]) == (
        states[LineMatchStatus.MATCHED], states[LineMatchStatus.EXPLAINED], states[LineMatchStatus.UNMATCHED]) == (
        len(lines) - 2, 1, 1)
    assert matching["matched_total"] == matched_total.format()
    assert [line["id"] for line in matching["open_lines"]] == [
        line.id for line in lines if line.match_status is LineMatchStatus.UNMATCHED]


def test_headless_demo_writes_the_pack_it_names(headless_demo, pdftotext) -> None:
    """The pack beside the book has the reported SHA-256, and its text shows the month, the headings and the matched total."""
    month = headless_demo.summary["month_end"]
    pack = month["pack"]
    matched = [line for line in _card_lines(headless_demo) if line.match_status is LineMatchStatus.MATCHED]
    matched_total = total((Money.from_minor(line.amount_minor, line.currency) for line in matched), "USD")
    pdf = headless_demo.book.with_name(f"demo-pack-{month['period']}.pdf")
    assert pack["file"] == str(pdf) and hashlib.sha256(pdf.read_bytes()).hexdigest() == pack["sha256"]
    pages = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                           timeout=60).stdout.split("\f")
    text = "\f".join(pages)
    assert "Month-end reconciliation pack" in pages[0] and "2026-10: 2026-10-01 to 2026-10-31" in pages[0]
    assert "QuickBooks Online sandbox (connection 'demo-qbo'), read back now" in pages[0]
    for heading in ("Month-end checklist", "Tie-out: bank, our journal, accounting system", "Matched statement lines",
                    "Statement lines explained without a matching expense", "Statement lines not matched"):
        assert heading in text, heading
    after_heading = text.split("Matched statement lines", 1)[1].splitlines()
    matched_row = next(row.split() for row in after_heading if row.strip().startswith("Total USD"))
    assert matched_row[:4] == ["Total", "USD", f"({len(matched)})", format(matched_total.amount, "f")]


def test_headless_demo_writes_the_csv_tables_beside_the_pack(headless_demo) -> None:
    """The CSV folder the JSON names holds every table listed, and the matched lines table has one row per matched line."""
    month = headless_demo.summary["month_end"]
    folder = headless_demo.book.with_name(f"demo-pack-{month['period']}-csv")
    assert month["pack"]["csv_dir"] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(month["pack"]["csv_files"])
    with open(folder / "matched_lines.csv", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.DictReader(handle) if not row["Date"].startswith("Total")]
    assert len(rows) == month["matching"]["matched"] and {row["Account"] for row in rows} == {"Visa 4444"}
