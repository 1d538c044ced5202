"""Helpers for the import tests: files written byte for byte, imports into the real test book."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa

from bookbridge.ingest.results import ImportOptions, ImportResult
from bookbridge.ingest.service import import_file, preview_file
from bookbridge.store.book import Book

DATA = Path(__file__).resolve().parents[1] / "data" / "import"

EXPENSIFY_HEADER = ('Timestamp,Merchant,Amount,MCC,Category,Tag,Comment,Reimbursable,"Original Currency",'
                    '"Original Amount",Receipt')


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` exactly (no newline translation) and return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def expensify_csv(path: Path, *rows: str) -> Path:
    return write(path, "\n".join([EXPENSIFY_HEADER, *rows]) + "\n")


def run_import(book: Book, path: Path, *, progress: Any = None, cancel: Any = None, **options: Any) -> ImportResult:
    return import_file(book, ImportOptions(Path(path), **options), progress=progress, cancel=cancel)


def run_preview(book: Book, path: Path, **options: Any) -> ImportResult:
    return preview_file(book, ImportOptions(Path(path), **options))


def count(book: Book, table: str, where: str = "") -> int:
    with book.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table} {where}")).scalar_one())


def rows(book: Book, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with book.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def logical_content(book: Book) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in rowid order: what 'the book is unchanged' compares."""
    with book.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))]
        return {t: [tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM "{t}" ORDER BY rowid'))] for t in tables}



def many_rows_csv(path: Path, n: int, *, marker: str = "Vendor") -> Path:
    """An Expensify export of ``n`` distinct rows (enough to span several write chunks)."""
    lines = [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 08:{i % 60:02d}:00,{marker} {i % 97},{1 + i % 500}.{i % 100:02d},"
             f"5542,Fuel,,row {i},No,,," for i in range(n)]
    return expensify_csv(path, *lines)


@contextmanager
def killed_after_first_chunk(child_code: str, *args: str) -> Iterator[None]:
    """Run an import in a child process and SIGKILL it once its first 2,000 rows are written.

    ``child_code`` runs the import with a progress callback that prints ``written N`` and then
    sleeps; the body of the ``with`` runs while those rows sit uncommitted, then the child is killed.
    """
    child = subprocess.Popen([sys.executable, "-c", child_code, *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("written 2000"), child.stderr.read()  # type: ignore[union-attr]
        yield
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
