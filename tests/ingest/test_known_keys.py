"""Reading a source's known keys by key prefix: all of its own, none of another source's."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.ingest.dedupe import key_range, source_prefixes
from bookbridge.ingest.pipeline import load_known
from tests.ingest.ingest_helpers import expensify_csv, rows, run_import, write

SOURCES = st.from_regex(r"\A[a-z0-9][a-z0-9_.-]{0,39}\Z")
SUFFIXES = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


@given(SOURCES, SOURCES, SUFFIXES)
def test_a_sources_range_holds_its_keys_and_no_other_sources(source: str, other: str, suffix: str) -> None:
    """Every ``{source}:...`` key is inside the range; a key of any other source is outside."""
    low, high = key_range(source_prefixes(source)[0])
    inside = lambda key: low.encode() <= key.encode() < high.encode()  # noqa: E731 - BINARY collation order
    assert inside(f"{source}:h:{suffix}") and inside(f"{source}:id:{suffix}")
    assert inside(f"{other}:h:{suffix}") == (other == source)


def test_known_keys_are_exactly_the_sources_own(book, tmp_path: Path) -> None:
    """With sources abc, abc2 and ab in one book, abc's known keys are abc's expenses, no more."""
    path = expensify_csv(tmp_path / "e.csv", "2024-03-01 08:00:00,Blue Bottle,4.50,5812,Meals,,,No,,,",
                         "2024-03-02 08:00:00,Shell,40.00,5542,Fuel,,,No,,,")
    for source in ("abc", "abc2", "ab"):
        run_import(book, path, profile="expensify", source=source)
    with book.engine.connect() as conn:
        known = load_known(conn, "abc")
    expected = dict(rows(book, "SELECT key, id FROM expenses WHERE source_system = 'abc'"))
    assert {key: k if isinstance(k, int) else k.expense_id for key, k in known.items()} == expected
    assert len(expected) == 2


def test_source_id_keys_carry_their_stored_content_hash(book, tmp_path: Path) -> None:
    """Keys from the source's own ids come with the stored hash (conflicts need it); content keys carry
    only their expense id."""
    ids = write(tmp_path / "ids.csv", "Date,Vendor,Amount,ID\n2024-03-01,Shell,40.00,T-1\n")
    run_import(book, ids, profile="generic", source="bank")
    run_import(book, expensify_csv(tmp_path / "e.csv", "2024-03-01 08:00:00,Shell,4.50,,,,,No,,,"),
               profile="expensify", source="bank")
    with book.engine.connect() as conn:
        known = load_known(conn, "bank")
    stored = dict(rows(book, "SELECT key, content_hash FROM expenses"))
    assert {key: None if isinstance(k, int) else k.content_hash for key, k in known.items()} == {
        key: (digest if ":id:" in key else None) for key, digest in stored.items()}
