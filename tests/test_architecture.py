"""The dependency rules of ARCHITECTURE.md, checked by import-linter on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    """Only ui imports Qt, connectors and journal stay pure, and layers point downwards."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_float_money_columns() -> None:
    """No model declares a Numeric/Float column: money is integer minor units."""
    import sqlalchemy as sa

    import bookbridge.store.models  # noqa: F401
    from bookbridge.store.base import Base

    offenders = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, (sa.Numeric, sa.Float))
    ]
    assert offenders == []
