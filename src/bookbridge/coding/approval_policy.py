"""The approval policy as values: levels, their conditions, who may approve them (pure).

A policy is an ordered list of levels. Each level has a condition over the expense (amount in the
home currency, category, custom fields; every given part must hold, an empty condition matches
every expense) and names who may approve it, by role or by name. People get roles in the
policy's ``people`` table. Rules can require a level too ("require an approval level" action).

The policy travels as a small YAML (or JSON) document so a firm can keep it beside its mapping
templates::

    levels:
      - name: manager
        approvers: {roles: [manager]}
      - name: second approver
        when: {amount_over: "500.00"}
        approvers: {roles: [manager, finance]}
      - name: fleet manager
        when: {category: [Fuel], fields: [{name: litres, op: ">", value: "300"}]}
        approvers: {names: [Dana Fleet]}
      - name: review
        when: {flagged: true}
        approvers: {roles: [manager]}
    people:
      Alice Manager: [manager]
      Bob Finance: [finance]

Names and roles compare case-insensitively, ignoring surrounding spaces, because people type
them by hand on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from bookbridge.core.errors import MoneyError, ValidationFailed
from bookbridge.core.money import parse_decimal

FIELD_OPERATORS = (">", ">=", "<", "<=", "=", "!=")


def person_key(name: str) -> str:
    """How names and roles compare: case-insensitive, surrounding spaces ignored."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class ApprovalFacts:
    """What a level's condition looks at.

    Attributes:
        home_amount: the expense total in the home currency (negative for a refund).
        category: the category the expense was coded under (after rules).
        fields: the custom fields, as canonical text.
        employee: who incurred it (they may not approve their own expense).
        flags: review flags coding raised (a rule's "flag for review", a per-diem excess...).
    """

    home_amount: Decimal
    category: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    employee: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldCondition:
    """A comparison on one custom field: ``litres > 300``, ``vehicle_type = reefer``.

    Ordering operators compare numbers; ``=``/``!=`` compare numbers when both sides are numbers,
    else text case-insensitively. A missing field never satisfies a condition except ``!=``.
    """

    name: str
    op: str
    value: str

    def holds(self, fields: Mapping[str, str]) -> bool:
        actual = _field_value(fields, self.name)
        if actual is None:
            return self.op == "!="
        left, right = _number(actual), _number(self.value)
        if self.op in ("=", "!="):
            same = left == right if left is not None and right is not None else person_key(actual) == person_key(self.value)
            return same if self.op == "=" else not same
        if left is None or right is None:
            return False
        return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[self.op]

    def describe(self) -> str:
        return f"{self.name} {self.op} {self.value}"


def _field_value(fields: Mapping[str, str], name: str) -> str | None:
    wanted = name.casefold()
    return next((value for key, value in fields.items() if key.casefold() == wanted), None)


def _number(text: str) -> Decimal | None:
    try:
        return parse_decimal(text)
    except MoneyError:
        return None


@dataclass(frozen=True, slots=True)
class LevelCondition:
    """When a level is needed; every part that is set must hold.

    Attributes:
        amount_over: the home amount must be strictly greater than this.
        categories: the category must be one of these (empty: any category).
        fields: every field comparison must hold.
        flagged: when True the expense must carry a review flag (a flag asks a person to look;
            this is how a policy routes flagged expenses to a level).
    """

    amount_over: Decimal | None = None
    categories: tuple[str, ...] = ()
    fields: tuple[FieldCondition, ...] = ()
    flagged: bool = False

    def holds(self, facts: ApprovalFacts) -> bool:
        if self.amount_over is not None and not facts.home_amount > self.amount_over:
            return False
        if self.flagged and not facts.flags:
            return False
        if self.categories and person_key(facts.category or "") not in {person_key(c) for c in self.categories}:
            return False
        return all(condition.holds(facts.fields) for condition in self.fields)

    def describe(self) -> str:
        parts = []
        if self.amount_over is not None:
            parts.append(f"amount over {self.amount_over:f}")
        if self.categories:
            parts.append("category " + " or ".join(self.categories))
        parts.extend(condition.describe() for condition in self.fields)
        if self.flagged:
            parts.append("flagged for review")
        return " and ".join(parts) if parts else "every expense"


@dataclass(frozen=True, slots=True)
class Level:
    """One approval level: its name, when it applies, and who may approve it."""

    name: str
    condition: LevelCondition = field(default_factory=LevelCondition)
    roles: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def describe_approvers(self) -> str:
        parts = [f"role {role}" for role in self.roles] + list(self.names)
        return ", ".join(parts) if parts else "nobody"


@dataclass(frozen=True, slots=True)
class Policy:
    """The whole approval policy: ordered levels and the people who hold roles."""

    levels: tuple[Level, ...] = ()
    people: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))
        object.__setattr__(self, "people", MappingProxyType(dict(self.people)))

    def level(self, name: str) -> Level | None:
        wanted = person_key(name)
        return next((level for level in self.levels if person_key(level.name) == wanted), None)

    def roles_of(self, person: str) -> frozenset[str]:
        wanted = person_key(person)
        roles: set[str] = set()
        for name, held in self.people.items():
            if person_key(name) == wanted:
                roles.update(person_key(role) for role in held)
        return frozenset(roles)

    def may_approve(self, level_name: str, person: str) -> bool:
        """True when ``person`` is named on the level or holds one of its roles."""
        level = self.level(level_name)
        if level is None:
            return False
        if person_key(person) in {person_key(name) for name in level.names}:
            return True
        return bool(self.roles_of(person) & {person_key(role) for role in level.roles})

    def required_levels(self, facts: ApprovalFacts, rule_levels: Iterable[str] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The levels an expense needs, in policy order, and the rule levels the policy lacks.

        Returns:
            ``(levels, unknown)``: the level names (policy spelling) required by the policy's
            conditions or by rules, and the names rules asked for that the policy does not define.
        """
        wanted = {person_key(name) for name in rule_levels}
        known = {person_key(level.name) for level in self.levels}
        levels = tuple(
            level.name for level in self.levels if level.condition.holds(facts) or person_key(level.name) in wanted
        )
        unknown = tuple(sorted({name for name in rule_levels if person_key(name) not in known}))
        return levels, unknown


# --- the policy document -------------------------------------------------------------------


def policy_from_document(document: Any, *, name: str = "approval policy") -> Policy:
    """Build a :class:`Policy` from a parsed document (all scalars as text, as YAML base gives).

    Raises:
        ValidationFailed: with one issue per problem, each naming the level and field at fault.
    """
    problems: list[str] = []
    if not isinstance(document, Mapping):
        raise ValidationFailed(f"{name}: expected 'levels' and 'people' at the top level")
    unknown_keys = set(document) - {"levels", "people"}
    if unknown_keys:
        problems.append(f"unknown top-level key(s): {', '.join(sorted(unknown_keys))}")
    levels: list[Level] = []
    seen: set[str] = set()
    for index, raw in enumerate(_as_list(document.get("levels"))):
        where = f"levels[{index + 1}]"
        if not isinstance(raw, Mapping) or not str(raw.get("name") or "").strip():
            problems.append(f"{where}: every level needs a name")
            continue
        level_name = str(raw["name"]).strip()
        where = f"level '{level_name}'"
        if person_key(level_name) in seen:
            problems.append(f"{where}: the name is used twice")
        seen.add(person_key(level_name))
        extra = set(raw) - {"name", "when", "approvers"}
        if extra:
            problems.append(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        condition = _condition(raw.get("when") or {}, where, problems)
        approvers = raw.get("approvers") or {}
        roles = tuple(str(r).strip() for r in _as_list(approvers.get("roles") if isinstance(approvers, Mapping) else None))
        names = tuple(str(n).strip() for n in _as_list(approvers.get("names") if isinstance(approvers, Mapping) else None))
        if not roles and not names:
            problems.append(f"{where}: name at least one approver under 'approvers' (roles or names)")
        levels.append(Level(level_name, condition, roles, names))
    people_raw = document.get("people") or {}
    people: dict[str, frozenset[str]] = {}
    if not isinstance(people_raw, Mapping):
        problems.append("people: expected 'Name: [role, ...]' entries")
    else:
        for person, roles in people_raw.items():
            people[str(person).strip()] = frozenset(str(role).strip() for role in _as_list(roles))
    if problems:
        raise ValidationFailed(f"{name} has {len(problems)} problem(s): " + "; ".join(problems), problems)
    return Policy(tuple(levels), people)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _condition(raw: Any, where: str, problems: list[str]) -> LevelCondition:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: 'when' must hold amount_over, category and/or fields")
        return LevelCondition()
    extra = set(raw) - {"amount_over", "category", "fields", "flagged"}
    if extra:
        problems.append(f"{where}: unknown condition(s) {', '.join(sorted(extra))}")
    amount_over = None
    if raw.get("amount_over") not in (None, ""):
        try:
            amount_over = parse_decimal(str(raw["amount_over"]))
        except MoneyError as error:
            problems.append(f"{where}: amount_over: {error.user_message}")
    fields = []
    for index, item in enumerate(_as_list(raw.get("fields"))):
        if not isinstance(item, Mapping) or not item.get("name") or item.get("value") is None:
            problems.append(f"{where}: fields[{index + 1}] needs name, op and value")
            continue
        op = str(item.get("op") or "=").strip()
        if op not in FIELD_OPERATORS:
            problems.append(f"{where}: fields[{index + 1}]: operator {op!r} is not one of {' '.join(FIELD_OPERATORS)}")
            continue
        fields.append(FieldCondition(str(item["name"]).strip(), op, str(item["value"]).strip()))
    categories = tuple(str(c).strip() for c in _as_list(raw.get("category")))
    flagged = str(raw.get("flagged") or "false").strip().casefold()
    if flagged not in ("true", "false", "yes", "no"):
        problems.append(f"{where}: flagged must be true or false, not {raw.get('flagged')!r}")
    return LevelCondition(amount_over, categories, tuple(fields), flagged in ("true", "yes"))


def policy_to_document(policy: Policy) -> dict[str, Any]:
    """The document form of a policy (what ``policy_from_document`` reads back)."""
    levels = []
    for level in policy.levels:
        when: dict[str, Any] = {}
        if level.condition.amount_over is not None:
            when["amount_over"] = format(level.condition.amount_over, "f")
        if level.condition.categories:
            when["category"] = list(level.condition.categories)
        if level.condition.fields:
            when["fields"] = [{"name": c.name, "op": c.op, "value": c.value} for c in level.condition.fields]
        if level.condition.flagged:
            when["flagged"] = "true"
        approvers: dict[str, Any] = {}
        if level.roles:
            approvers["roles"] = list(level.roles)
        if level.names:
            approvers["names"] = list(level.names)
        item: dict[str, Any] = {"name": level.name}
        if when:
            item["when"] = when
        item["approvers"] = approvers
        levels.append(item)
    people = {person: sorted(roles) for person, roles in sorted(policy.people.items())}
    return {"levels": levels, "people": people}


def parse_policy_text(text: str, *, name: str = "approval policy") -> Policy:
    """Read a policy from YAML or JSON text; every scalar is read as text (no float amounts).

    Raises:
        ValidationFailed: the text is not YAML, or the policy has problems.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        document = YAML(typ="base").load(text)
    except YAMLError as error:
        raise ValidationFailed(f"{name} is not valid YAML or JSON: {error}") from error
    return policy_from_document(document or {}, name=name)
