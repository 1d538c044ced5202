"""The book survives a killed import unchanged, and holds imported text only encrypted."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bookbridge.core.errors import WrongPassphrase
from bookbridge.store.book import open_book

from ingest_helpers import expensify_csv, killed_after_first_chunk, logical_content, many_rows_csv, run_import

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from bookbridge.ingest import service
    from bookbridge.ingest.service import ImportOptions, import_file
    from bookbridge.store.book import open_book

    service.IMPORT_CACHE_KIB = 256  # a small page cache spills uncommitted pages into the -wal file

    def stall(rows_read):
        # The first chunk of rows is written (uncommitted): tell the parent, then wait to be killed.
        print("written", rows_read, flush=True)
        time.sleep(120)

    with open_book(Path(sys.argv[1]), sys.argv[2]) as book:
        import_file(book, ImportOptions(Path(sys.argv[3])), progress=stall)
""")


def test_killed_import_leaves_the_book_exactly_as_it_was(book, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """SIGKILL while 2,000 rows sit uncommitted in the -wal file: reopening shows the old book."""
    passphrase = cli_env["BOOKBRIDGE_PASSPHRASE"]
    run_import(book, expensify_csv(tmp_path / "seed.csv", "2024-03-01 08:00:00,Shell,85.40,5542,Fuel,,,No,,,"))
    before = logical_content(book)
    big = many_rows_csv(tmp_path / "big.csv", 4000)
    wal = Path(f"{book.path}-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0
    with killed_after_first_chunk(CHILD, str(book.path), passphrase, str(big)):
        assert wal.stat().st_size > wal_before  # uncommitted rows really reached the file
    book.close()
    with open_book(book.path, passphrase) as reopened:
        assert logical_content(reopened) == before


def test_book_files_hold_no_imported_text_in_plain_bytes(book, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """Vendor names, memos and receipt bytes are nowhere in the book, -wal or -shm as plain bytes."""
    passphrase = cli_env["BOOKBRIDGE_PASSPHRASE"]
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4\n(ReceiptSecretMarker) Tj\n%%EOF\n")
    markers = ["Zanzibar Quokka Bakery", "memo about the quokka heist", "ReceiptSecretMarker", "Truck Quokka-77"]
    path = expensify_csv(tmp_path / "e.csv",
                         f"2024-03-01 08:00:00,{markers[0]},85.40,5542,Fuel,{markers[3]},{markers[1]},No,,,scan.pdf")
    assert run_import(book, path, receipts_dir=folder).new == 1
    files = [Path(f"{book.path}{suffix}") for suffix in ("", "-wal", "-shm")]
    assert files[1].exists()  # checked while the write-ahead log still holds the new pages
    blobs = b"".join(f.read_bytes() for f in files if f.exists())
    for marker in markers:
        for encoding in ("utf-8", "utf-16-le"):
            assert marker.encode(encoding) not in blobs, marker
    book.close()
    with pytest.raises(WrongPassphrase):
        open_book(book.path, "not the passphrase")
    with open_book(book.path, passphrase) as reopened, reopened.read() as session:
        from sqlalchemy import text

        assert session.execute(text("SELECT vendor_raw FROM expenses")).scalar_one() == markers[0]
