"""The matcher on 10,000 generated expenses and 10,000 statement lines with known truth (fixed seed)."""

from __future__ import annotations

import pytest

from bookbridge.reconcile.matching.engine import match_lines
from bookbridge.reconcile.matching.model import Band
from bookbridge.reconcile.matching.synthetic import evaluate, generate


@pytest.fixture(scope="module")
def run():
    scenario = generate(n_expenses=10_000, n_lines=10_000, seed=20260131)
    return scenario, match_lines(scenario.lines, scenario.targets)


def test_generated_data_has_the_intended_shape(run) -> None:
    """The scenario really holds 10,000 of each, one-to-many truths and lines without any match."""
    scenario, _ = run
    assert len(scenario.lines) == 10_000 and len(scenario.targets) == 10_000
    sizes = [len(keys) for keys in scenario.truth.values()]
    assert sum(1 for n in sizes if n > 1) > 200 and sum(1 for n in sizes if n == 0) > 1000


def test_auto_band_precision_is_at_least_99_percent(run) -> None:
    """What is accepted without a person is right at least 99 % of the time, even counting look-alike twins as errors."""
    scenario, proposals = run
    assert evaluate(proposals, scenario).auto_precision >= 0.99
    assert evaluate(proposals, scenario, strict=True).auto_precision >= 0.99


def test_overall_precision_and_recall(run) -> None:
    """Across both bands, precision and recall stay above 0.95 and 0.93; the auto band covers over 78 % of lines."""
    scenario, proposals = run
    quality = evaluate(proposals, scenario)
    assert quality.precision >= 0.95 and quality.recall >= 0.93
    assert quality.auto_recall >= 0.78


def test_one_to_many_truths_are_found(run) -> None:
    """At least 80 % of reimbursements, payroll runs and card payments get exactly their items."""
    scenario, proposals = run
    groups = {line_id for line_id, keys in scenario.truth.items() if len(keys) > 1}
    found = sum(1 for p in proposals if p.line_id in groups and p.target_keys == scenario.truth[p.line_id])
    assert found / len(groups) >= 0.80


def test_lines_without_a_match_are_rarely_auto_matched(run) -> None:
    """Deposits, fees and near-miss look-alikes almost never land in the auto band (under 0.5 % of them)."""
    scenario, proposals = run
    unmatched = {line_id for line_id, keys in scenario.truth.items() if not keys}
    wrongly_auto = sum(1 for p in proposals if p.line_id in unmatched and p.band is Band.AUTO)
    assert wrongly_auto / len(unmatched) < 0.005
