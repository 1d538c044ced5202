"""Readers turn a file into :class:`~bookbridge.ingest.model.RawRecord` streams.

:func:`open_source` picks the reader from the file (extension, else first character), picks the
profile (the one named, else the first that fits the header or the first record), and reports
what it decided in a :class:`~bookbridge.ingest.model.FileInfo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from bookbridge.core.errors import ImportFileError
from bookbridge.ingest.model import FileInfo, RawRecord
from bookbridge.ingest.profiles import BUILTIN_PROFILES, Binding, Profile, bind, missing_required
from bookbridge.ingest.readers.csv_reader import CsvReader, csv_candidates

_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".xml": "xml"}


@dataclass(frozen=True)
class Source:
    """An opened input: what was decided about it and how to stream it.

    ``binding`` serves every CSV row; JSON and XML records may differ in which keys they carry,
    so :meth:`binding_for` binds per set of keys (cached).
    """

    info: FileInfo
    profile: Profile
    binding: Binding | None
    records: Callable[[], Iterator[RawRecord]]
    # CSV only: the raw ``(line, cells)`` stream under ``records``, the record of one such row,
    # and the header's column keys (what the converter's fast path needs).
    rows: Callable[[], Iterator[tuple[int, list[str]]]] | None = None
    record_at: Callable[[int, list[str]], RawRecord] | None = None
    keys: tuple[str, ...] = ()

    def binding_for(self, record: RawRecord, cache: dict[tuple[str, ...], Binding]) -> Binding:
        if self.binding is not None:
            return self.binding
        keys = tuple(record.values)
        found = cache.get(keys)
        if found is None:
            found = cache[keys] = bind(self.profile, keys)
        return found


def detect_format(path: Path) -> str:
    """csv, json or xml, from the extension or else from the first non-blank character."""
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt:
        return fmt
    try:
        with open(path, "rb") as fh:
            head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}.", str(path)) from None
    if head[:1] in (b"{", b"["):
        return "json"
    if head[:1] == b"<":
        return "xml"
    return "csv"


def open_source(path: Path, profile: Profile | None, saved: Sequence[Profile] = ()) -> Source:
    """Open ``path`` with ``profile`` (or auto-detect among ``saved`` and the built-ins).

    Raises:
        ImportFileError: missing or unreadable file, no fitting profile, malformed content.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"Cannot import {path}: no such file.", str(path))
    fmt = detect_format(path)
    if profile is not None and fmt not in profile.formats:
        raise ImportFileError(
            f"{path} looks like {fmt.upper()}, but profile {profile.name!r} reads {', '.join(profile.formats)}.",
            str(path),
        )
    if fmt == "csv":
        reader = CsvReader(path, csv_candidates(profile, saved, BUILTIN_PROFILES), forced=profile is not None)
        return Source(reader.info(), reader.header.profile, reader.header.binding, reader.records, reader.rows,
                      reader.record, reader.header.keys)
    if fmt == "json":
        from bookbridge.ingest.readers.json_reader import JsonReader

        json_reader = JsonReader(path)
        chosen = profile or _feed_profile(path, json_reader.keys_hint, ("concur", "tms"), saved, "json")
        return Source(json_reader.info(chosen.name), chosen, None, json_reader.records)
    from bookbridge.ingest.readers.xml_reader import XmlReader

    xml_reader = XmlReader(path)
    chosen = profile or _feed_profile(path, xml_reader.keys_hint, ("tms",), saved, "xml")
    return Source(xml_reader.info(chosen.name), chosen, None, xml_reader.records)


def _feed_profile(path: Path, keys: tuple[str, ...], order: tuple[str, ...], saved: Sequence[Profile],
                  fmt: str) -> Profile:
    """The first profile whose required fields the first record carries."""
    if not keys:
        raise ImportFileError(f"{path} holds no records: there is nothing to import.", str(path))
    candidates = [*[p for p in saved if fmt in p.formats], *[BUILTIN_PROFILES[n] for n in order]]
    for candidate in candidates:
        if not missing_required(candidate, bind(candidate, keys)):
            return candidate
    raise ImportFileError(
        f"{path}: no known profile fits its first record (keys: {', '.join(keys) or 'none'}). "
        "Name one with --profile.",
        str(path),
    )
