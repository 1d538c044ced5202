"""JSON and XML feeds: shapes, line numbers, exact numbers, and XML refused when it is unsafe."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bookbridge.core.errors import ImportFileError
from bookbridge.ingest.readers import detect_format, open_source
from bookbridge.ingest.readers.json_reader import flatten

from ingest_helpers import count, run_import, write


def test_json_records_carry_the_line_they_start_on(data_dir: Path) -> None:
    """Each JSON record reports the physical line of its opening brace."""
    source = open_source(data_dir / "tms_feed.json", None)
    lines = [r.line for r in source.records()]
    text = (data_dir / "tms_feed.json").read_text(encoding="utf-8").splitlines()
    assert source.profile.name == "tms"
    assert all(text[n - 1].lstrip().startswith("{") for n in lines) and len(lines) == 7


def test_json_numbers_are_exact_decimals(tmp_path: Path) -> None:
    """0.1 + 0.2-style numbers are read as Decimal text, never through a float."""
    path = write(tmp_path / "f.json", '[{"date":"2024-01-01","type":"fuel","amount":0.30000000000000004,'
                                      '"litres":1e2,"odometer":120345}]')
    record = next(open_source(path, None).records())
    assert record.values["amount"] == "0.30000000000000004"
    assert record.values["litres"] == "100" and record.values["odometer"] == "120345"


def test_flatten_nests_with_dots_and_keeps_lists() -> None:
    """Nested objects become dotted keys; lists are kept as canonical JSON; nulls vanish."""
    flat = flatten({"Journey": {"OdometerStart": 10, "Stops": ["A", "B"]}, "IsPersonal": False, "X": None,
                    "Amount": Decimal("1.50")})
    assert flat == {"journey.odometerstart": "10", "journey.stops": '["A","B"]', "ispersonal": "false",
                    "amount": "1.50"}


@pytest.mark.parametrize("shape", ['[{RECORD}]', '{"meta": {"n": [1, 2]}, "expenses": [{RECORD}]}',
                                   '{"Items": [{RECORD}], "NextPage": null}'])
def test_json_shapes(tmp_path: Path, shape: str) -> None:
    """A bare list, or a list under records/expenses/entries/items, is found."""
    record = '"date": "2024-01-01", "type": "toll", "amount": "3.10"'
    path = write(tmp_path / "f.json", shape.replace("{RECORD}", "{" + record + "}"))
    source = open_source(path, None)
    assert [r.values["amount"] for r in source.records()] == ["3.10"]


@pytest.mark.parametrize(
    "text,message",
    [("", "empty"), ('{"records": [{"date": "2024-01-01",}]}', "not valid JSON"),
     ('{"records": [1, 2]}', "must be an object"), ('{"total": 3}', "no list of records"),
     ('"just text"', "expected a list")],
)
def test_bad_json_is_refused_with_a_position(tmp_path: Path, text: str, message: str) -> None:
    """Malformed feeds raise ImportFileError naming the file (and the line where it knows one)."""
    path = write(tmp_path / "bad.json", text)
    with pytest.raises(ImportFileError, match=message) as raised:
        source = open_source(path, None)
        list(source.records())
    assert str(path) in raised.value.user_message


def test_xml_records_fields_attributes_and_lines(data_dir: Path) -> None:
    """Attributes and child elements are fields, nested ones dotted, each with its start line."""
    source = open_source(data_dir / "tms_feed.xml", None)
    records = list(source.records())
    first, pay = records[0], records[2]
    assert (first.line, first.values["id"], first.values["vehicle id"]) == (4, "F-1001", "TRK-12")
    assert records[1].values["vendor"] == "E-ZPass NY & NJ"
    assert pay.values["trip.id"] == "TRIP-77" and pay.line == 19
    assert source.info.encoding == "utf-8"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_entity_tricks_are_refused_naming_the_file(data_dir: Path, name: str) -> None:
    """Entity expansion bombs and external entities are refused before anything expands."""
    with pytest.raises(ImportFileError, match="was refused: it declares XML entities") as raised:
        open_source(data_dir / name, None)
    assert str(data_dir / name) in raised.value.user_message


def test_entity_bomb_leaves_the_book_untouched(book, data_dir: Path) -> None:
    """Importing a billion-laughs file writes nothing at all."""
    with pytest.raises(ImportFileError):
        run_import(book, data_dir / "billion_laughs.xml")
    assert count(book, "import_batches") == 0 and count(book, "expenses") == 0


def test_external_entity_is_never_read(book, tmp_path: Path) -> None:
    """A SYSTEM entity pointing at a local file is refused; the file's text is nowhere in the book."""
    secret = write(tmp_path / "secret.txt", "TOP-SECRET-CONTENT")
    feed = write(tmp_path / "feed.xml", f'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
                                        '<f><r><date>2024-01-01</date><type>fuel</type><vendor>&s;</vendor>'
                                        '<amount>1</amount></r></f>')
    with pytest.raises(ImportFileError, match="refused"):
        run_import(book, feed)
    assert count(book, "expenses") == 0


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    """A broken tag is reported with its line."""
    path = write(tmp_path / "bad.xml", "<f>\n<r><date>2024-01-01</date>\n<amount>1</r>\n</f>\n")
    with pytest.raises(ImportFileError, match=r"not well-formed XML.*line 3"):
        list(open_source(path, None).records())


def test_format_is_detected_from_content_when_the_extension_says_nothing(tmp_path: Path) -> None:
    """A .dat file starting with '{' is JSON, with '<' is XML, else CSV."""
    assert detect_format(write(tmp_path / "a.dat", ' \n{"records": []}')) == "json"
    assert detect_format(write(tmp_path / "b.dat", "<?xml version='1.0'?><f/>")) == "xml"
    assert detect_format(write(tmp_path / "c.dat", "date,amount\n")) == "csv"
