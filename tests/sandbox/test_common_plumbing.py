"""Shared sandbox plumbing without HTTP: exact JSON, atomic state files, tokens, fault draws."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.errors import OAuthError, SandboxError
from bookbridge.sandbox.common.faults import Fault, FaultConfig, FaultInjector
from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.common.tokens import TokenStore

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**12, max_value=10**12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@given(_json_values)
def test_json_round_trip_keeps_decimals_exact(value: object) -> None:
    """Whatever goes in comes back equal, every Decimal exactly (no float on the way)."""
    assert jsonio.loads(jsonio.dumps(value)) == value


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimals_are_written_as_json_numbers(value: Decimal) -> None:
    """A Decimal is a bare JSON number that the standard parser reads back as the same value."""
    text = jsonio.dumps({"Amount": value})
    assert json.loads(text, parse_float=Decimal, parse_int=Decimal)["Amount"] == value
    assert '"Amount":"' not in text


def test_floats_are_refused() -> None:
    """The writer refuses floats instead of writing an inexact amount."""
    with pytest.raises(TypeError):
        jsonio.dumps({"Amount": 0.1})


def test_indented_output_is_valid_json() -> None:
    """The indented form (used for state files) parses to the same document."""
    document = {"a": [Decimal("1.10"), {"b": None}], "c": {}}
    assert jsonio.loads(jsonio.dumps(document, indent=1)) == document


def test_concurrent_saves_leave_one_whole_document(tmp_path: Path) -> None:
    """Eight threads saving at once leave a valid file holding one of their documents."""
    state = JsonStateFile(tmp_path / "state.json")
    documents = [{"writer": n, "items": list(range(200))} for n in range(8)]
    threads = [threading.Thread(target=state.save, args=(doc,)) for doc in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state.load() in documents
    assert list(tmp_path.iterdir()) == [tmp_path / "state.json"]


def test_missing_state_file_loads_as_none(tmp_path: Path) -> None:
    """No file yet means a fresh start, not an error."""
    assert JsonStateFile(tmp_path / "absent.json").load() is None


def test_unreadable_state_file_is_a_sandbox_error(tmp_path: Path) -> None:
    """A damaged file raises an error that names it."""
    path = tmp_path / "state.json"
    path.write_text("[1,", encoding="utf-8")
    with pytest.raises(SandboxError, match="state.json"):
        JsonStateFile(path).load()


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def test_authorization_code_expires_after_five_minutes() -> None:
    """A code older than its lifetime is refused."""
    clock = _Clock()
    store = TokenStore(clock)
    code = store.issue_code(tenant="1", client_id="c", redirect_uri="http://x/cb", scope="s")
    clock.now += timedelta(seconds=301)
    with pytest.raises(OAuthError, match="expired"):
        store.exchange_code(code, client_id="c", redirect_uri="http://x/cb")


def test_refresh_token_for_another_client_is_refused() -> None:
    """A refresh token only works for the client it was issued to, and survives the attempt."""
    store = TokenStore(_Clock())
    code = store.issue_code(tenant="1", client_id="c", redirect_uri="", scope="s")
    tokens = store.exchange_code(code, client_id="c", redirect_uri="")
    with pytest.raises(OAuthError):
        store.refresh(tokens.refresh_token, client_id="other")
    assert store.refresh(tokens.refresh_token, client_id="c").tenant == "1"


def test_token_store_persists_only_hashes() -> None:
    """The saved form of the store holds no token text."""
    store = TokenStore(_Clock())
    code = store.issue_code(tenant="1", client_id="c", redirect_uri="", scope="s")
    tokens = store.exchange_code(code, client_id="c", redirect_uri="")
    saved = jsonio.dumps(store.to_dict())
    assert tokens.access_token not in saved and tokens.refresh_token not in saved
    restored = TokenStore(_Clock())
    restored.load_dict(jsonio.loads(saved))
    assert restored.check_access(tokens.access_token) == ("1", "")


def test_queued_faults_come_first_and_lost_after_commit_waits_for_a_write() -> None:
    """A queued lost_after_commit lets reads pass and hits the next write."""
    injector = FaultInjector()
    injector.update({"queue": ["lost_after_commit", "drop"]})
    assert injector.decide(is_write=False) is Fault.NONE
    assert injector.decide(is_write=True) is Fault.LOST_AFTER_COMMIT
    assert injector.decide(is_write=False) is Fault.DROP


def test_rates_adding_up_to_more_than_one_are_refused() -> None:
    """Fault rates are shares of one draw, so their sum cannot exceed 1."""
    with pytest.raises(SandboxError):
        FaultConfig(error_5xx_rate=0.6, drop_rate=0.6)


@given(st.integers(min_value=0, max_value=2**32))
def test_same_seed_same_fault_sequence(seed: int) -> None:
    """Two injectors with one seed decide identically."""
    config = FaultConfig(error_5xx_rate=0.2, drop_rate=0.2, lost_after_commit_rate=0.2, seed=seed)
    first, second = FaultInjector(config), FaultInjector(config)
    assert [first.decide(is_write=True) for _ in range(20)] == [second.decide(is_write=True) for _ in range(20)]
