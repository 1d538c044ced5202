"""Idempotency-Key as Xero's guide describes it: one outcome per key for about six minutes, errors
included; the same key with a different request is refused; keys of more than 128 characters too."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookbridge.sandbox.xero import XeroSandbox
from xero_testkit import Api, api, authorize, xero_sandbox  # noqa: F401 - fixtures


def _journal(amount: str = "10.00", day: str = "2026-03-02") -> dict:
    return {"ManualJournals": [{"Narration": "Fuel", "Date": day, "Status": "POSTED", "JournalLines": [
        {"LineAmount": Decimal(amount), "AccountCode": "6200"}, {"LineAmount": -Decimal(amount), "AccountCode": "2310"}]}]}


def _put(api: Api, body: dict, key: str | None, **params: str):
    headers = {"Idempotency-Key": key} if key else {}
    return api.call("PUT", "ManualJournals", body, headers=headers, **params)


@pytest.fixture
def journal_body() -> dict:
    return _journal()


def test_same_key_same_request_creates_once_and_replays_the_answer(api, journal_body) -> None:
    """The second request with the key gets the first answer byte for byte; one journal exists."""
    first = _put(api, journal_body, "key-1")
    second = _put(api, journal_body, "key-1")
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert len(api.sandbox.store.all("ManualJournals")) == 1
    assert api.sandbox.stats()["counters"]["replays"] == 1


def test_without_a_key_every_request_creates(api, journal_body) -> None:
    """No Idempotency-Key, no protection: two requests, two journals."""
    _put(api, journal_body, None)
    _put(api, journal_body, None)
    assert len(api.sandbox.store.all("ManualJournals")) == 2


def test_same_key_with_a_different_request_is_refused(api, journal_body) -> None:
    """Reusing a key for another body within the window is a 400, and nothing new is created."""
    _put(api, journal_body, "key-2")
    other = dict(journal_body)
    other["ManualJournals"] = [{**journal_body["ManualJournals"][0], "Narration": "Tolls"}]
    refused = _put(api, other, "key-2")
    assert refused.status_code == 400 and "different request" in refused.json()["Message"]
    assert len(api.sandbox.store.all("ManualJournals")) == 1


def test_errors_are_replayed_too(api, journal_body) -> None:
    """A refused request's answer is kept for its key as well: the same request is refused the same way."""
    closed = _journal(day="2024-06-01")
    first = _put(api, closed, "key-3")
    second = _put(api, closed, "key-3")
    assert first.status_code == second.status_code == 400 and first.content == second.content
    assert "lock date" in first.text


def test_the_key_is_forgotten_after_about_six_minutes(api, journal_body) -> None:
    """After the window the same key and body create a second journal (dedupe beyond it is ours to do)."""
    _put(api, journal_body, "key-4")
    api.sandbox.clock.advance(361)
    _put(api, journal_body, "key-4")
    assert len(api.sandbox.store.all("ManualJournals")) == 2


def test_keys_longer_than_128_characters_are_refused(api, journal_body) -> None:
    """Xero's limit on the header: 128 characters."""
    assert _put(api, journal_body, "k" * 128).status_code == 200
    refused = _put(api, journal_body, "k" * 129)
    assert refused.status_code == 400 and "128" in refused.json()["Message"]


def test_keys_are_per_organisation() -> None:
    """Two organisations may use the same key for different documents."""
    tenants = [("a1b2c3d4-0000-4000-8000-000000000001", "One"), ("a1b2c3d4-0000-4000-8000-000000000002", "Two")]
    with XeroSandbox(limits=False, tenants=tenants) as sandbox:
        token = authorize(sandbox)["access_token"]
        body = _journal("5.00")
        for tenant, _name in tenants:
            assert _put(Api(sandbox, token, tenant), body, "shared-key").status_code == 200
        assert [len(sandbox.stores[t].all("ManualJournals")) for t, _ in tenants] == [1, 1]


def test_custom_window_is_honoured() -> None:
    """The window can be set (e.g. shorter for crash tests): a key expires after it on the sandbox clock."""
    with XeroSandbox(limits=False, idempotency_window=5) as sandbox:
        api = Api(sandbox, authorize(sandbox)["access_token"])
        body = _journal("6.00")
        _put(api, body, "short")
        sandbox.clock.advance(4)
        _put(api, body, "short")
        assert len(sandbox.store.all("ManualJournals")) == 1
        sandbox.clock.advance(2)
        _put(api, body, "short")
        assert len(sandbox.store.all("ManualJournals")) == 2
