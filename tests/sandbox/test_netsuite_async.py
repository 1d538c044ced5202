"""Async requests with X-NetSuite-Idempotency-Key, as the NetSuite sandbox models them [N8]."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from netsuite_sandbox_helpers import RECORDS, Client, body, connect, error_detail, journal_body

from bookbridge.sandbox.netsuite import NetSuiteSandbox

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def sandbox() -> Iterator[NetSuiteSandbox]:
    with NetSuiteSandbox(limits=False) as running:
        yield running


@pytest.fixture
def api(sandbox: NetSuiteSandbox) -> Client:
    return Client(sandbox.base_url, connect(sandbox.base_url)["access_token"])


def path_of(api: Client, url: str) -> str:
    return url.split(api.base_url, 1)[1]


def test_an_async_write_is_accepted_as_a_job_whose_result_is_the_record(api: Client, sandbox: NetSuiteSandbox):
    """202 with the job's Location; the job is complete and its task result is 204 + the record's Location."""
    accepted = api.call("POST", f"{RECORDS}/journalEntry", journal_body(), {**ASYNC, "X-NetSuite-Idempotency-Key": "k-1"})
    job = body(api.call("GET", path_of(api, accepted.headers["Location"])))
    result = api.call("GET", path_of(api, accepted.headers["Location"]) + "/task/1/result")
    (stored,) = sandbox.store.records("journalEntry")
    assert accepted.status_code == 202 and (job["completed"], job["progress"]) == (True, "succeeded")
    assert result.status_code == 204 and result.headers["Location"].endswith(f"/journalEntry/{stored['id']}")


def test_repeating_an_idempotency_key_is_refused_and_points_at_the_first_job(api: Client, sandbox: NetSuiteSandbox):
    """The same key again: IDEMPOTENCY_ERROR with the earlier job's Location, and nothing new is created."""
    headers = {**ASYNC, "X-NetSuite-Idempotency-Key": "k-2"}
    first = api.call("POST", f"{RECORDS}/journalEntry", journal_body("a"), headers)
    again = api.call("POST", f"{RECORDS}/journalEntry", journal_body("b"), headers)
    assert (again.status_code, error_detail(again)["o:errorCode"]) == (400, "IDEMPOTENCY_ERROR")
    assert again.headers["Location"] == first.headers["Location"] and len(sandbox.store.records("journalEntry")) == 1


def test_a_failed_async_write_reports_the_error_in_its_result(api: Client):
    """A closed-period write accepted asynchronously: the job fails and its result is NetSuite's error body."""
    accepted = api.call("POST", f"{RECORDS}/journalEntry", journal_body(day="2024-02-01"), ASYNC)
    job_path = path_of(api, accepted.headers["Location"])
    result = api.call("GET", job_path + "/task/1/result")
    assert body(api.call("GET", job_path))["progress"] == "failed"
    assert result.status_code == 400 and "accounting period" in error_detail(result)["detail"]
