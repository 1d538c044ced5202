"""`bookbridge demo --headless --json` end to end: after the sync it reconciles the card and writes the pack."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from bookbridge.core.money import Money, total
from bookbridge.store.book import open_book
from bookbridge.store.models import BankAccount, LineMatchStatus, StatementLine

TODAY = "2026-11-21"  # the demo covers 2026-09 and 2026-10; the card statement is October's
PASSPHRASE = "test passphrase 1234"  # the cli_env fixture's


@pytest.fixture(scope="module")
def pdftotext() -> str:
    """pdftotext from poppler-utils, a declared system dependency of the suite (never skipped)."""
    found = shutil.which("pdftotext")
    if found is None:
        pytest.fail("poppler-utils is missing (pdftotext not on PATH): install it (apt-get install poppler-utils).")
    return found


def test_headless_demo_writes_the_reconciled_months_pack(run_cli, tmp_path, pdftotext) -> None:
    """The real demo process matches the card statement and writes the pack it names: its hash, month, headings and totals."""
    book_path = tmp_path / "demo.bbk"
    done = run_cli("demo", "--headless", "--book", book_path, "--today", TODAY, "--json", timeout=120)
    assert done.returncode == 0, done.stderr
    month = json.loads(done.stdout)["month_end"]
    pack, matching = month["pack"], month["matching"]
    with open_book(book_path, PASSPHRASE) as book, book.read() as session:
        lines = session.scalars(sa.select(StatementLine).join(BankAccount).where(
            BankAccount.name == month["statement"]["account"])).all()
    matched = [line for line in lines if line.match_status is LineMatchStatus.MATCHED]
    matched_total = total((Money.from_minor(line.amount_minor, "USD") for line in matched), "USD")
    states = {s: sum(1 for line in lines if line.match_status is s) for s in LineMatchStatus}
    assert month["statement"]["new_lines"] == len(lines) == matching["lines"] and len(matched) > 20
    assert (matching["matched"], matching["explained"], matching["unmatched"]) == (
        states[LineMatchStatus.MATCHED], states[LineMatchStatus.EXPLAINED], states[LineMatchStatus.UNMATCHED]) == (
        len(lines) - 2, 1, 1)
    assert matching["matched_total"] == matched_total.format()

    pdf = book_path.with_name(f"demo-pack-{month['period']}.pdf")
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

    with open(book_path.with_name(f"demo-pack-{month['period']}-csv") / "matched_lines.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len([r for r in rows if not r["Date"].startswith("Total")]) == len(matched) == matching["matched"]
