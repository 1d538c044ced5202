"""Fixtures for sync tests: an in-process QBO sandbox on loopback and a book connected to it."""

from __future__ import annotations

from typing import Iterator

import pytest

from bookbridge.sandbox.qbo import QboSandbox
from sync_book import connect


@pytest.fixture
def sandbox() -> Iterator[QboSandbox]:
    """A sandbox without rate limits or faults (tests of those configure their own)."""
    with QboSandbox(limits=False) as running:
        yield running


@pytest.fixture
def store(book, sandbox):
    """The book connected to the sandbox as connection 'main'; returns the connection's token store.

    The client's rate windows are scaled down (the sandbox here has no limits), so a run is not
    held to QBO's 10 requests per second.
    """
    return connect(book, sandbox, settings={"time_scale": 100})
