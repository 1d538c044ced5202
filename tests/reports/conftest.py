"""Fixtures for the pack tests: the realistic January built by tests/reconcile/month_end_book.py,
and the poppler tools the tests read PDFs with (a declared system dependency: missing means FAIL)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reconcile"))

from month_end_book import (  # noqa: E402,F401  (fixtures shared with the reconcile tests)
    after_close, january, january_file, january_unmatched, january_unmatched_file,
)

POPPLER = ("pdftotext", "pdftoppm", "pdfimages", "pdfinfo")


@pytest.fixture(scope="session")
def poppler() -> dict[str, str]:
    """Paths of the poppler-utils binaries; fails (never skips) when they are not installed."""
    found = {name: shutil.which(name) for name in POPPLER}
    missing = sorted(name for name, path in found.items() if path is None)
    if missing:
        pytest.fail(f"poppler-utils is missing ({', '.join(missing)} not on PATH): it is a declared system dependency "
                    "of the test suite; install it (apt-get install poppler-utils) and run again.")
    return {name: str(path) for name, path in found.items()}


@pytest.fixture
def pdf_text(poppler):
    """Text of a PDF per page, via pdftotext -layout (pages split on form feeds)."""

    def extract(path: Path) -> list[str]:
        out = subprocess.run([poppler["pdftotext"], "-layout", str(path), "-"], capture_output=True, text=True,
                             check=True, timeout=60)
        pages = out.stdout.split("\f")
        return pages[:-1] if pages and not pages[-1].strip() else pages

    return extract
