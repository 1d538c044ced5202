"""Fixtures every test tier shares: a fresh book, a fast passphrase, an isolated environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = (REPO_ROOT / ".." / "shared" / "fixtures").resolve()
TEST_PASSPHRASE = "test passphrase 1234"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Logs, settings and Qt preferences go to a temporary home, never the developer's."""
    if os.environ.get("BOOKBRIDGE_TEST_KEYRING"):
        return  # the keyring wrapper already gave this run fresh XDG directories
    home = tmp_path_factory.mktemp("xdg")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    return tmp_path / "company.bbk"


@pytest.fixture
def book(book_path: Path) -> Iterator["object"]:
    """A new, migrated, encrypted book for one test."""
    from bookbridge.store.book import create_book

    with create_book(book_path, TEST_PASSPHRASE, company="Test Haulage Ltd", home_currency="USD") as b:
        yield b


@pytest.fixture
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.is_dir():
        pytest.fail(f"shared fixtures missing at {SHARED_FIXTURES}: the repo must sit beside ../shared")
    return SHARED_FIXTURES


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the real `bookbridge` process with the test passphrase."""
    env = dict(os.environ)
    env["BOOKBRIDGE_PASSPHRASE"] = TEST_PASSPHRASE
    env.setdefault("XDG_STATE_HOME", str(tmp_path / "state"))
    return env


@pytest.fixture
def run_cli(cli_env: dict[str, str]):
    """Run the real `bookbridge` command in a child process; returns the CompletedProcess."""
    import subprocess
    import sys

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 120):
        return subprocess.run(
            [sys.executable, "-m", "bookbridge", *map(str, args)],
            capture_output=True,
            text=True,
            input=input,
            env=env or cli_env,
            timeout=timeout,
        )

    return run
