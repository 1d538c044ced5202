"""Matching the elements of a Xero bulk answer to our documents: by the key in Url, never by a guess."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bookbridge.connectors.dto import JournalDocument, JournalLine, Ref
from bookbridge.connectors.xero.connector import _answer_for
from bookbridge.connectors.xero.payloads import key_url


def _doc(key: str) -> JournalDocument:
    return JournalDocument(key=key, date=date(2026, 3, 2), currency="USD", lines=(
        JournalLine(Ref("6200"), debit=Decimal("1.00")), JournalLine(Ref("2310"), credit=Decimal("1.00"))))


def test_elements_are_matched_by_url_whatever_their_order() -> None:
    """Each document gets the element carrying its own key, even when the answer lists them the other way round."""
    items = [{"Url": key_url("b"), "ManualJournalID": "2"}, {"Url": key_url("a"), "ManualJournalID": "1"}]
    assert _answer_for(_doc("a"), 0, items, 2)["ManualJournalID"] == "1"
    assert _answer_for(_doc("b"), 1, items, 2)["ManualJournalID"] == "2"


def test_another_documents_element_is_never_taken_by_position() -> None:
    """An element at our position that carries another key is not ours: no answer rather than a wrong id."""
    items = [{"Url": key_url("other"), "ManualJournalID": "9"}, {"Url": key_url("b"), "ManualJournalID": "2"}]
    assert _answer_for(_doc("a"), 0, items, 2) is None


def test_an_element_without_url_is_taken_by_position_only_in_a_full_answer() -> None:
    """Without any Url, position decides only when the answer has exactly one element per document sent."""
    items = [{"ManualJournalID": "1"}, {"Url": key_url("b"), "ManualJournalID": "2"}]
    assert _answer_for(_doc("a"), 0, items, 2)["ManualJournalID"] == "1"
    assert _answer_for(_doc("a"), 0, items[:1], 2) is None
