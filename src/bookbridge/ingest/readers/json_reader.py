"""Reading JSON feeds: a TMS feed or a SAP Concur entries collection, one record per object.

Accepted shapes: a top-level list of record objects, or an object whose ``records``, ``expenses``,
``entries``, ``items`` or ``Items`` member is that list (Concur's EntryCollection uses ``Items``).
Numbers are read with ``parse_float=Decimal``: money never passes through a float.

To report the line each record starts on, the top level is walked by hand and each record is
decoded with :meth:`json.JSONDecoder.raw_decode` from its offset; nested objects are flattened to
dotted keys (``Journey.OdometerStart``) and every value becomes text.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from bookbridge.core.errors import ImportFileError
from bookbridge.core.keys import canonical_json
from bookbridge.ingest.model import FileInfo, RawRecord
from bookbridge.ingest.normalise import column_key
from bookbridge.ingest.readers.encoding import detect_encoding

RECORD_MEMBERS = ("records", "expenses", "entries", "items")
_WS = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    """The offset after the JSON whitespace at ``pos``."""
    match = _WS.match(text, pos)
    return match.end() if match else pos


class JsonReader:
    """Streams the records of a JSON feed with their line numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.encoding = detect_encoding(path)
        try:
            self.text = path.read_text(encoding=self.encoding)
        except OSError as exc:
            raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}.", str(path)) from None
        self.keys_hint = self._peek_keys()

    def info(self, profile: str) -> FileInfo:
        return FileInfo(str(self.path), "json", self.encoding, None, None, profile)

    def _fail(self, message: str, pos: int) -> ImportFileError:
        line = self.text.count("\n", 0, pos) + 1
        return ImportFileError(f"{self.path} is not a feed Bookbridge can read: {message} (line {line}).", str(self.path))

    def _decode_error(self, exc: json.JSONDecodeError) -> ImportFileError:
        return ImportFileError(
            f"{self.path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).", str(self.path)
        )

    def _records_start(self) -> int:
        """Offset of the '[' that opens the list of records."""
        text = self.text
        pos = _skip(text, 0)
        if pos >= len(text):
            raise ImportFileError(f"{self.path} is empty: there is nothing to import.", str(self.path))
        if text[pos] == "[":
            return pos
        if text[pos] != "{":
            raise self._fail("expected a list of records or an object holding one", pos)
        decoder = json.JSONDecoder(parse_float=Decimal)
        pos += 1
        while True:
            pos = _skip(text, pos)
            if pos < len(text) and text[pos] == "}":
                break
            if pos >= len(text) or text[pos] != '"':
                raise self._fail("expected a member name", pos)
            try:
                name, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise self._decode_error(exc) from None
            pos = _skip(text, pos)
            if pos >= len(text) or text[pos] != ":":
                raise self._fail("expected ':'", pos)
            pos = _skip(text, pos + 1)
            if str(name).casefold() in RECORD_MEMBERS and pos < len(text) and text[pos] == "[":
                return pos
            try:
                _, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise self._decode_error(exc) from None
            pos = _skip(text, pos)
            if pos < len(text) and text[pos] == ",":
                pos += 1
        raise self._fail(f"no list of records (looked for a list or a member named {', '.join(RECORD_MEMBERS)})", 0)

    def _peek_keys(self) -> tuple[str, ...]:
        """Keys of the first record, so the profile can be chosen before streaming."""
        for record in self.records(limit=1):
            return tuple(record.values)
        return ()

    def records(self, limit: int | None = None) -> Iterator[RawRecord]:
        text = self.text
        decoder = json.JSONDecoder(parse_float=Decimal)
        pos = self._records_start() + 1
        line, counted_to, produced = 1, 0, 0
        while True:
            pos = _skip(text, pos)
            if pos < len(text) and text[pos] == "]":
                return
            if limit is not None and produced >= limit:
                return
            line += text.count("\n", counted_to, pos)
            counted_to = pos
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise self._decode_error(exc) from None
            if not isinstance(obj, dict):
                raise self._fail("every record must be an object", counted_to)
            yield RawRecord(line, flatten(obj), obj)
            produced += 1
            pos = _skip(text, pos)
            if pos < len(text) and text[pos] == ",":
                pos += 1
            elif pos >= len(text) or text[pos] != "]":
                raise self._fail("expected ',' or ']' after a record", pos)


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested objects to dotted column keys; every value to text (Decimals in plain notation)."""
    out: dict[str, str] = {}
    for key, value in obj.items():
        name = column_key(f"{prefix}{key}")
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        elif value is None:
            continue
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, Decimal):
            out[name] = format(value, "f")
        elif isinstance(value, (list, tuple)):
            out[name] = canonical_json(value)
        else:
            out[name] = str(value).strip()
    return out
