"""Requests are validated against Xero's official OpenAPI description (the copy shipped with Bookbridge)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from bookbridge.sandbox.xero.spec import BUNDLED, spec_path
from xero_testkit import api, spec, xero_sandbox  # noqa: F401 - fixtures


def test_bundled_description_is_the_official_file(shared_fixtures) -> None:
    """The copy in the package is byte for byte the fixture from XeroAPI/Xero-OpenAPI."""
    official = (shared_fixtures / "xero-openapi" / "xero_accounting.yaml").read_bytes()
    assert hashlib.sha256(BUNDLED.read_bytes()).hexdigest() == hashlib.sha256(official).hexdigest()
    assert spec_path() == BUNDLED
    assert spec().wait()["info"]["version"] == "16.1.0"


def test_xeros_own_request_examples_pass_the_schema() -> None:
    """The request examples in the description are valid against their own schemas."""
    for path, schema in (("/ManualJournals", "ManualJournals"), ("/Invoices", "Invoices"),
                         ("/BankTransactions", "BankTransactions"), ("/Contacts", "Contacts")):
        example = spec().request_example("put", path)
        assert example is not None and spec().validate(f"#/components/schemas/{schema}", example) == [], path


def test_wrong_types_in_an_element_are_that_elements_validation_errors(api) -> None:
    """A string where Xero's schema says number, or a status outside the enum: 400, per element."""
    body = {"ManualJournals": [{"Narration": "Bad", "Status": "SHIPPED", "JournalLines": [
        {"LineAmount": "ten", "AccountCode": "6200"}]}]}
    answer = api.call("PUT", "ManualJournals", body)
    assert answer.status_code == 400 and answer.json()["Type"] == "ValidationException"
    messages = [e["Message"] for e in answer.json()["Elements"][0]["ValidationErrors"]]
    assert any("LineAmount" in m and "not of type 'number'" in m for m in messages)
    assert any("SHIPPED" in m for m in messages)
    assert api.sandbox.store.all("ManualJournals") == []


def test_missing_required_narration_is_refused(api) -> None:
    """Narration is required by the schema."""
    body = {"ManualJournals": [{"Date": "2026-03-02", "JournalLines": []}]}
    answer = api.call("PUT", "ManualJournals", body)
    assert answer.status_code == 400
    assert "'Narration' is a required property" in answer.json()["Elements"][0]["ValidationErrors"][0]["Message"]


def test_a_broken_envelope_is_post_data_invalid(api) -> None:
    """An envelope that is not the schema's shape (a string instead of the array) refuses the whole request."""
    answer = api.call("PUT", "ManualJournals", {"ManualJournals": "everything"})
    assert answer.status_code == 400 and answer.json()["ErrorNumber"] == 11
    assert answer.json()["Type"] == "PostDataInvalidException"
    garbage = api.call("PUT", "ManualJournals", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert garbage.status_code == 400 and garbage.json()["Type"] == "PostDataInvalidException"


def test_summarize_errors_false_mixes_created_and_refused_elements(api) -> None:
    """With summarizeErrors=false the answer is 200: good elements created, bad ones carrying their errors."""
    good = {"Narration": "Good", "Date": "2026-03-02", "Status": "POSTED", "JournalLines": [
        {"LineAmount": Decimal("5.00"), "AccountCode": "6200"}, {"LineAmount": Decimal("-5.00"), "AccountCode": "2310"}]}
    bad = {"Narration": "Bad", "Date": "2026-03-02", "JournalLines": [{"LineAmount": True, "AccountCode": "6200"}]}
    answer = api.call("PUT", "ManualJournals", {"ManualJournals": [good, bad]}, summarizeErrors="false")
    items = answer.json()["ManualJournals"]
    assert answer.status_code == 200 and [i.get("StatusAttributeString") for i in items] == ["OK", "ERROR"]
    assert items[0]["ManualJournalID"] and items[1]["ValidationErrors"]
    assert len(api.sandbox.store.all("ManualJournals")) == 1


def test_by_default_one_bad_element_refuses_the_request(api) -> None:
    """Without summarizeErrors=false, one refused element means nothing at all is created."""
    good = {"Narration": "Good", "Date": "2026-03-02", "Status": "POSTED", "JournalLines": [
        {"LineAmount": Decimal("5.00"), "AccountCode": "6200"}, {"LineAmount": Decimal("-5.00"), "AccountCode": "2310"}]}
    bad = {**good, "JournalLines": [{"LineAmount": Decimal("5.00"), "AccountCode": "6999"}]}
    answer = api.call("PUT", "ManualJournals", {"ManualJournals": [good, bad]})
    assert answer.status_code == 400 and len(answer.json()["Elements"]) == 1
    assert api.sandbox.store.all("ManualJournals") == []
