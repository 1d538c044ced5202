"""Writing a pack: snapshot, PDF (and CSV), then its SHA-256 in the audit log and the packs table.

The PDF is written to a temporary file beside the target and moved into place only when complete,
so a crash never leaves a half-written pack under the name an auditor was promised. The hash is
taken from the bytes on disk, after the move, and recorded in one transaction with the pack row.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bookbridge.core.errors import UsageError
from bookbridge.reconcile.periods import Period
from bookbridge.reconcile.ledger import LedgerSource
from bookbridge.reports.pack.csv_export import write_csv
from bookbridge.reports.pack.gather import gather_snapshot
from bookbridge.reports.pack.pdf import render_pdf
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import MonthEndPack


@dataclass(frozen=True, slots=True)
class PackResult:
    """What was written."""

    period: str
    path: Path
    sha256: str
    size_bytes: int
    pages: int
    signed_off: bool
    overall: str
    csv_files: tuple[Path, ...]

    def as_dict(self) -> dict[str, object]:
        return {"period": self.period, "file": str(self.path), "sha256": self.sha256, "size_bytes": self.size_bytes,
                "pages": self.pages, "signed_off": self.signed_off, "checklist": self.overall,
                "csv_files": [str(p) for p in self.csv_files]}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_pack(
    book: Book, period: Period, output: Path, *, preparer: str, csv_dir: Path | None = None,
    source: LedgerSource | None = None,
) -> PackResult:
    """Gather ``period``, write the PDF to ``output`` (and CSV files to ``csv_dir``), record its hash.

    Raises:
        UsageError: the output folder does not exist, or no preparer was given.
    """
    output = Path(output)
    if not output.parent.is_dir():
        raise UsageError(f"The folder {output.parent} does not exist; create it or choose another -o path.")
    snapshot = gather_snapshot(book, period, preparer=preparer, source=source)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    os.close(handle)
    try:
        pages = render_pdf(snapshot, Path(temporary))
        os.replace(temporary, output)
    finally:
        Path(temporary).unlink(missing_ok=True)
    digest = _sha256(output)
    size = output.stat().st_size
    csv_files = tuple(write_csv(snapshot, csv_dir)) if csv_dir is not None else ()
    cover = snapshot.cover
    with book.unit_of_work() as session:
        session.add(MonthEndPack(
            period=period.label, file_name=output.name, sha256=digest, size_bytes=size, page_count=pages,
            preparer=cover.preparer, generated_at=cover.generated_at, book_fingerprint=cover.book_fingerprint,
            signed_off=cover.signed_off, csv_files_json=json.dumps([p.name for p in csv_files]) if csv_files else None,
        ))
        audit.record(session, "pack.written", actor=cover.preparer, entity_type="period", entity_id=period.label,
                     file=output.name, sha256=digest, size_bytes=size, pages=pages,
                     book_fingerprint=cover.book_fingerprint, signed_off=cover.signed_off,
                     checklist=snapshot.checklist.overall.value, csv_files=[p.name for p in csv_files])
    return PackResult(period.label, output, digest, size, pages, cover.signed_off, snapshot.checklist.overall.value,
                      csv_files)
