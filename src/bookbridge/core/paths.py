"""Per-user directories (platformdirs), created on first use."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "Bookbridge"
APP_AUTHOR = "Bookbridge"


def _ensure(path: str) -> Path:
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p


def log_dir() -> Path:
    return _ensure(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def config_dir() -> Path:
    return _ensure(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def data_dir() -> Path:
    return _ensure(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
