"""Dedupe keys and decisions, with hypothesis for the invariants issue 2 names."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.core.keys import canonical_json
from bookbridge.ingest.dedupe import (
    MAX_KEY,
    RULE_CONTENT_NEW,
    RULE_CONTENT_SEEN,
    RULE_ID_CONFLICT,
    RULE_ID_KNOWN_VERSION,
    RULE_ID_NEW,
    RULE_ID_SAME,
    _CANONICAL,
    Deduper,
    Known,
    Outcome,
    content_hash,
    content_of,
)
from bookbridge.ingest.model import ExpenseDraft
from bookbridge.store.models import PaymentMethod

SOURCE = "expensify"

drafts = st.builds(
    ExpenseDraft,
    line=st.integers(2, 10_000),
    txn_date=st.sampled_from([date(2024, 3, 1), date(2024, 3, 2)]),
    amount_minor=st.sampled_from([450, -450, 8540, 0]),
    currency=st.sampled_from(["USD", "EUR"]),
    payment_method=st.sampled_from(list(PaymentMethod)),
    vendor=st.sampled_from(["Blue Bottle", "SHELL OIL #1", None]),
    memo=st.sampled_from([None, "team coffee"]),
)


def run(rows: list[ExpenseDraft], known: dict | None = None, source: str = SOURCE):
    """Decide rows like one import does, landing new and conflicting ones. Returns the decisions
    and the keys the book holds afterwards (as load_known reads them: content keys map to the
    bare expense id, source-id keys to a Known with the stored hash)."""
    book = dict(known or {})
    deduper = Deduper(source, dict(book))
    decisions = []
    for n, row in enumerate(rows):
        decision = deduper.decide(row, content_hash(row))
        if decision.outcome is not Outcome.DUPLICATE:
            deduper.accept(decision, 1000 + n, row.line)
            book[decision.key] = 1000 + n if row.source_id is None else Known(1000 + n, decision.content_hash)
        decisions.append(decision)
    return decisions, book


def base(**overrides) -> ExpenseDraft:
    values = dict(line=2, txn_date=date(2024, 3, 1), amount_minor=450, currency="USD",
                  payment_method=PaymentMethod.COMPANY_CARD, vendor="Blue Bottle")
    return ExpenseDraft(**{**values, **overrides})


@given(st.lists(drafts, max_size=30))
def test_keys_within_one_file_are_unique(rows: list[ExpenseDraft]) -> None:
    """Every row of a file without source ids gets its own key, so all of them land."""
    decisions, _ = run(rows)
    assert len({d.key for d in decisions}) == len(rows)
    assert all(d.outcome is Outcome.NEW for d in decisions)


@given(st.lists(drafts, max_size=30), st.randoms(use_true_random=False))
def test_row_order_does_not_change_keys(rows: list[ExpenseDraft], rng) -> None:
    """Shuffling a file gives each distinct content the same keys."""
    shuffled = list(rows)
    rng.shuffle(shuffled)
    pairs = sorted((content_hash(r), d.key) for r, d in zip(rows, run(rows)[0]))
    again = sorted((content_hash(r), d.key) for r, d in zip(shuffled, run(shuffled)[0]))
    assert pairs == again


@given(drafts, st.integers(2, 8))
def test_identical_rows_keep_distinct_occurrence_keys(row: ExpenseDraft, copies: int) -> None:
    """n identical rows (two coffees) get occurrence indexes 0..n-1 and n distinct keys."""
    decisions, _ = run([replace(row, line=row.line + n) for n in range(copies)])
    assert [d.occurrence_index for d in decisions] == list(range(copies))
    assert len({d.key for d in decisions}) == copies


@given(st.lists(drafts, max_size=30))
def test_deciding_the_same_file_again_finds_only_duplicates(rows: list[ExpenseDraft]) -> None:
    """With the keys of a first pass known, a second pass of the same rows adds nothing."""
    _, known = run(rows)
    decisions, _ = run(rows, known=dict(known))
    assert all(d.outcome is Outcome.DUPLICATE and d.rule == RULE_CONTENT_SEEN for d in decisions)


def test_content_ignores_vendor_spelling_line_and_receipt() -> None:
    """The content hash sees the vendor key, not its spelling; not the line; not the receipt link."""
    one = base(vendor="SHELL OIL #12345", line=2, receipt=None)
    two = base(vendor="Shell Oil 12345", line=90, receipt="https://x.test/r.jpg")
    assert content_hash(one) == content_hash(two)
    assert content_hash(one) != content_hash(base(vendor="Shell Oil", amount_minor=451))


def test_content_hash_is_the_canonical_json_of_the_content() -> None:
    """The fast encoder produces exactly core.keys.canonical_json (the documented form)."""
    row = base(memo="Café  ☕\n two", fields=(("litres", "61.5"), ("vehicle_id", "TRK-12")), original_minor=1,
               original_currency="EUR", tax_minor=5)
    assert _CANONICAL.encode(content_of(row)) == canonical_json(content_of(row))


def test_source_id_rules() -> None:
    """Same id + same content: duplicate; other content: conflict kept under a version key; again: duplicate."""
    first = base(source_id="T-1")
    changed = base(source_id="T-1", amount_minor=999)
    decisions, known = run([first])
    assert (decisions[0].outcome, decisions[0].rule, decisions[0].key) == (Outcome.NEW, RULE_ID_NEW,
                                                                           f"{SOURCE}:id:T-1")
    again, known = run([first, changed], known=dict(known))
    assert (again[0].outcome, again[0].rule) == (Outcome.DUPLICATE, RULE_ID_SAME)
    conflict = again[1]
    assert (conflict.outcome, conflict.rule) == (Outcome.CONFLICT, RULE_ID_CONFLICT)
    assert conflict.matched.expense_id == 1000 and conflict.key.startswith(f"{SOURCE}:id:T-1:v:")
    third, _ = run([changed], known=dict(known))
    assert (third[0].outcome, third[0].rule, third[0].key) == (Outcome.DUPLICATE, RULE_ID_KNOWN_VERSION,
                                                               conflict.key)


def test_repeated_source_id_in_one_file() -> None:
    """Inside one file, a repeated id with the same content is a duplicate of the earlier line."""
    decisions, _ = run([base(source_id="X", line=2), base(source_id="X", line=9)])
    assert decisions[1].outcome is Outcome.DUPLICATE and decisions[1].matched.line == 2


@settings(max_examples=50)
@given(st.text(min_size=1, max_size=300), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_.-", min_size=1,
                                                  max_size=40))
def test_keys_fit_the_column(source_id: str, source: str) -> None:
    """Keys, conflict versions included, never exceed the 120 characters the column holds."""
    decisions, known = run([base(source_id=source_id)], source=source)
    conflict, _ = run([base(source_id=source_id, amount_minor=1)], known=dict(known), source=source)
    assert len(decisions[0].key) <= MAX_KEY and len(conflict[0].key) <= MAX_KEY
    assert conflict[0].outcome is Outcome.CONFLICT


def test_content_rule_names() -> None:
    """New content rows record the content+occurrence rule."""
    decisions, _ = run([base()])
    assert decisions[0].rule == RULE_CONTENT_NEW and decisions[0].key.endswith(":0")


def test_only_source_id_keys_are_remembered_within_a_file() -> None:
    """A repeated source id later in the same file is a duplicate of the row that landed first;
    content keys are never looked up again within a file, so the deduper does not keep them."""
    with_id, without_id = base(source_id="T-9", line=2), base(line=3)
    deduper = Deduper(SOURCE, {})
    for n, row in enumerate([with_id, without_id]):
        deduper.accept(deduper.decide(row, content_hash(row)), 500 + n, row.line)
    again = deduper.decide(replace(with_id, line=4), content_hash(with_id))
    assert (again.outcome, again.rule, again.matched) == (Outcome.DUPLICATE, RULE_ID_SAME,
                                                          Known(500, content_hash(with_id), 2))
    assert list(deduper.known) == [f"{SOURCE}:id:T-9"]
