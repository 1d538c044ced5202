"""Receipts: image and PDF files stored inside the encrypted book, or links kept as links.

Where a row's receipt comes from, in order:

1. the row's receipt column holds a URL (``http://`` or ``https://``): kept as a link
   (``expenses.receipt_url``); Bookbridge does not download it;
2. the receipt column holds a file name: looked up in the receipts folder (``--receipts DIR``),
   else next to the imported file. A name that would leave that folder (``../..``) is refused;
3. no receipt column value, a receipts folder, and a row with a source id: a file in the folder
   whose name without extension is that id (``T-1001.pdf``).

Only real images and PDFs are stored (checked by their first bytes, not their extension), up to
:data:`MAX_RECEIPT_BYTES`. Files are deduplicated by SHA-256: the same scan attached to three
expenses is stored once and linked three times. Problems are warnings: the expense still lands.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa

from bookbridge.core.errors import UsageError
from bookbridge.ingest.model import ExpenseDraft, Issue, warning
from bookbridge.store.models import Receipt

MAX_RECEIPT_BYTES = 25 * 1024 * 1024
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def sniff_mime(head: bytes) -> str | None:
    """The MIME type of a receipt from its first bytes, or None for anything else."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "image/heic"
    return None


@dataclass(frozen=True, slots=True)
class ReceiptFile:
    """A receipt file that passed the checks (its bytes are read again only when stored)."""

    path: Path
    sha256: str
    mime_type: str
    size: int


class ReceiptMatch(NamedTuple):
    """What was found for one row: a link, a file, or nothing (with the reason as issues).

    A named tuple (as immutable as a frozen dataclass, at half the cost to build): the import
    makes one for every row that lands.
    """

    url: str | None = None
    file: ReceiptFile | None = None
    issues: tuple[Issue, ...] = ()

    @property
    def found(self) -> bool:
        return self.url is not None or self.file is not None


NO_RECEIPT = ReceiptMatch()  # shared: most rows without a receipt need no object of their own


class ReceiptFinder:
    """Finds receipt files for rows. Files are hashed once per import, however often referenced."""

    def __init__(self, receipts_dir: Path | None, file_dir: Path) -> None:
        if receipts_dir is not None and not receipts_dir.is_dir():
            raise UsageError(f"The receipts folder {receipts_dir} does not exist or is not a folder.")
        self.receipts_dir = receipts_dir
        self.base = (receipts_dir or file_dir).resolve()
        self._by_name: dict[str, Path] = {}
        self._by_stem: dict[str, Path] = {}
        if receipts_dir is not None:
            with os.scandir(receipts_dir) as entries:
                for entry in entries:
                    if entry.is_file():
                        path = Path(entry.path)
                        self._by_name.setdefault(entry.name.casefold(), path)
                        self._by_stem.setdefault(path.stem.casefold(), path)
        self._checked: dict[Path, ReceiptFile | Issue] = {}

    def find(self, draft: ExpenseDraft) -> ReceiptMatch:
        ref = (draft.receipt or "").strip()
        if ref and _URL.match(ref):
            return ReceiptMatch(url=ref[:1000])
        if ref:
            path, problem = self._resolve(ref)
            if problem is not None:
                return ReceiptMatch(issues=(problem.at(draft.line),))
        elif self.receipts_dir is not None and draft.source_id:
            path = self._by_stem.get(draft.source_id.casefold())
        else:
            path = None
        if path is None:
            return NO_RECEIPT
        checked = self._check(path)
        if isinstance(checked, Issue):
            return ReceiptMatch(issues=(checked.at(draft.line),))
        return ReceiptMatch(file=checked)

    def _resolve(self, ref: str) -> tuple[Path | None, Issue | None]:
        candidate = (self.base / ref).resolve()
        if not candidate.is_relative_to(self.base):
            return None, warning("receipt_outside_folder",
                                 f"Receipt {ref!r} points outside {self.base}; it was not read.", "receipt")
        if candidate.is_file():
            return candidate, None
        by_name = self._by_name.get(Path(ref).name.casefold())
        if by_name is not None:
            return by_name, None
        return None, warning("receipt_not_found", f"Receipt file {ref!r} was not found in {self.base}.", "receipt")

    def _check(self, path: Path) -> ReceiptFile | Issue:
        cached = self._checked.get(path)
        if cached is not None:
            return cached
        result: ReceiptFile | Issue
        try:
            size = path.stat().st_size
            if size > MAX_RECEIPT_BYTES:
                result = warning("receipt_too_large", f"Receipt {path.name} is {size:,} bytes; the limit is "
                                 f"{MAX_RECEIPT_BYTES:,}.", "receipt")
            else:
                content = path.read_bytes()
                mime = sniff_mime(content[:16])
                result = (ReceiptFile(path, hashlib.sha256(content).hexdigest(), mime, len(content)) if mime else
                          warning("receipt_unsupported", f"Receipt {path.name} is not a PDF or an image "
                                  "(JPEG, PNG, GIF, TIFF, WebP, HEIC).", "receipt"))
        except OSError as exc:
            result = warning("receipt_unreadable", f"Receipt {path.name} could not be read: {exc.strerror or exc}.",
                             "receipt")
        self._checked[path] = result
        return result


class ReceiptStore:
    """Stores receipt files in the book once per SHA-256 and returns their ids.

    Each new file is inserted at once (one row), so no receipt content waits in memory; in a
    preview nothing is written and ids are provisional.
    """

    def __init__(self, conn: sa.Connection, next_id: int, created_at: datetime, *, write: bool) -> None:
        self._conn = conn
        self._next_id = next_id
        self._created_at = created_at
        self._write = write
        self._ids: dict[str, int] = {}
        self.stored = 0
        self.reused = 0

    def store(self, receipt: ReceiptFile) -> int:
        known = self._ids.get(receipt.sha256)
        if known is None:
            found = self._conn.execute(sa.select(Receipt.id).where(Receipt.sha256 == receipt.sha256)).first()
            if found is not None:
                known = self._ids[receipt.sha256] = found[0]
        if known is not None:
            self.reused += 1
            return known
        receipt_id = self._next_id
        self._next_id += 1
        if self._write:
            content = receipt.path.read_bytes()
            if hashlib.sha256(content).hexdigest() != receipt.sha256:
                raise UsageError(f"Receipt {receipt.path} changed while it was being imported; import again.")
            self._conn.execute(sa.insert(Receipt).values(
                id=receipt_id, sha256=receipt.sha256, file_name=receipt.path.name[:300],
                mime_type=receipt.mime_type, size=receipt.size, content=content, created_at=self._created_at,
            ))
        self._ids[receipt.sha256] = receipt_id
        self.stored += 1
        return receipt_id
