"""Fixtures: a fresh QBO sandbox per test on a free loopback port, and a connected client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bookbridge.sandbox.qbo import QboSandbox
from qbo_sandbox_helpers import Client, connect


@pytest.fixture
def sandbox() -> Iterator[QboSandbox]:
    """A sandbox without rate limits (tests of limits build their own)."""
    with QboSandbox(limits=False) as running:
        yield running


@pytest.fixture
def client(sandbox: QboSandbox) -> Client:
    tokens = connect(sandbox.base_url)
    return Client(sandbox.base_url, sandbox.realm_id, tokens["access_token"])
