"""Receipts: files stored in the book once per SHA-256, links kept as links, problems as warnings."""

from __future__ import annotations

import hashlib
import zlib
import struct
from pathlib import Path

import pytest

from bookbridge.core.errors import UsageError
from bookbridge.ingest.receipts import sniff_mime

from ingest_helpers import count, expensify_csv, rows, run_import, write


def png_bytes(marker: str) -> bytes:
    """A real, tiny PNG whose text chunk carries ``marker``."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", b"Comment\x00" + marker.encode())
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def pdf_bytes(marker: str) -> bytes:
    return f"%PDF-1.4\n1 0 obj << /Title ({marker}) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()


def test_files_are_recognised_by_content_not_extension() -> None:
    """PNG, PDF and JPEG are recognised by their first bytes; text is not a receipt."""
    assert sniff_mime(png_bytes("x")[:16]) == "image/png"
    assert sniff_mime(pdf_bytes("x")[:16]) == "application/pdf"
    assert sniff_mime(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff_mime(b"hello, I am a .jpg") is None


def test_receipt_column_file_is_stored_and_deduplicated(book, tmp_path: Path) -> None:
    """Two rows naming one file store it once (by SHA-256) and link it twice, bytes intact."""
    folder = tmp_path / "receipts"
    folder.mkdir()
    content = png_bytes("fuel receipt")
    (folder / "scan-1.png").write_bytes(content)
    path = expensify_csv(tmp_path / "e.csv",
                         "2024-03-01 08:00:00,Shell,85.40,5542,Fuel,,,No,,,scan-1.png",
                         "2024-03-01 09:00:00,Shell,12.00,5542,Fuel,,,No,,,SCAN-1.PNG")
    result = run_import(book, path, receipts_dir=folder)
    assert (result.receipts_stored, result.receipts_linked) == (1, 2)
    assert rows(book, "SELECT sha256, mime_type, size, file_name FROM receipts") == [
        (hashlib.sha256(content).hexdigest(), "image/png", len(content), "scan-1.png")]
    assert rows(book, "SELECT content FROM receipts")[0][0] == content
    assert count(book, "expense_receipts") == 2 and not [w for w in result.warnings if w.field == "receipt"]


def test_same_file_in_a_later_import_is_not_stored_again(book, tmp_path: Path) -> None:
    """A receipt already in the book is linked, not duplicated, when another batch brings it."""
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(pdf_bytes("hotel"))
    run_import(book, expensify_csv(tmp_path / "1.csv", "2024-03-01 08:00:00,Hotel,200.00,7011,Lodging,,,Yes,,,a.pdf"),
               receipts_dir=folder)
    (folder / "copy.pdf").write_bytes(pdf_bytes("hotel"))
    second = run_import(book, expensify_csv(tmp_path / "2.csv",
                                            "2024-03-02 08:00:00,Hotel,10.00,7011,Lodging,,,Yes,,,copy.pdf"),
                        receipts_dir=folder)
    assert second.receipts_stored == 0 and count(book, "receipts") == 1 and count(book, "expense_receipts") == 2


def test_receipt_found_by_source_id(book, tmp_path: Path) -> None:
    """With a receipts folder and no receipt column value, a file named after the source id is used."""
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "F-1001.pdf").write_bytes(pdf_bytes("fuel"))
    feed = write(tmp_path / "feed.json", '[{"record_id": "F-1001", "date": "2024-03-01", "type": "fuel", '
                                         '"vendor": "Shell", "amount": 85.40}]')
    result = run_import(book, feed, receipts_dir=folder)
    assert result.receipts_linked == 1 and "receipt_missing" not in [w.code for w in result.warnings]


def test_url_is_kept_as_a_link(book, tmp_path: Path) -> None:
    """A receipt URL goes to receipt_url; nothing is downloaded or stored."""
    url = "https://www.expensify.com/receipts/abc123.jpg"
    run_import(book, expensify_csv(tmp_path / "e.csv", f"2024-03-01 08:00:00,Shell,85.40,5542,Fuel,,,No,,,{url}"))
    assert rows(book, "SELECT receipt_url FROM expenses") == [(url,)] and count(book, "receipts") == 0


@pytest.mark.parametrize(
    "reference,code",
    [("missing.png", "receipt_not_found"), ("../outside.png", "receipt_outside_folder"),
     ("notes.jpg", "receipt_unsupported")],
)
def test_receipt_problems_are_warnings_and_the_row_lands(book, tmp_path: Path, reference: str, code: str) -> None:
    """A missing, escaping or non-image receipt flags the row but never rejects it or reads outside."""
    folder = tmp_path / "r"
    folder.mkdir()
    (tmp_path / "outside.png").write_bytes(png_bytes("private"))
    (folder / "notes.jpg").write_text("not really a picture")
    result = run_import(book, expensify_csv(tmp_path / "e.csv",
                                            f"2024-03-01 08:00:00,Shell,20.00,5542,Fuel,,,No,,,{reference}"),
                        receipts_dir=folder)
    assert result.new == 1 and [w.code for w in result.warnings] == [code]
    assert count(book, "receipts") == 0


def test_without_a_folder_names_resolve_next_to_the_file(book, tmp_path: Path) -> None:
    """Receipt file names are looked up beside the imported file when no folder is given."""
    (tmp_path / "r1.png").write_bytes(png_bytes("beside"))
    result = run_import(book, expensify_csv(tmp_path / "e.csv", "2024-03-01 08:00:00,Shell,85.40,5542,Fuel,,,No,,,r1.png"))
    assert result.receipts_stored == 1


def test_missing_folder_is_a_usage_error(book, tmp_path: Path) -> None:
    """--receipts pointing nowhere stops before anything is written."""
    with pytest.raises(UsageError, match="receipts folder"):
        run_import(book, expensify_csv(tmp_path / "e.csv", "2024-03-01 08:00:00,Shell,1.00,5542,Fuel,,,No,,,"),
                   receipts_dir=tmp_path / "nope")
    assert count(book, "import_batches") == 0
