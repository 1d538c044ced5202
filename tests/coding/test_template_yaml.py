"""Templates and rules as YAML: line-numbered errors, comments kept, byte-identical round trips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbridge.coding.coded import PostingType
from bookbridge.coding.conditions import (
    ALWAYS,
    AllOf,
    AmountCondition,
    AnyOf,
    DateCondition,
    FieldRangeCondition,
    Not,
    TextCondition,
    TextOp,
    TextSubject,
)
from bookbridge.coding.perdiem import ExcessPolicy, PerDiemRate, PerDiemTable
from bookbridge.coding.rules import (
    ApplyPerDiem,
    FlagForReview,
    RequireApproval,
    RuleSpec,
    SetCategory,
    SetDimensions,
    Skip,
    Split,
    SplitPart,
)
from bookbridge.coding.spec import (
    CREDIT_SOURCES,
    DIMENSION_NAMES,
    PAYMENT_METHODS,
    CreditAccounts,
    FieldLineSpec,
    MappingSpec,
    QuantitySpec,
    TaxCodeSpec,
    TemplateSpec,
)
from bookbridge.coding.tax import TaxMode
from bookbridge.coding.yaml_io import (
    dump_rules,
    dump_template,
    export_template,
    load_rules,
    load_template,
    replace_rules_text,
)
from template_helpers import FLEET_YAML

D = Decimal

# --- strategies -----------------------------------------------------------------------------

_ALPHABET = st.characters(
    whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" -_:#&'\"/.,!?@%*()[]{}é€ü", max_codepoint=0x20AC
)
texts = st.text(_ALPHABET, min_size=1, max_size=12).map(str.strip).filter(bool)
# Scalars YAML would read as something else unless quoted: the dumper must quote them.
tricky = st.sampled_from(["6100", "0610", "true", "null", "~", "1e3", "2026-01-01", "- x", "a: b", "#x", "yes"])
names = st.one_of(texts, tricky)
amounts = st.decimals(min_value=D("-99999"), max_value=D("99999"), places=2, allow_nan=False)
positive = st.decimals(min_value=D("0.01"), max_value=D("9999"), places=3, allow_nan=False)
fractions = st.decimals(min_value=D(0), max_value=D(1), places=2, allow_nan=False)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
dims = st.dictionaries(st.sampled_from(DIMENSION_NAMES), names, max_size=2)


def _text_condition() -> st.SearchStrategy:
    subject = st.sampled_from([s for s in TextSubject if s is not TextSubject.FIELD])
    simple = st.builds(TextCondition, subject, st.sampled_from([TextOp.EQUALS, TextOp.CONTAINS]), names)
    regex = st.builds(TextCondition, subject, st.just(TextOp.REGEX), st.sampled_from([r"^shell\b", r"toll|park", r"\d{4}$"]))
    one_of = st.builds(lambda s, v: TextCondition(s, TextOp.ONE_OF, values=tuple(v)), subject, st.lists(names, min_size=1, max_size=3))
    present = st.builds(lambda s: TextCondition(s, TextOp.PRESENT), subject)
    field = st.builds(lambda n, v: TextCondition(TextSubject.FIELD, TextOp.EQUALS, v, field_name=n), names, names)
    return st.one_of(simple, regex, one_of, present, field)


leaves = st.one_of(
    _text_condition(),
    st.builds(AmountCondition, st.none() | amounts, st.none() | amounts, st.none() | st.sampled_from(["USD", "EUR", "JPY"])),
    st.builds(DateCondition, st.none() | days, st.none() | days),
    st.builds(FieldRangeCondition, names, amounts, st.none() | amounts),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda c: AllOf(tuple(c))),
        st.lists(inner, max_size=3).map(lambda c: AnyOf(tuple(c))),
        inner.map(Not),
    ),
    max_leaves=6,
)

percent_splits = st.sampled_from([(D(100),), (D(60), D(40)), (D(50), D(30), D(20)), (D("33.34"), D("33.33"), D("33.33"))]).flatmap(
    lambda shares: st.tuples(*[st.builds(SplitPart, st.just(s), st.none() | names, dims) for s in shares]).map(
        lambda parts: Split("percent", parts)
    )
)
amount_splits = st.builds(
    lambda fixed, rest: Split("amount", tuple(fixed) + ((rest,) if rest else ())),
    st.lists(st.builds(SplitPart, positive, st.none() | names, dims), min_size=1, max_size=3),
    st.none() | st.builds(SplitPart, st.none(), st.none() | names, dims),
)
per_diems = st.builds(
    lambda currency, rates, default, location_field, days_field, excess, account: ApplyPerDiem(
        PerDiemTable("M&IE", {loc: PerDiemRate(loc, limit, currency) for loc, limit in rates.items()},
                     # a table needs rates, a default, or both
                     PerDiemRate("default", default if default is not None else D(59), currency)
                     if default is not None or not rates else None),
        location_field, excess, days_field, account if excess is ExcessPolicy.POST_TO_OWN_ACCOUNT else None,
    ),
    st.sampled_from(["USD", "EUR"]),
    st.dictionaries(names, positive, max_size=2),
    st.none() | positive,
    names,
    st.none() | names,
    st.sampled_from(list(ExcessPolicy)),
    names,
)
actions = st.one_of(
    st.builds(SetCategory, names), st.builds(SetDimensions, st.dictionaries(st.sampled_from(DIMENSION_NAMES), names, min_size=1, max_size=2)), percent_splits, amount_splits,
    st.builds(FlagForReview, names), st.builds(RequireApproval, names), st.builds(Skip, names), per_diems,
)


@st.composite
def rule_lists(draw: st.DrawFn) -> tuple[RuleSpec, ...]:
    ids = draw(st.lists(names, max_size=3, unique=True))
    precedences = draw(st.lists(st.integers(-5, 500), min_size=len(ids), max_size=len(ids), unique=True))
    return tuple(
        RuleSpec(rule_id, precedence, draw(st.just(ALWAYS) | conditions), tuple(draw(st.lists(actions, min_size=1, max_size=3))),
                 draw(st.booleans()), draw(st.just("") | names))
        for rule_id, precedence in zip(ids, precedences)
    )


@st.composite
def templates(draw: st.DrawFn) -> TemplateSpec:
    codes = draw(st.lists(names, max_size=2, unique=True))
    tax_codes = {}
    for code in codes:
        recoverable = draw(fractions)
        tax_codes[code] = TaxCodeSpec(code, draw(fractions), draw(st.sampled_from(list(TaxMode))), recoverable,
                                      draw(names) if recoverable else draw(st.none() | names))
    mappings = []
    seen = set()
    for _ in range(draw(st.integers(0, 4))):
        quantity = draw(st.none() | st.builds(QuantitySpec, names, names, st.none() | positive))
        mapping = MappingSpec(
            category=draw(names), account=draw(names), vendor=draw(st.none() | names),
            payment_method=draw(st.none() | st.sampled_from(PAYMENT_METHODS)),
            posting_type=draw(st.none() | st.sampled_from(list(PostingType))),
            credit_account=draw(st.none() | names), tax_code=draw(st.none() | st.sampled_from(codes)) if codes else None,
            tax_recoverable=draw(st.none() | fractions), dimensions=draw(dims), dimension_fields=draw(dims),
            quantity=quantity,
            field_lines=tuple(draw(st.lists(st.builds(FieldLineSpec, names, names, names, positive, st.none(), dims), max_size=1))),
            memo=draw(st.just("") | names),
        )
        if mapping.selector not in seen:
            seen.add(mapping.selector)
            mappings.append(mapping)
    sources = {s: draw(st.none() | names) for s in CREDIT_SOURCES}
    return TemplateSpec(
        name=draw(names), effective_from=draw(days),
        credit_accounts=CreditAccounts(**sources, cards=draw(st.dictionaries(names, names, max_size=2))),
        tax_codes=tax_codes, mappings=tuple(mappings), rules=draw(rule_lists()), description=draw(st.just("") | names),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=templates())
def test_export_import_export_round_trips(spec: TemplateSpec) -> None:
    """Any template exports to YAML that imports to the same content and re-exports byte for byte."""
    text = dump_template(spec)
    loaded, issues = load_template(text)
    assert [i for i in issues if i.severity.value == "error"] == []
    assert loaded == spec
    assert dump_template(loaded) == text
    assert export_template(loaded, text) == text


@settings(max_examples=30, deadline=None)
@given(rules=rule_lists())
def test_rules_file_round_trips(rules: tuple[RuleSpec, ...]) -> None:
    """A rules-only export reads back to the same rules."""
    loaded, name, issues = load_rules(dump_rules("Fleet", rules))
    assert (loaded, name) == (rules, "Fleet"), issues


# --- the shipped example and comments -------------------------------------------------------


def test_commented_file_exports_unchanged() -> None:
    """A person's file with comments is what export gives back, comments and all."""
    text = FLEET_YAML.read_text(encoding="utf-8")
    spec, issues = load_template(text)
    assert spec is not None and issues == []
    assert "# meals are half recoverable here" in export_template(spec, text)
    assert export_template(spec, text) == text


def test_remembered_text_is_ignored_when_content_differs() -> None:
    """If the remembered file no longer means the stored content, export generates afresh."""
    text = FLEET_YAML.read_text(encoding="utf-8")
    spec, _ = load_template(text)
    assert spec is not None
    changed = TemplateSpec(**{**{f: getattr(spec, f) for f in spec.__slots__}, "description": "changed"})  # type: ignore[attr-defined]
    exported = export_template(changed, text)
    assert exported != text and load_template(exported)[0] == changed


def test_replacing_rules_keeps_the_other_comments() -> None:
    """Swapping the rules section keeps comments elsewhere and reads back as the new rules."""
    text = FLEET_YAML.read_text(encoding="utf-8")
    new_rules = dump_rules("Fleet", (RuleSpec("tolls", 1, TextCondition("vendor", "contains", "toll"), (FlagForReview("toll"),)),))
    merged = replace_rules_text(text, new_rules)
    assert merged is not None and "# meals are half recoverable here" in merged
    spec, _ = load_template(merged)
    assert spec is not None and [r.id for r in spec.rules] == ["tolls"]


# --- errors with line numbers ---------------------------------------------------------------


def _errors(text: str) -> list[tuple[int | None, str, str]]:
    spec, issues = load_template(text)
    assert spec is None
    return [(i.line, i.field, i.message) for i in issues if i.severity.value == "error"]


BASE = """template: Fleet
effective_from: 2026-01-01
tax_codes:
  VAT10: {rate: 0.10, mode: inclusive}
mappings:
  - category: Fuel
    account: '6100'
"""


@pytest.mark.parametrize(
    ("edit", "line", "field", "words"),
    [
        (("account: '6100'", "acount: '6100'"), 7, "mappings[0].acount", "did you mean 'account'"),
        (("account: '6100'", "account: '6100'\n    tax_code: GST"), 8, "mappings[0].tax_code", "'GST' is not under tax_codes"),
        (("rate: 0.10", "rate: ten"), 4, "tax_codes.VAT10.rate", "'ten' is not a number"),
        (("effective_from: 2026-01-01", "effective_from: 31/01/2026"), 2, "effective_from", "like 2026-01-31"),
        (("account: '6100'", "account: '6100'\n    payment_method: card"), 8, "mappings[0].payment_method", "not one of"),
        (("    account: '6100'\n", "    account: '6100'\n  - category: fuel\n    account: '6200'\n"), 8, "mappings[1]", "already maps"),
        (("account: '6100'", "account: '6100'\n    dimensions: {colour: red}"), 8, "mappings[0].dimensions.colour", "unknown key"),
    ],
)
def test_errors_name_the_line(edit: tuple[str, str], line: int, field: str, words: str) -> None:
    """Each kind of mistake is reported at its 1-based line with its path and a hint."""
    errors = _errors(BASE.replace(*edit))
    assert any(l == line and f == field and words in m for l, f, m in errors), errors


def test_missing_key_points_at_its_mapping() -> None:
    """A mapping without an account is reported on the mapping's line."""
    errors = _errors(BASE.replace("    account: '6100'\n", ""))
    assert (6, "mappings[0].account", "'account' is required") in errors


def test_syntax_error_reports_its_line() -> None:
    """Broken YAML is reported with the line where the parser gave up."""
    errors = _errors(BASE + "  - category: [Tolls\n    account: '6200'\n")
    assert len(errors) == 1 and errors[0][0] in (9, 10) and "not valid YAML" in errors[0][2]


def test_duplicate_key_is_an_error() -> None:
    """A key given twice is an error at the second occurrence (YAML would silently keep one)."""
    errors = _errors(BASE.replace("account: '6100'", "account: '6100'\n    account: '6150'"))
    assert (8, "mappings[0].account", "'account' appears twice; keep one") in errors


RULES = """rules:
  - id: r1
    precedence: 10
    when:
      all:
        - vendor: {contains: shell}
        - vendr: {equals: bp}
    then:
      - split:
          by: percent
          parts:
            - {share: 60}
            - {share: 30}
  - id: r1
    precedence: 10
    when:
      vendor: {regex: '('}
    then:
      - per_diem: {table: M, currency: USD, default: 59, location_field: city, excess: post}
"""


def test_rule_errors_name_their_lines() -> None:
    """Unknown conditions, bad splits, duplicate ids and precedences, bad regexes and per-diems each get a line."""
    rules, _, issues = load_rules(RULES)
    found = {(i.line, i.field) for i in issues}
    assert rules is None
    assert (7, "rules[0].when.all[1].vendr") in found
    assert (11, "rules[0].then[0].split.parts") in found  # 60 + 30 is not 100
    assert (14, "rules[1].id") in found
    assert (15, "rules[1].precedence") in found
    assert (17, "rules[1].when.vendor.regex") in found
    assert (19, "rules[1].then[0].per_diem.excess_account") in found


def test_numbers_never_become_floats() -> None:
    """Rates are read from their text as exact decimals and account codes keep leading zeros."""
    spec, _ = load_template(BASE.replace("rate: 0.10", "rate: 0.1000000000000000055511").replace("'6100'", "0610"))
    assert spec is not None
    assert spec.tax_codes["VAT10"].rate == D("0.1000000000000000055511")
    assert spec.mappings[0].account == "0610"
