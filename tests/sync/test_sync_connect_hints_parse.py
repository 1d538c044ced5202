"""The `bookbridge connect ...` commands the sync engine suggests parse with the CLI's own parser.

`bookbridge connect` requires --provider: a suggestion without it is rejected when the
bookkeeper pastes it. The sibling of tests/connectors/test_reconnect_command_parses.py, for the
messages written by the sync engine rather than by the connectors.
"""

from __future__ import annotations

import re
import shlex
from datetime import timedelta

import pytest

from bookbridge.cli import build_parser
from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.registry import PROVIDERS
from bookbridge.connectors.tokens import TokenSet
from bookbridge.core import clock
from bookbridge.core.errors import NotFound
from bookbridge.exceptions.views import list_exceptions
from bookbridge.sync.connection import find_connection
from bookbridge.sync.problems import report_connection
from bookbridge.sync.runner import SyncCouldNotStart, SyncOptions, run_sync
from bookbridge.sync.txn import write_unit

CONNECTION = "books-2024"  # not the CLI's default, so a parse that drops --name shows
SUGGESTED = re.compile(r"`(bookbridge connect [^`]*)`")


def parse_suggestion(message: str, **placeholders: str):
    """The parsed arguments of the one `bookbridge connect ...` in ``message`` (BOOK and placeholders filled in)."""
    found = SUGGESTED.findall(message)
    assert len(found) == 1, f"expected one `bookbridge connect ...` in {message!r}"
    values = {"BOOK": "placeholder.bbk", **placeholders}
    argv = [values.get(word, word) for word in shlex.split(found[0])[1:]]
    try:
        return build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"`{found[0]}` does not parse with the bookbridge CLI")


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_credentials_exception_suggests_a_connect_command_that_parses(book, name: str) -> None:
    """The queue's reconnect advice names the connection's provider and name, and parses."""
    error = ReconnectRequired("the connection was revoked", provider=name, code="reconnect")
    with write_unit(book) as session:
        report_connection(session, error, connection=CONNECTION, provider=name, label=PROVIDERS[name].label, waiting=3)
    (exception,) = list_exceptions(book, open_only=True)
    args = parse_suggestion(exception.message)
    assert (args.command, args.provider, args.name, str(args.book)) == ("connect", name, CONNECTION, "placeholder.bbk")


def test_a_sync_stopped_by_refused_credentials_suggests_its_own_provider(book, sandbox, store) -> None:
    """End to end: revoked tokens stop the run, and the queued advice names this connection's provider (qbo)."""
    store.save_tokens(TokenSet("not-a-token", "not-a-refresh-token", clock.now() + timedelta(hours=1)))
    with pytest.raises(SyncCouldNotStart):
        run_sync(book, SyncOptions(token_store=store))
    (exception,) = list_exceptions(book, open_only=True)
    args = parse_suggestion(exception.message)
    assert (args.provider, args.name) == ("qbo", "main")


def test_a_book_without_connections_suggests_a_connect_command_that_parses_for_each_provider(book) -> None:
    """With no connection there is no provider to name: every listed choice parses, and the list is the registry."""
    with book.read() as session, pytest.raises(NotFound) as missing:
        find_connection(session, None)
    message = missing.value.user_message
    listed = re.search(r"PROVIDER: one of ([^)]*)\)", message)
    assert listed and listed.group(1).split(", ") == sorted(PROVIDERS)
    for name in sorted(PROVIDERS):
        args = parse_suggestion(message, PROVIDER=name)
        assert (args.command, args.provider, str(args.book)) == ("connect", name, "placeholder.bbk")
