"""One line to one target: candidates from the index, a global greedy assignment, and bands.

Assignment takes the highest-scoring pairs first, each line and target used once. A pair is
auto-accepted only when its score reaches the auto threshold, the payee (or the reference)
agrees, *and* no real competitor comes within the margin. A competitor is another target the line could take (or another line that
could take the target) that is not already held by a partner it fits at least as well. That
rule keeps daily look-alikes (the same coffee every morning) automatic when each has its twin,
and sends a line to a person when its true partner may be missing and a look-alike is close.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bookbridge.reconcile.matching.index import TargetIndex
from bookbridge.reconcile.matching.model import Band, LineView, MatchSettings, Proposal, Target
from bookbridge.reconcile.matching.scoring import Evidence, score_pair

TargetKey = tuple[str, int]
Rejected = set[tuple[int, frozenset[TargetKey]]]


@dataclass(frozen=True, slots=True)
class _Pair:
    score: float
    line: LineView
    target: Target
    evidence: Evidence


def match_one_to_one(
    lines: list[LineView], index: TargetIndex, settings: MatchSettings, rejected: Rejected
) -> dict[int, Proposal]:
    """Proposals (auto or suggest band) for the lines that have a good single target."""
    pairs: list[_Pair] = []
    by_line: dict[int, list[_Pair]] = defaultdict(list)
    by_target: dict[TargetKey, list[_Pair]] = defaultdict(list)
    for line in lines:
        for target in index.candidates(line, settings):
            if rejected and (line.id, frozenset((target.key,))) in rejected:
                continue  # (the test first: most runs have no rejections, and the frozenset costs)
            evidence = score_pair(line, target, settings)
            if evidence is None:
                continue
            pair = _Pair(evidence.score, line, target, evidence)
            pairs.append(pair)
            by_line[line.id].append(pair)
            by_target[target.key].append(pair)
    # Highest score first; ties broken by fewer days apart, then ids, so runs are reproducible.
    pairs.sort(key=lambda p: (-p.score, p.evidence.days, p.line.id, p.target.key))
    line_score: dict[int, float] = {}
    target_score: dict[TargetKey, float] = {}
    chosen: list[_Pair] = []
    for pair in pairs:
        if pair.score < settings.suggest_threshold:
            break
        if pair.line.id in line_score or pair.target.key in target_score:
            continue
        line_score[pair.line.id] = pair.score
        target_score[pair.target.key] = pair.score
        chosen.append(pair)
    proposals: dict[int, Proposal] = {}
    for pair in chosen:
        floor = pair.score - settings.margin
        rivals = [
            other for other in by_line[pair.line.id]
            if other.target.key != pair.target.key and other.score > floor
            and target_score.get(other.target.key, -1.0) < other.score
        ] + [
            other for other in by_target[pair.target.key]
            if other.line.id != pair.line.id and other.score > floor
            and line_score.get(other.line.id, -1.0) < other.score
        ]
        band = settings.band(pair.score)
        explanation = pair.evidence.explain()
        evidence = pair.evidence
        named = (evidence.payee is not None and evidence.payee >= settings.auto_min_payee) or evidence.reference >= 0.8
        if band is Band.AUTO and not named:
            band = Band.SUGGEST
            explanation += "; the payee is too different to accept without a person"
        elif band is Band.AUTO and rivals:
            band = Band.SUGGEST
            explanation += f"; {len(rivals)} other candidate(s) score within {settings.margin:.2f}, so a person decides"
        proposals[pair.line.id] = Proposal(
            line_id=pair.line.id, targets=(pair.target,), score=pair.score, band=band, shape="one_to_one",
            explanation=explanation, competitors=len(rivals),
        )
    return proposals
