"""Fixtures for the import tests (helpers live in ingest_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest_helpers import DATA


@pytest.fixture
def data_dir() -> Path:
    """tests/data/import: the handwritten tricky files."""
    return DATA
