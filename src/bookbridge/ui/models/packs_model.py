"""Packs written for the book (the ``month_end_packs`` table) and where this computer put them.

The book records each pack's file name, SHA-256, pages, preparer and whether the month was
signed off, but not the folder (a book travels between computers; a path would mislead). This
app remembers, in its own settings, where it wrote each pack (by SHA-256), so "Open" works for
packs written here and the grid can say when the file on disk no longer is the recorded one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bookbridge.store.book import Book
from bookbridge.store.models import MonthEndPack
from bookbridge.ui.formatting import format_count, format_datetime
from bookbridge.ui.models.record_table import ColumnSpec, RecordTableModel
from bookbridge.ui.settings import qsettings

_PATHS_KEY = "window/packs/paths"  # sha256 -> absolute path, this computer's memory only


@dataclass(frozen=True, slots=True)
class PackRow:
    """One written pack; ``path`` is where this computer wrote it (None: elsewhere, or unknown)."""

    id: int
    period: str
    file_name: str
    sha256: str
    size_bytes: int
    pages: int
    preparer: str
    generated_at: datetime
    signed_off: bool
    csv_files: int
    path: Path | None
    intact: bool | None  # the file at ``path`` still has the recorded SHA-256 (None: not checked)


def remember_pack_path(sha256: str, path: Path) -> None:
    settings = qsettings()
    known = dict(settings.value(_PATHS_KEY, {}) or {})
    known[sha256] = str(Path(path).resolve())
    settings.setValue(_PATHS_KEY, known)


def remembered_paths() -> dict[str, str]:
    """Read on the GUI thread (QSettings), handed to the worker that lists packs."""
    return {str(k): str(v) for k, v in dict(qsettings().value(_PATHS_KEY, {}) or {}).items()}


def _intact(path: Path, sha256: str) -> bool:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def list_packs(book: Book, paths: dict[str, str]) -> list[PackRow]:
    """Every pack of the book, newest first, with its file checked against its recorded hash."""
    import json

    with book.read() as session:
        rows = session.scalars(sa.select(MonthEndPack).order_by(MonthEndPack.generated_at.desc())).all()
        packs = [(r.id, r.period, r.file_name, r.sha256, r.size_bytes, r.page_count, r.preparer, r.generated_at,
                  r.signed_off, len(json.loads(r.csv_files_json)) if r.csv_files_json else 0) for r in rows]
    found = []
    for values in packs:
        known = paths.get(values[3])
        path = Path(known) if known and Path(known).is_file() else None
        found.append(PackRow(*values, path=path, intact=_intact(path, values[3]) if path else None))
    return found


def _where(pack: PackRow) -> str:
    if pack.path is None:
        return "not on this computer (written elsewhere, moved or deleted)"
    return str(pack.path) if pack.intact else f"{pack.path} — CHANGED since it was written"


class PacksModel(RecordTableModel):
    """Packs written, newest first (``PackRow`` records)."""

    columns = (
        ColumnSpec("Month", lambda p: p.period),
        ColumnSpec("Written", lambda p: format_datetime(p.generated_at), sort=lambda p: p.generated_at),
        ColumnSpec("By", lambda p: p.preparer),
        ColumnSpec("Signed off", lambda p: "yes" if p.signed_off else "draft",
                   tone=lambda p: "good" if p.signed_off else "warn"),
        ColumnSpec("Pages", lambda p: format_count(p.pages), sort=lambda p: p.pages, right=True),
        ColumnSpec("CSV files", lambda p: format_count(p.csv_files) if p.csv_files else "", sort=lambda p: p.csv_files,
                   right=True),
        ColumnSpec("SHA-256", lambda p: p.sha256[:16] + "…", tooltip=lambda p: p.sha256),
        ColumnSpec("File", lambda p: p.file_name, tooltip=_where,
                   tone=lambda p: "bad" if p.intact is False else "quiet" if p.path is None else None),
    )
