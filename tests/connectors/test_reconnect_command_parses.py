"""The command a reconnect message suggests is one the `bookbridge` parser accepts, for every provider.

Each provider's connector is opened from the registry over an empty token store, so its first
call asks the user to connect again; the ``bookbridge connect ...`` in that message is parsed
with the CLI's own parser. A provider added to the registry is checked without a new test.
"""

from __future__ import annotations

import re
import shlex

import pytest

from bookbridge.cli import build_parser
from bookbridge.connectors.errors import ReconnectRequired
from bookbridge.connectors.registry import PROVIDERS, open_connector
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.connectors.tokens import MemoryTokenStore

CONNECTION = "books-2024"  # not the CLI's default, so a parse that drops --name shows
# Nothing listens here and nothing is sent: the empty store stops every connector before a request.
LOCAL_BASE_URL = "http://127.0.0.1:9"
SUGGESTED = re.compile(r"\((bookbridge connect [^)]*)\)")


def reconnect_message(name: str) -> str:
    settings = ConnectionSettings(name, CONNECTION, LOCAL_BASE_URL, "C1", max_attempts=1)
    connector = open_connector(settings, MemoryTokenStore())
    try:
        with pytest.raises(ReconnectRequired) as refused:
            connector.company()
    finally:
        connector.close()
    return refused.value.user_message


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_suggested_connect_command_parses_with_the_cli(name: str) -> None:
    """The reconnect message's `bookbridge connect ...` parses and names this provider and connection."""
    message = reconnect_message(name)
    suggested = SUGGESTED.search(message)
    assert suggested, f"no `(bookbridge connect ...)` in {message!r}"
    # "..." stands for the book (and any options the user adds): a placeholder path takes its place.
    argv = [("placeholder.bbk" if word == "..." else word) for word in shlex.split(suggested.group(1))[1:]]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"`{suggested.group(1)}` does not parse with the bookbridge CLI")
    assert (args.command, args.provider, args.name, str(args.book)) == ("connect", name, CONNECTION, "placeholder.bbk")
