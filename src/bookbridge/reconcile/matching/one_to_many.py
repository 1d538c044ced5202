"""One line settling many targets: a card payment, a reimbursement, a payroll run.

Targets carry the groups they belong to (an employee, a card, an expense report, payroll).
For a line left without a single match, each group's open targets dated from ``lookback`` days
before the line to a day after it (a payment settles what was spent before it) are tried in
order of strength:

1. a whole expense report whose total equals the line (reports are indexed by total);
2. all of a group's open targets in the window adding up to the line, when the line's text
   resembles the group's name (an employee's name, "Visa 4444 card payment", "payroll");
3. a run of consecutive dates within a group adding up (prefix sums, linear time);
4. a subset adding up (meet-in-the-middle over the ``max_subset`` targets closest in date, only
   for the few groups whose name resembles the line's text).

Strategies 3 and 4 are weak evidence (with cents, some combination of many amounts often adds up
by chance), so they never score into the auto band. Two different answers scoring close to each other also go to a person.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from bookbridge.reconcile.matching.model import Band, LineView, MatchSettings, Proposal, Target
from bookbridge.reconcile.matching.scoring import payee_similarity

TargetKey = tuple[str, int]
Rejected = set[tuple[int, frozenset[TargetKey]]]

BASE_SCORE = {"report": 0.88, "whole": 0.80, "run": 0.62, "subset": 0.58}
NAME_WEIGHT = {"report": 0.10, "whole": 0.12, "run": 0.15, "subset": 0.15}
MIN_NAME_SIMILARITY = {"report": 0.0, "whole": 0.5, "run": 0.5, "subset": 0.6}
SETTLEMENT_SLACK_DAYS = 1  # a payment settles what was spent before it (a day's slack for booking)
WEAK_STRATEGIES = ("run", "subset")
SUBSET_GROUPS_PER_LINE = 3


@dataclass(slots=True)
class _Group:
    key: str
    label: str
    members: list[Target] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)

    @property
    def is_report(self) -> bool:
        return self.key.startswith("report:")


@dataclass(frozen=True, slots=True)
class _Candidate:
    strategy: str
    group: _Group
    targets: tuple[Target, ...]
    similarity: float | None

    @property
    def score(self) -> float:
        sim = 0.5 if self.similarity is None else self.similarity
        score = BASE_SCORE[self.strategy] + NAME_WEIGHT[self.strategy] * sim
        return round(min(score, 0.79) if self.strategy in WEAK_STRATEGIES else score, 4)

    @property
    def keys(self) -> frozenset[TargetKey]:
        return frozenset(t.key for t in self.targets)


def match_one_to_many(
    lines: list[LineView], targets: list[Target], used: set[TargetKey], settings: MatchSettings, rejected: Rejected
) -> dict[int, Proposal]:
    """Proposals for lines that settle several targets at once; marks the targets it uses in ``used``."""
    groups = _build_groups(targets, used)
    by_total: dict[tuple[str, int], list[_Group]] = defaultdict(list)
    for group in groups:
        if group.is_report and len(group.members) >= 2:
            currency = group.members[0].amount.currency
            by_total[(currency, sum(t.amount.minor_units() for t in group.members))].append(group)
    windowed = [g for g in groups if not g.is_report]
    proposals: dict[int, Proposal] = {}
    for line in sorted(lines, key=lambda ln: (ln.booked_date, ln.id)):
        found = _candidates(line, by_total, windowed, used, settings)
        found = [c for c in found if (line.id, c.keys) not in rejected]
        if not found:
            continue
        found.sort(key=lambda c: (-c.score, len(c.targets), c.group.key))
        best = found[0]
        rivals = [c for c in found[1:] if c.keys != best.keys and c.score > best.score - settings.margin]
        band = settings.band(best.score)
        if band is Band.NONE:
            continue
        explanation = _explain(line, best)
        if band is Band.AUTO and rivals:
            band = Band.SUGGEST
            explanation += f"; {len(rivals)} other combination(s) also add up, so a person decides"
        proposals[line.id] = Proposal(line.id, best.targets, best.score, band, "one_to_many", explanation, len(rivals))
        used.update(best.keys)
    return proposals


def _build_groups(targets: list[Target], used: set[TargetKey]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for target in targets:
        if target.key in used:
            continue
        for key, label in target.groups:
            groups.setdefault(key, _Group(key, label)).members.append(target)
    for group in groups.values():
        group.members.sort(key=lambda t: (t.date, t.key))
        group.ordinals = [t.date.toordinal() for t in group.members]
    return sorted(groups.values(), key=lambda g: g.key)


def _candidates(
    line: LineView, by_total: dict[tuple[str, int], list[_Group]], windowed: list[_Group],
    used: set[TargetKey], settings: MatchSettings,
) -> list[_Candidate]:
    low = line.booked_date - timedelta(days=settings.lookback_days)
    high = max(line.booked_date, line.value_date or line.booked_date) + timedelta(days=SETTLEMENT_SLACK_DAYS)
    goal = line.amount.minor_units()
    text = line.payee or line.memo
    found: list[_Candidate] = []
    for group in by_total.get((line.amount.currency, goal), []):
        if all(t.key not in used for t in group.members) and low <= group.members[0].date and group.members[-1].date <= high:
            found.append(_Candidate("report", group, tuple(group.members), payee_similarity(text, group.label)))
    weak_pool: list[tuple[float, _Group, list[Target]]] = []
    for group in windowed:
        start = bisect_left(group.ordinals, low.toordinal())
        end = bisect_right(group.ordinals, high.toordinal())
        if end - start < 2:
            continue  # fewer than two in the window, whatever is used: skip building the list
        members = [t for t in group.members[start:end] if t.key not in used and _same_side(t, line)]
        if len(members) < 2:
            continue
        similarity = payee_similarity(text, group.label)
        if similarity is None or similarity < MIN_NAME_SIMILARITY["whole"]:
            continue  # only a whole expense report may settle a line whose text names nobody
        if _adds_up(members, line, settings):
            found.append(_Candidate("whole", group, tuple(members), similarity))
            continue
        run = _date_run(members, goal)
        if run is not None:
            found.append(_Candidate("run", group, tuple(run), similarity))
        elif similarity >= MIN_NAME_SIMILARITY["subset"]:
            weak_pool.append((similarity, group, members))
    if not found:
        weak_pool.sort(key=lambda item: (-item[0], item[1].key))
        for similarity, group, members in weak_pool[:SUBSET_GROUPS_PER_LINE]:
            closest = sorted(members, key=lambda t: (abs((t.date - line.booked_date).days), t.key))[: settings.max_subset]
            subset = _subset_with_sum(closest, goal)
            if subset is not None:
                found.append(_Candidate("subset", group, tuple(sorted(subset, key=lambda t: (t.date, t.key))), similarity))
    return found


def _same_side(target: Target, line: LineView) -> bool:
    return target.amount.currency == line.amount.currency and (target.amount.amount < 0) == (line.amount.amount < 0)


def _adds_up(members: list[Target], line: LineView, settings: MatchSettings) -> bool:
    total = sum((t.amount.amount for t in members), start=Decimal(0))
    if total == line.amount.amount:
        return True
    if any(t.approximate for t in members) and total:
        return abs(line.amount.amount - total) / abs(total) <= settings.fx_tolerance
    return False


def _date_run(members: list[Target], goal: int) -> list[Target] | None:
    """The longest run of consecutive members (by date) summing exactly to ``goal``."""
    first_seen: dict[int, int] = {0: 0}
    running = 0
    best: tuple[int, int] | None = None
    for end, target in enumerate(members, start=1):
        running += target.amount.minor_units()
        start = first_seen.get(running - goal)
        if start is not None and end - start >= 2 and (best is None or end - start > best[1] - best[0]):
            best = (start, end)
        first_seen.setdefault(running, end)
    return None if best is None else members[best[0]:best[1]]


def _subset_with_sum(members: list[Target], goal: int) -> list[Target] | None:
    """Two or more members summing exactly to ``goal`` (meet in the middle: 2 x 2^(n/2) sums)."""
    values = [t.amount.minor_units() for t in members]
    half = len(values) // 2
    left = _all_sums(values[:half])
    right = _all_sums(values[half:])
    for right_sum, right_mask in sorted(right.items(), key=lambda item: bin(item[1]).count("1")):
        left_mask = left.get(goal - right_sum)
        if left_mask is None:
            continue
        chosen = [members[i] for i in range(half) if left_mask >> i & 1]
        chosen += [members[half + i] for i in range(len(values) - half) if right_mask >> i & 1]
        if len(chosen) >= 2:
            return chosen
    return None


def _all_sums(values: list[int]) -> dict[int, int]:
    """Every subset sum of ``values`` with one bit mask of members reaching it."""
    sums: dict[int, int] = {0: 0}
    for i, value in enumerate(values):
        for total, mask in list(sums.items()):
            sums.setdefault(total + value, mask | (1 << i))
    return sums


def _explain(line: LineView, candidate: _Candidate) -> str:
    targets = candidate.targets
    first, last = targets[0].date, targets[-1].date
    span = f"dated {first}" if first == last else f"dated {first} to {last}"
    what = {
        "report": f"settles the whole {candidate.group.label}",
        "whole": f"settles all {len(targets)} open items of {candidate.group.label} in the window",
        "run": f"settles {len(targets)} consecutive items of {candidate.group.label}",
        "subset": f"{len(targets)} items of {candidate.group.label} add up to it",
    }[candidate.strategy]
    total_note = "total exact" if sum(t.amount.amount for t in targets) == line.amount.amount else "total within the currency tolerance"
    name = ("no payee to compare" if candidate.similarity is None
            else f"payee {round(candidate.similarity * 100)} % similar to {candidate.group.label}")
    return f"{what} ({len(targets)} items {span}), {total_note}, {name}"
