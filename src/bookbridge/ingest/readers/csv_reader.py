"""Reading CSV exports: encoding, delimiter, header row, then one :class:`RawRecord` per row.

* Encoding: :func:`detect_encoding` (BOM, UTF-8, then cp1252/latin-1, reported).
* Delimiter: the profile's, else :class:`csv.Sniffer` restricted to ``, ; TAB |`` and checked for a
  consistent column count, else the candidate that splits the first lines most consistently.
* Header: the first of the first :data:`HEADER_SEARCH_ROWS` rows that carries the profile's
  required columns; lines above it (report titles, totals) are skipped with a warning.
* Line numbers are physical lines, header and preamble counted, so an editor's "go to line" finds
  the row; a quoted field spanning lines makes the row start on its first line.
* Rows are streamed: memory does not grow with the file.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from bookbridge.core.errors import ImportFileError
from bookbridge.ingest.model import FileInfo, Issue, RawRecord, error, warning
from bookbridge.ingest.normalise import column_key
from bookbridge.ingest.profiles import AUTO_DETECT_ORDER, DELIMITERS, Binding, Profile, bind, missing_required
from bookbridge.ingest.readers.encoding import detect_encoding, is_unicode

HEADER_SEARCH_ROWS = 30
SNIFF_BYTES = 64 * 1024
csv.field_size_limit(10 * 1024 * 1024)  # long memos are fine; a runaway quote still ends somewhere


@dataclass(frozen=True)
class CsvHeader:
    """The header row found in a file and the profile bound to it."""

    profile: Profile
    binding: Binding
    keys: tuple[str, ...]
    names: tuple[str, ...]
    line: int


class CsvReader:
    """Opens a CSV file, finds its header, and streams its rows."""

    def __init__(self, path: Path, candidates: Sequence[Profile], *, forced: bool) -> None:
        """Args:
            path: the file.
            candidates: profiles to try, in order (one when the user named it).
            forced: the user named the profile, so a missing column is an error naming it.
        """
        self.path = path
        encodings = {p.encoding for p in candidates if p.encoding}
        self.encoding = detect_encoding(path, encodings.pop() if forced and encodings else None)
        self.delimiter = self._choose_delimiter(candidates[0].delimiter if forced else None)
        self.header = self._find_header(candidates, forced)

    def info(self) -> FileInfo:
        issues: list[Issue] = []
        if not is_unicode(self.encoding):
            issues.append(warning(
                "encoding_fallback",
                f"{self.path.name} is not UTF-8; it was read as {self.encoding}. If names show odd "
                "letters, export it again as UTF-8.",
            ))
        if self.header.line > 1:
            issues.append(warning(
                "preamble_skipped",
                f"Lines 1-{self.header.line - 1} above the header were not rows and were skipped.",
            ))
        return FileInfo(str(self.path), "csv", self.encoding, self.delimiter, self.header.line,
                        self.header.profile.name, tuple(issues))

    def _open(self) -> io.TextIOWrapper:
        return open(self.path, encoding=self.encoding, newline="")

    def _reader(self, fh: io.TextIOBase) -> Any:  # csv's reader type is private (_csv._reader)
        return csv.reader(fh, delimiter=self.delimiter, quotechar='"', doublequote=True, strict=True)

    def _choose_delimiter(self, forced: str | None) -> str:
        if forced:
            return forced
        with self._open() as fh:
            sample = fh.read(SNIFF_BYTES)
        if len(sample) == SNIFF_BYTES and "\n" in sample:
            sample = sample[: sample.rfind("\n") + 1]  # never sniff half a line
        if not sample.strip():
            raise ImportFileError(f"{self.path} is empty: there is nothing to import.", str(self.path))
        try:
            sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            sniffed = None
        scores = {d: _consistency(sample, d) for d in DELIMITERS}
        if sniffed in scores and scores[sniffed] > 0:
            return sniffed
        best = max(DELIMITERS, key=lambda d: scores[d])  # ties keep the order , ; TAB |
        return best if scores[best] > 0 else ","

    def _find_header(self, candidates: Sequence[Profile], forced: bool) -> CsvHeader:
        seen: list[tuple[int, list[str]]] = []
        with self._open() as fh:
            reader = self._reader(fh)
            previous = 0
            try:
                for cells in reader:
                    start, previous = previous + 1, reader.line_num
                    if not any(c.strip() for c in cells):
                        continue
                    seen.append((start, cells))
                    keys = header_keys(cells)
                    for profile in candidates:
                        binding = bind(profile, keys)
                        if not missing_required(profile, binding):
                            return CsvHeader(profile, binding, keys, tuple(c.strip() for c in cells), start)
                    if len(seen) >= HEADER_SEARCH_ROWS:
                        break
            except csv.Error as exc:
                raise ImportFileError(f"{self.path} line {reader.line_num}: {exc}.", str(self.path)) from None
        first = seen[0][1] if seen else []
        found = ", ".join(c.strip() for c in first if c.strip()) or "none"
        if forced:
            profile = candidates[0]
            missing = missing_required(profile, bind(profile, header_keys(first)))
            raise ImportFileError(
                f"{self.path} does not fit profile {profile.name!r}: no header row with the column(s) "
                f"{', '.join(missing)} in the first {HEADER_SEARCH_ROWS} rows (first row: {found}).",
                str(self.path),
            )
        raise ImportFileError(
            f"{self.path}: no known profile fits its header (first row: {found}). Name one with "
            "--profile, or save one with `bookbridge profiles save`.",
            str(self.path),
        )

    def records(self) -> Iterator[RawRecord]:
        """Every data row after the header; fully blank rows are skipped (they are not rows)."""
        header = self.header
        keys, names, width = header.keys, header.names, len(header.keys)
        for start, cells in self.rows():
            if len(cells) == width:  # the usual row, built here rather than through _record
                yield RawRecord(start, dict(zip(keys, map(str.strip, cells))), (names, cells))
            else:
                yield _record(start, cells, keys, names, width)

    def record(self, line: int, cells: list[str]) -> RawRecord:
        """The record of one row from :meth:`rows`."""
        header = self.header
        return _record(line, cells, header.keys, header.names, len(header.keys))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` for every data row after the header, blank rows skipped: the raw
        stream :meth:`records` is built on, which the converter's fast path reads directly."""
        header_line = self.header.line
        with self._open() as fh:
            reader = self._reader(fh)
            previous = 0
            try:
                for cells in reader:
                    start, previous = previous + 1, reader.line_num
                    if start <= header_line or not any(cells):
                        continue
                    yield start, cells
            except csv.Error as exc:
                raise ImportFileError(
                    f"{self.path} line {reader.line_num}: {exc} (check for an unclosed quote).", str(self.path)
                ) from None


def _record(line: int, cells: list[str], keys: tuple[str, ...], names: tuple[str, ...], width: int) -> RawRecord:
    issues: tuple[Issue, ...] = ()
    if len(cells) != width:
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            issues = (error(
                "column_count",
                f"The row has {len(cells)} cells but the header has {width}; an unquoted separator inside "
                "a value (for example 1,234.00 in a comma-separated file) shifts the columns.",
                line=line,
            ),)
        elif len(cells) < width:
            issues = (warning("short_row", f"The row has {len(cells)} of {width} cells; the rest were read as empty.",
                              line=line),)
    values = dict(zip(keys, [c.strip() for c in cells]))
    return RawRecord(line, values, (names, cells), issues)


def header_keys(cells: Sequence[str]) -> tuple[str, ...]:
    """Column keys for a header row; blank headers become ``column N`` and repeats ``name 2``, so
    every column keeps a distinct key and none is silently lost."""
    keys: list[str] = []
    counts: Counter[str] = Counter()
    for index, cell in enumerate(cells, start=1):
        key = column_key(cell) or f"column {index}"
        counts[key] += 1
        keys.append(key if counts[key] == 1 else f"{key} {counts[key]}")
    return tuple(keys)


def _consistency(sample: str, delimiter: str) -> int:
    """How many of the sample's rows share the most common width (> 1 column) with this delimiter."""
    try:
        widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
    except csv.Error:
        return 0
    if not widths:
        return 0
    width, count = Counter(widths).most_common(1)[0]
    return count if width > 1 else 0


def csv_candidates(profile: Profile | None, saved: Sequence[Profile], builtins: dict[str, Profile]) -> list[Profile]:
    """The profiles to try on a CSV header: the named one, or saved ones then the built-ins."""
    if profile is not None:
        return [profile]
    return [*[p for p in saved if "csv" in p.formats], *[builtins[n] for n in AUTO_DETECT_ORDER]]
