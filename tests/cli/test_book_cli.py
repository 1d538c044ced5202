"""`bookbridge book ...` through the real command, with its exit codes."""

from __future__ import annotations

import json
from pathlib import Path


def test_init_info_roundtrip(run_cli, tmp_path: Path) -> None:
    """init creates a book that info describes as JSON with schema, counts and fingerprint."""
    book = tmp_path / "fleet.bbk"
    created = run_cli("book", "init", book, "--company", "Fleet Co", "--home-currency", "GBP", "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["home_currency"] == "GBP"
    info = run_cli("book", "info", book, "--json")
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["company"] == "Fleet Co" and data["counts"]["companies"] == 1
    assert data["schema_version"] == data["schema_head"]


def test_wrong_passphrase_exits_2_with_one_line(run_cli, cli_env, tmp_path: Path) -> None:
    """A wrong passphrase prints one line naming the file and exits 2."""
    book = tmp_path / "locked.bbk"
    assert run_cli("book", "init", book).returncode == 0
    env = dict(cli_env, BOOKBRIDGE_PASSPHRASE="wrong wrong wrong")
    result = run_cli("book", "info", book, env=env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Wrong passphrase" in lines[0] and str(book) in lines[0]


def test_init_refuses_existing_file(run_cli, tmp_path: Path) -> None:
    """init over an existing file exits 2 and leaves it untouched."""
    target = tmp_path / "notes.bbk"
    target.write_text("keep me")
    result = run_cli("book", "init", target)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert target.read_text() == "keep me"


def test_not_a_book_exits_2(run_cli, tmp_path: Path) -> None:
    """A text file given as a book exits 2 with a message naming it."""
    target = tmp_path / "readme.txt"
    target.write_text("just text, but long enough to look like something " * 40)
    result = run_cli("book", "info", target)
    assert result.returncode == 2 and str(target) in result.stderr


def test_rekey_through_cli(run_cli, cli_env, tmp_path: Path) -> None:
    """rekey switches the passphrase: the old one fails afterwards, the new one works."""
    book = tmp_path / "rekey.bbk"
    assert run_cli("book", "init", book).returncode == 0
    result = run_cli("book", "rekey", book, env=dict(cli_env, BOOKBRIDGE_NEW_PASSPHRASE="the second passphrase"))
    assert result.returncode == 0, result.stderr
    assert run_cli("book", "info", book).returncode == 2
    assert run_cli("book", "info", book, env=dict(cli_env, BOOKBRIDGE_PASSPHRASE="the second passphrase")).returncode == 0
