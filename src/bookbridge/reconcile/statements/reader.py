"""One entry point for every statement format: look at the file's first bytes, pick the reader."""

from __future__ import annotations

from pathlib import Path

from bookbridge.core.errors import ImportFileError
from bookbridge.reconcile.statements.camt053 import looks_like_camt053, read_camt053
from bookbridge.reconcile.statements.csv_profiles import CsvStatementProfile, read_csv_statement
from bookbridge.reconcile.statements.model import ParsedFile, StatementFormat, error
from bookbridge.reconcile.statements.ofx import looks_like_ofx, read_ofx

MAX_FILE_BYTES = 50 * 1024 * 1024  # a year of a busy account is a few MB; more is not a statement


def read_statement_file(
    path: Path, *, profile: CsvStatementProfile | None = None, default_currency: str | None = None
) -> ParsedFile:
    """Read a statement file of any supported format.

    OFX/QFX and camt.053 are recognised by content, whatever the file is called; anything else
    is read as CSV when a profile is given.

    Raises:
        ImportFileError: the file cannot be read at all (missing, unreadable, too large).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(f"{path.name} is {size:,} bytes, too large for a statement file.", str(path))
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}.", str(path)) from None
    return read_statement_bytes(data, path.name, profile=profile, default_currency=default_currency)


def read_statement_bytes(
    data: bytes, file_name: str, *, profile: CsvStatementProfile | None = None, default_currency: str | None = None
) -> ParsedFile:
    """Like :func:`read_statement_file`, from bytes already in memory."""
    head = data[:4096]
    if looks_like_ofx(head):
        return read_ofx(data, file_name, default_currency=default_currency)
    if looks_like_camt053(head) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return read_camt053(data, file_name, default_currency=default_currency)
    if profile is not None:
        return read_csv_statement(data, file_name, profile, currency=default_currency)
    return ParsedFile(file_name, StatementFormat.CSV, (), (error(
        "unknown_format",
        "this is neither OFX/QFX nor camt.053; for a CSV export name its layout with --profile",
    ),))
