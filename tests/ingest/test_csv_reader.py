"""Reading CSV files: encodings, line endings, delimiters, quoting, header rows, line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookbridge.core.errors import ImportFileError
from bookbridge.ingest.profiles import BUILTIN_PROFILES, GENERIC
from bookbridge.ingest.readers import open_source

from ingest_helpers import write

GENERIC_ROWS = "date,vendor,amount,currency\n2024-01-05,Müller GmbH,12.50,EUR\n2024-01-06,Café Noir,3.20,EUR\n"


def _records(path: Path, profile=None):
    source = open_source(path, profile)
    return source, list(source.records())


def test_utf8_bom_and_crlf(tmp_path: Path) -> None:
    """A BOM is not part of the first header, CRLF does not leak into values."""
    path = write(tmp_path / "bom.csv", "\ufeff" + GENERIC_ROWS.replace("\n", "\r\n"))
    source, records = _records(path)
    assert source.info.encoding == "utf-8-sig" and source.info.issues == ()
    assert records[0].values["date"] == "2024-01-05" and records[1].values["currency"] == "EUR"


def test_cp1252_is_detected_and_reported(tmp_path: Path) -> None:
    """A Windows-1252 file decodes correctly and the import says which encoding it used."""
    path = write(tmp_path / "win.csv", GENERIC_ROWS, "cp1252")
    source, records = _records(path)
    assert source.info.encoding == "cp1252"
    assert [i.code for i in source.info.issues] == ["encoding_fallback"]
    assert records[0].values["vendor"] == "Müller GmbH"


def test_latin1_is_the_last_resort(tmp_path: Path) -> None:
    """Bytes cp1252 leaves undefined (0x81) fall back to ISO-8859-1 rather than failing."""
    path = tmp_path / "latin.csv"
    path.write_bytes(b"date,vendor,amount\n2024-01-05,Caf\xe9 \x81,1.00\n")
    source, records = _records(path)
    assert source.info.encoding == "latin-1" and records[0].values["vendor"] == "Café \x81"


def test_utf16_with_bom_tab_separated(tmp_path: Path) -> None:
    """Excel's 'Unicode text' (UTF-16 with BOM, tabs) reads like any other file."""
    path = write(tmp_path / "u16.txt", "date\tvendor\tamount\n2024-01-05\tÆble\t9.99\n", "utf-16")
    source, records = _records(path)
    assert (source.info.encoding, source.info.delimiter) == ("utf-16", "\t")
    assert records[0].values["vendor"] == "Æble"


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    """Comma, semicolon, tab and pipe files are told apart without being told."""
    text = GENERIC_ROWS.replace(",", delimiter)
    source, records = _records(write(tmp_path / "d.csv", text))
    assert source.info.delimiter == delimiter
    assert records[1].values["vendor"] == "Café Noir"


def test_quoted_separators_and_quotes(tmp_path: Path) -> None:
    """Separators and doubled quotes inside quotes belong to the value."""
    text = 'date,vendor,amount,memo\n2024-01-05,"Smith, Jones & Co","1,234.50","He said ""hi"", then left"\n'
    _, records = _records(write(tmp_path / "q.csv", text))
    values = records[0].values
    assert values["vendor"] == "Smith, Jones & Co" and values["amount"] == "1,234.50"
    assert values["memo"] == 'He said "hi", then left'


def test_line_numbers_are_physical_lines(tmp_path: Path) -> None:
    """A value spanning lines makes later rows start on their real line, blank lines included."""
    text = ("date,vendor,amount,memo\r\n"
            "2024-01-05,A,1.00,\"line one\r\nline two\r\nline three\"\r\n"
            "\r\n"
            "2024-01-06,B,2.00,x\r\n"
            ",,,\r\n"
            "2024-01-07,C,3.00,y\r\n")
    _, records = _records(write(tmp_path / "lines.csv", text))
    assert [(r.line, r.values["vendor"]) for r in records] == [(2, "A"), (6, "B"), (8, "C")]


def test_preamble_above_header_is_skipped_and_reported(tmp_path: Path) -> None:
    """Report titles above the header are skipped, with the header's line and a warning."""
    text = "Card statement for ACME\nPeriod: January\n\nDate,Payee,Amount\n2024-01-05,Shell,40.00\n"
    source, records = _records(write(tmp_path / "pre.csv", text))
    assert source.info.header_line == 4 and records[0].line == 5
    assert "preamble_skipped" in [i.code for i in source.info.issues]


def test_extra_cells_are_an_error_short_rows_a_warning(tmp_path: Path) -> None:
    """A row with extra values is flagged as an error; a row missing trailing cells as a warning."""
    text = "date,vendor,amount,memo\n2024-01-05,A,1,234.00,x\n2024-01-06,B,2.00\n"
    _, records = _records(write(tmp_path / "cells.csv", text))
    assert [i.code for i in records[0].issues] == ["column_count"] and records[0].issues[0].is_error
    assert [i.code for i in records[1].issues] == ["short_row"] and not records[1].issues[0].is_error
    assert '"_extra":["x"]' in records[0].raw_text()


def test_repeated_and_blank_headers_keep_their_columns(tmp_path: Path) -> None:
    """Two 'Amount' columns and an unnamed one each keep a distinct key; nothing is lost."""
    text = "Date,Vendor,Amount,Amount,\n2024-01-05,A,1.00,2.00,note\n"
    _, records = _records(write(tmp_path / "dup.csv", text))
    assert records[0].values == {"date": "2024-01-05", "vendor": "A", "amount": "1.00", "amount 2": "2.00",
                                 "column 5": "note"}


def test_expensify_header_selects_the_expensify_profile(data_dir: Path) -> None:
    """Without --profile the Expensify default header picks the expensify profile."""
    source, records = _records(data_dir / "expensify_tricky.csv")
    assert source.profile.name == "expensify" and source.info.encoding == "utf-8-sig"
    assert records[0].values["original currency"] == "USD"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"PK\x03\x04spreadsheet", "spreadsheet"),
        (b"", "empty"),
        (b"date,amount\x00\x00\n", "binary"),
        (b"foo,bar\n1,2\n", "no known profile fits"),
        (b'date,vendor,amount\n2024-01-05,"unclosed,1.00\n', "unclosed quote"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    """Files that are not importable CSV raise ImportFileError naming the file and the reason."""
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message) as raised:
        _, _ = _records(path)
    assert str(path) in raised.value.user_message


def test_named_profile_says_which_column_is_missing(tmp_path: Path) -> None:
    """With --profile, a header lacking a required column is refused naming that column."""
    path = write(tmp_path / "x.csv", "Timestamp,Merchant\n2024-01-05,A\n")
    with pytest.raises(ImportFileError, match="amount"):
        _records(path, BUILTIN_PROFILES["expensify"])


def test_profile_for_another_format_is_refused(tmp_path: Path) -> None:
    """The concur profile reads JSON; pointing it at a CSV says so."""
    path = write(tmp_path / "x.csv", GENERIC_ROWS)
    with pytest.raises(ImportFileError, match="looks like CSV"):
        _records(path, BUILTIN_PROFILES["concur"])


def test_rows_stream_without_reading_the_whole_file(tmp_path: Path) -> None:
    """Records come from a generator: the first is available before the file is exhausted."""
    path = write(tmp_path / "big.csv", "date,vendor,amount\n" + "2024-01-05,A,1.00\n" * 5000)
    source = open_source(path, GENERIC)
    stream = source.records()
    first = next(stream)
    assert first.line == 2 and sum(1 for _ in stream) == 4999
