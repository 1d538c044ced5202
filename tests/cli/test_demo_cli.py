"""`bookbridge demo --headless` without --json: the month end as a person reads it."""

from __future__ import annotations

import shlex
from datetime import date

from bookbridge.cli.demo import _print_month_end
from bookbridge.store.book import open_book
from bookbridge.sync.demo.data import create_demo_book
from bookbridge.sync.demo.month_end import close_demo_month

TODAY = date(2026, 11, 21)
PASSPHRASE = "demo cli test passphrase"


def test_month_end_text_names_the_pack_the_open_line_and_every_checklist_item(tmp_path, capsys) -> None:
    """The printed month end gives the counts, how to explain each open line, every checklist item and the pack's hash."""
    path = tmp_path / "my demo.bbk"
    create_demo_book(path, PASSPHRASE, today=TODAY)
    with open_book(path, PASSPHRASE) as book:
        month = close_demo_month(book, path, today=TODAY).as_dict()
    _print_month_end(month, str(path))
    out = capsys.readouterr().out
    matching = month["matching"]
    assert f"{matching['matched']} of {matching['lines']} lines matched ({matching['matched_total']})" in out
    assert matching["open_lines"] and all(
        f"match explain {shlex.quote(str(path))} {line['id']} --note" in out for line in matching["open_lines"])
    assert all(item["sentence"] in out for item in month["checklist"]["items"])
    assert f"Pack: {month['pack']['file']} ({month['pack']['pages']} pages, SHA-256 {month['pack']['sha256']})" in out
