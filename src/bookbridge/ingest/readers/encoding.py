"""Finding out how a text file is encoded, and saying so.

Order of tests: a byte-order mark (UTF-8 or UTF-16) decides; otherwise the whole file must decode
as UTF-8; otherwise Windows-1252 (what Excel on Windows writes), and if even that fails
(cp1252 leaves five bytes undefined) ISO-8859-1, which accepts every byte. The encoding used is
returned so the import can report it; a non-UTF-8 file also gets a warning, because a wrong guess
there would show as odd letters in names rather than as an error.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from bookbridge.core.errors import ImportFileError

CHUNK = 1 << 20
_SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # xlsx/ods (zip), legacy xls (OLE)


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """The Python codec name to read ``path`` with.

    Args:
        path: the file.
        declared: an encoding a profile insists on; checked, not trusted blindly.

    Raises:
        ImportFileError: the file is missing, a spreadsheet or binary, or does not decode with
            the declared encoding.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}.", str(path)) from None
    if head.startswith(_SPREADSHEET_MAGIC):
        raise ImportFileError(
            f"{path} is a spreadsheet, not a text file; save it as CSV (UTF-8) and import that.", str(path)
        )
    if declared:
        _check_decodes(path, declared)
        return declared
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportFileError(
            f"{path} contains NUL bytes: it looks like a binary file, not a CSV, JSON or XML export.", str(path)
        )
    for candidate in ("utf-8", "cp1252"):
        if _decodes(path, candidate):
            return candidate
    return "latin-1"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _check_decodes(path: Path, encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFileError(f"The profile names an unknown encoding {encoding!r}.", str(path)) from None
    if not _decodes(path, encoding):
        raise ImportFileError(
            f"{path} does not decode as {encoding}, the encoding the profile names; "
            "check the export settings or remove the encoding from the profile.",
            str(path),
        )


def is_unicode(encoding: str) -> bool:
    """True for the UTF encodings (no guess was involved in choosing them)."""
    return encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8", "utf-16")
