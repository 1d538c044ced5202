"""The matcher as one pure function: lines and targets in, proposals out.

One-to-one first (most lines are single charges), then one-to-many for the lines left over,
over the targets no one-to-one proposal took. No database, no clock: the same inputs always give
the same proposals, which is what lets the benchmark and the tests assert precision and recall.
"""

from __future__ import annotations

from bookbridge.reconcile.matching.index import TargetIndex
from bookbridge.reconcile.matching.model import Band, LineView, MatchSettings, Proposal, Target
from bookbridge.reconcile.matching.one_to_many import match_one_to_many
from bookbridge.reconcile.matching.one_to_one import Rejected, match_one_to_one


def match_lines(
    lines: list[LineView],
    targets: list[Target],
    settings: MatchSettings | None = None,
    rejected: Rejected | None = None,
) -> list[Proposal]:
    """Propose matches for ``lines``; lines without a proposal of at least the suggest band are left out.

    Args:
        lines: statement lines still unmatched.
        targets: candidates not yet tied to any line.
        settings: thresholds and windows (defaults when None).
        rejected: ``(line_id, target keys)`` combinations a person already rejected; never proposed again.
    """
    settings = settings or MatchSettings()
    rejected = rejected or set()
    index = TargetIndex(targets)
    single = match_one_to_one(lines, index, settings, rejected)
    used = {t.key for p in single.values() for t in p.targets}
    leftover = [line for line in lines if line.id not in single]
    many = match_one_to_many(leftover, targets, used, settings, rejected)
    proposals = [p for p in list(single.values()) + list(many.values()) if p.band is not Band.NONE]
    return sorted(proposals, key=lambda p: p.line_id)
