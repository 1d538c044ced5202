"""The hand-written canonical text of a row's content equals the documented canonical JSON."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.core.keys import canonical_json
from bookbridge.ingest.dedupe import content_hash, content_of, content_text
from bookbridge.ingest.model import ExpenseDraft
from bookbridge.store.models import PaymentMethod

# Text with the characters JSON must escape (quotes, backslashes, controls) and non-ASCII ones.
texts = st.one_of(st.none(), st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
                  st.sampled_from(["", 'He said "hi"\\', "Café  ☕\n two", "SHELL OIL #12345", "\x00\x1f\u2028"]))
field_pairs = st.lists(st.tuples(st.text(min_size=1, max_size=6), st.text(max_size=6)), max_size=4)

drafts = st.builds(
    ExpenseDraft,
    line=st.integers(1, 10**6),
    txn_date=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    amount_minor=st.integers(-(10**15), 10**15),
    currency=st.sampled_from(["USD", "JPY", "KWD", "EUR"]),
    payment_method=st.sampled_from(list(PaymentMethod)),
    source_id=texts, vendor=texts, category=texts, employee=texts, memo=texts, card=texts,
    reference=texts, report_id=texts, receipt=texts,
    tax_minor=st.one_of(st.none(), st.integers(-(10**9), 10**9)),
    original_minor=st.one_of(st.none(), st.integers(-(10**9), 10**9)),
    original_currency=st.one_of(st.none(), st.sampled_from(["EUR", "GBP"])),
    fields=field_pairs.map(lambda pairs: tuple(sorted(pairs))),
)


@given(drafts)
def test_content_text_is_the_canonical_json_of_content_of(draft: ExpenseDraft) -> None:
    """For any draft, the direct text equals canonical_json(content_of(draft)), so keys never change."""
    assert content_text(draft) == canonical_json(content_of(draft))


def test_content_hash_of_a_known_row_is_stable() -> None:
    """The hash is SHA-256 of the canonical JSON (recomputed here the documented way)."""
    import hashlib

    draft = ExpenseDraft(line=2, txn_date=date(2024, 3, 1), amount_minor=450, currency="USD",
                         payment_method=PaymentMethod.COMPANY_CARD, vendor="Blue Bottle", memo="team  coffee",
                         fields=(("mcc", "5812"),))
    expected = hashlib.sha256(canonical_json(content_of(draft)).encode("utf-8")).hexdigest()
    assert content_hash(draft) == expected
