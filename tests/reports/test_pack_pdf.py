"""The PDF pack, read back with poppler: pages, headings, cover, totals, repeated headers, receipt images, hash."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from bookbridge.core import clock
from bookbridge.reconcile.periods import Period, signoff
from bookbridge.reports.pack.gather import gather_snapshot
from bookbridge.reports.pack.pdf import render_pdf
from bookbridge.reports.pack.service import write_pack
from bookbridge.store.models import AuditEntry, LineMatchStatus, MonthEndPack, StatementLine

from month_end_book import AFTER_CLOSE, PASSPHRASE, _ofx, reload

JANUARY = Period(2026, 1)
SECTIONS = ["Summary and tie-out", "Matched and unmatched", "Exceptions", "Dedupe decisions", "Mapping templates",
            "Approvals", "Sync runs and posted documents", "Appendix: receipts"]
TABLES = ["Month-end checklist", "Tie-out: bank, our journal, accounting system", "Reconciling items between bank and journal",
          "Sign-off history", "Matched statement lines", "Statement lines explained without a matching expense",
          "Statement lines not matched", "Expenses of the month no statement line settles", "Resolution trail",
          "Versions used", "Changes from the previous version", "Approvals trail", "Sync runs", "Documents for the month",
          "Receipts"]


@pytest.fixture(scope="module")
def pack(january_file: Path, tmp_path_factory, poppler):
    """January's pack, written once for the read-only checks of this module."""
    from bookbridge.store.book import open_book

    folder = tmp_path_factory.mktemp("pack")
    book_path = folder / "company.bbk"
    book_path.write_bytes(january_file.read_bytes())
    clock.set_clock(lambda: AFTER_CLOSE)
    try:
        with open_book(book_path, PASSPHRASE) as book:
            month = reload(book, folder)
            result = write_pack(book, JANUARY, folder / "january.pdf", preparer="Paula Preparer")
            with book.read() as session:
                audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "pack.written")).one()
                row = session.scalars(sa.select(MonthEndPack)).one()
                matched = session.scalars(sa.select(StatementLine.amount_minor).where(
                    StatementLine.match_status == LineMatchStatus.MATCHED)).all()
                detail = (json.loads(audit.detail_json), row.sha256)
    finally:
        clock.set_clock(None)
    text = subprocess.run([poppler["pdftotext"], "-layout", str(result.path), "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")[:-1]
    return {"result": result, "pages": text, "audit": detail, "matched": matched, "month": month}


def test_page_count_agrees_with_pdfinfo_and_every_footer(pack, poppler) -> None:
    """pdfinfo's page count equals the one recorded, and page k says "Page k of n"."""
    info = subprocess.run([poppler["pdfinfo"], str(pack["result"].path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages == pack["result"].pages == len(pack["pages"]) > 5
    for number, page in enumerate(pack["pages"], start=1):
        assert f"Page {number} of {pages}" in page


def test_every_chapter_and_table_heading_is_printed(pack) -> None:
    """Each section title and each table title appears in the text of the pack."""
    text = "\n".join(pack["pages"])
    missing = [title for title in SECTIONS + TABLES if title not in text]
    assert missing == []


def test_cover_names_company_period_preparer_and_fingerprint(pack) -> None:
    """Page 1 states the company, the month, the preparer, the time and the book fingerprint the audit recorded."""
    cover = pack["pages"][0]
    fingerprint = pack["audit"][0]["book_fingerprint"]
    for expected in ("Test Haulage Ltd", "2026-01: 2026-01-01 to 2026-01-31", "Paula Preparer",
                     "2026-02-06 09:30:00 UTC", fingerprint, "NOT SIGNED OFF"):
        assert expected in cover
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)


def test_matched_lines_total_equals_the_book(pack) -> None:
    """The matched-lines total row shows the count and the sum of the matched statement lines in the book."""
    total = Decimal(sum(pack["matched"])).scaleb(-2)
    text = "\n".join(pack["pages"])
    assert re.search(rf"Total USD \({len(pack['matched'])}\)\s+USD\s+{re.escape(str(total))}\b", text) or \
        re.search(rf"Total USD \({len(pack['matched'])}\)\s+{re.escape(str(total))}\s+USD", text)


def test_pack_hash_is_recorded_in_the_audit_log(pack) -> None:
    """The SHA-256 of the bytes on disk is the one in the audit log and in the packs table."""
    digest = hashlib.sha256(pack["result"].path.read_bytes()).hexdigest()
    detail, row_sha = pack["audit"]
    assert digest == pack["result"].sha256 == detail["sha256"] == row_sha
    assert detail["pages"] == pack["result"].pages


def test_receipt_images_are_embedded_on_the_last_pages(pack, poppler) -> None:
    """pdfimages lists one PNG per receipt (2), both on the appendix pages at the end."""
    listing = subprocess.run([poppler["pdfimages"], "-list", str(pack["result"].path)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    pages = [int(line.split()[0]) for line in listing if line.split()[2] == "image"]
    assert len(pages) == len(pack["month"].receipt_ids) == 2
    assert max(pages) == pack["result"].pages and min(pages) >= pack["result"].pages - 1


def test_appendix_page_is_not_blank_where_the_receipt_is_drawn(pack, poppler, tmp_path) -> None:
    """Rendered to PNG, the last page has dark ink in the receipt's box (top-left), not only white paper."""
    subprocess.run([poppler["pdftoppm"], "-png", "-r", "40", "-f", str(pack["result"].pages), "-l",
                    str(pack["result"].pages), str(pack["result"].path), str(tmp_path / "last")], check=True)
    (png,) = tmp_path.glob("last*.png")
    image = Image.open(png).convert("L")
    width, height = image.size
    box = image.crop((0, int(height * 0.1), width // 2, int(height * 0.8)))
    dark = box.point(lambda value: 255 if value < 100 else 0).histogram()[255]
    assert dark / (box.size[0] * box.size[1]) > 0.03
    assert "Expense #" in pack["pages"][-1] and "Hilton Garden Inn" in pack["pages"][-1]


def test_same_snapshot_gives_the_same_bytes(january, tmp_path) -> None:
    """Rendering one snapshot twice writes identical files (invariant mode: no random id, no wall clock)."""
    snapshot = gather_snapshot(january.book, JANUARY, preparer="Paula Preparer")
    render_pdf(snapshot, tmp_path / "a.pdf")
    render_pdf(snapshot, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_signed_off_cover_names_who_and_the_checklist_hash(january, tmp_path, pdf_text) -> None:
    """After sign-off the cover says who signed off and quotes the checklist hash recorded then."""
    signed = signoff(january.book, JANUARY, actor="Ann Accountant")
    result = write_pack(january.book, JANUARY, tmp_path / "signed.pdf", preparer="Paula Preparer")
    cover = pdf_text(result.path)[0]
    assert "Signed off by Ann Accountant on 2026-02-06 09:30:00 UTC" in cover
    assert signed.checklist_sha256 in cover and result.signed_off


def test_a_table_longer_than_a_page_repeats_its_header(january, tmp_path, pdf_text) -> None:
    """120 open bank lines fill several pages; every page listing them starts with the table's header row."""
    from bookbridge.reconcile.statements.service import import_statement_file

    rows = [(f"202601{day:02d}", f"-{n}.{n % 100:02d}", f"LONG-{n:04d}", f"SUPPLIER {n:04d}")
            for n in range(1, 121) for day in [n % 28 + 1]]
    statement = tmp_path / "extra.ofx"
    statement.write_text(_ofx("bank", "000999888777", rows, "0.00"))
    import_statement_file(january.book, statement, account_name="Second bank", actor="Rita Recon")
    result = write_pack(january.book, JANUARY, tmp_path / "long.pdf", preparer="Paula Preparer")
    pages = [page for page in pdf_text(result.path) if "SUPPLIER 0" in page]
    assert len(pages) >= 3
    header = re.compile(r"Date\s+Account\s+Payee\s+Amount\s+Currency\s+Memo")
    assert all(header.search(page) for page in pages)


def test_pack_into_a_missing_folder_writes_nothing(january, tmp_path) -> None:
    """-o in a folder that does not exist is refused, naming the folder; nothing is recorded."""
    from bookbridge.core.errors import UsageError

    with pytest.raises(UsageError, match="nowhere"):
        write_pack(january.book, JANUARY, tmp_path / "nowhere" / "p.pdf", preparer="Paula Preparer")
    with january.book.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(MonthEndPack)) == 0


def test_gathering_twice_gives_the_same_rows_in_the_same_order(january) -> None:
    """Two snapshots of an unchanged book list identical tables, row for row."""
    first = gather_snapshot(january.book, JANUARY, preparer="Paula Preparer")
    second = gather_snapshot(january.book, JANUARY, preparer="Paula Preparer")
    assert first.tables() == second.tables() and len(first.tables()) == 18
