"""Reading rules (conditions and actions) from nodes, and writing them back as plain data.

File form (YAML shown; the book stores the same structure as JSON)::

    - id: fuel-over-300-litres
      description: Fuel over 300 litres needs the fleet manager
      precedence: 10
      stop: false
      when:
        all:
          - category: {equals: Fuel}
          - field: {name: litres, min: 300}
      then:
        - require_approval: fleet_manager

Conditions: ``all``/``any`` (lists), ``not`` (one condition), a text subject (``vendor``,
``category``, ``employee``, ``card``, ``payment_method``, ``memo``) with one of ``equals``,
``contains``, ``regex``, ``one_of``, ``present``; ``field`` with ``name`` and either a text
operator or ``min``/``max``; ``amount`` with ``min``/``max``/``currency``; ``date`` with
``from``/``to``. Actions: ``set_category``, ``set_dimensions``, ``split``, ``flag``,
``require_approval``, ``per_diem``, ``skip``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bookbridge.coding.conditions import (
    ALWAYS,
    AllOf,
    AmountCondition,
    AnyOf,
    Condition,
    DateCondition,
    FieldRangeCondition,
    Not,
    TextCondition,
    TextOp,
    TextSubject,
    regex_problem,
)
from bookbridge.coding.nodes import Node
from bookbridge.coding.perdiem import ExcessPolicy, PerDiemRate, PerDiemTable
from bookbridge.coding.reader import Reader
from bookbridge.coding.rules import (
    Action,
    ApplyPerDiem,
    FlagForReview,
    RequireApproval,
    RuleSpec,
    SetCategory,
    SetDimensions,
    Skip,
    Split,
    SplitBy,
    SplitPart,
)
from bookbridge.coding.spec import DIMENSION_NAMES
from bookbridge.core.currency import CURRENCIES

RULE_KEYS = ("id", "description", "precedence", "stop", "when", "then")
TEXT_SUBJECTS = tuple(s.value for s in TextSubject if s is not TextSubject.FIELD)
TEXT_OPS = tuple(op.value for op in TextOp)
ACTIONS = ("set_category", "set_dimensions", "split", "flag", "require_approval", "per_diem", "skip")
PER_DIEM_KEYS = ("table", "currency", "rates", "default", "location_field", "days_field", "excess", "excess_account")


def read_rules(reader: Reader, node: Node | None, path: str = "rules") -> tuple[RuleSpec, ...]:
    """The rules of a ``rules:`` list; ids and precedences must be unique.

    Uniqueness is checked on the raw values, so a duplicate is reported even when one of the
    two rules has other errors.
    """
    rules = []
    seen_ids: dict[str, int] = {}
    seen_precedence: dict[str, int] = {}
    for index, item in enumerate(reader.sequence(node, path)):
        where = f"{path}[{index}]"
        _check_unique(reader, item, "id", where, seen_ids, index)
        _check_unique(reader, item, "precedence", where, seen_precedence, index)
        rule = _read_rule(reader, item, where)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _check_unique(reader: Reader, item: Node, key: str, where: str, seen: dict[str, int], index: int) -> None:
    value = item.entries.get(key) if item.kind == "map" else None
    if value is None or value.kind != "scalar":
        return
    text = value.text.strip()
    if text in seen:
        what = "rule id" if key == "id" else "precedence"
        reader.error(f"{where}.{key}", f"{what} {text} is also used by rules[{seen[text]}]; each rule needs its own", value.line)
    seen.setdefault(text, index)


def _read_rule(reader: Reader, node: Node, path: str) -> RuleSpec | None:
    if reader.mapping(node, path, RULE_KEYS) is None:
        return None
    rule_id = reader.text(node, "id", path, required=True)
    precedence = reader.integer(node, "precedence", path, required=True)
    stop = reader.boolean(node, "stop", path)
    when_node = node.entries.get("when")
    when = ALWAYS if when_node is None or when_node.kind == "null" else _condition(reader, when_node, f"{path}.when")
    actions = []
    items = reader.sequence(node.entries.get("then"), f"{path}.then")
    if not items:
        reader.error(f"{path}.then", "a rule needs at least one action under 'then'", node.line)
    for index, item in enumerate(items):
        action = _action(reader, item, f"{path}.then[{index}]")
        if action is not None:
            actions.append(action)
    if rule_id is None or precedence is None or when is None:
        return None
    return RuleSpec(
        id=rule_id.strip(),
        precedence=precedence,
        when=when,
        actions=tuple(actions),
        stop=bool(stop),
        description=reader.text(node, "description", path) or "",
    )


def _condition(reader: Reader, node: Node, path: str) -> Condition | None:
    pair = reader.single_key(node, path, "condition")
    if pair is None:
        return None
    key, value = pair
    where = f"{path}.{key}"
    if key in ("all", "any"):
        children = [_condition(reader, child, f"{where}[{i}]") for i, child in enumerate(reader.sequence(value, where))]
        if any(child is None for child in children):
            return None
        kept = tuple(c for c in children if c is not None)
        return AllOf(kept) if key == "all" else AnyOf(kept)
    if key == "not":
        child = _condition(reader, value, where)
        return None if child is None else Not(child)
    if key in TEXT_SUBJECTS:
        return _text_condition(reader, value, where, TextSubject(key), None)
    if key == "field":
        return _field_condition(reader, value, where)
    if key == "amount":
        if reader.mapping(value, where, ("min", "max", "currency")) is None:
            return None
        currency = reader.choice(value, "currency", where, CURRENCIES)
        return AmountCondition(reader.decimal(value, "min", where), reader.decimal(value, "max", where), currency)
    if key == "date":
        if reader.mapping(value, where, ("from", "to")) is None:
            return None
        return DateCondition(reader.date_value(value, "from", where), reader.date_value(value, "to", where))
    options = ", ".join(("all", "any", "not", *TEXT_SUBJECTS, "field", "amount", "date"))
    reader.error(where, f"unknown condition '{key}'; use one of: {options}", node.line)
    return None


def _text_condition(reader: Reader, node: Node, path: str, subject: TextSubject, field_name: str | None) -> Condition | None:
    allowed = TEXT_OPS if field_name is None else ("name", *TEXT_OPS, "min", "max")
    if reader.mapping(node, path, allowed) is None:
        return None
    ops = [op for op in TEXT_OPS if op in node.entries]
    if len(ops) != 1:
        reader.error(path, f"give exactly one of: {', '.join(TEXT_OPS)}", node.line)
        return None
    op = TextOp(ops[0])
    if op is TextOp.ONE_OF:
        values = []
        for item in reader.sequence(node.entries["one_of"], f"{path}.one_of"):
            if item.kind != "scalar" or not item.text.strip():
                reader.error(f"{path}.one_of", "each choice must be non-empty text", item.line)
                return None
            values.append(item.text)
        if not values:
            reader.error(f"{path}.one_of", "give at least one choice", node.line)
            return None
        return TextCondition(subject, op, values=tuple(values), field_name=field_name)
    if op is TextOp.PRESENT:
        if reader.boolean(node, "present", path) is False:
            return Not(TextCondition(subject, op, field_name=field_name))
        return TextCondition(subject, op, field_name=field_name)
    value = reader.text(node, op.value, path, required=True)
    if value is None:
        return None
    if op is TextOp.REGEX and (problem := regex_problem(value)):
        reader.error(f"{path}.regex", problem, node.entries["regex"].line)
        return None
    return TextCondition(subject, op, value=value, field_name=field_name)


def _field_condition(reader: Reader, node: Node, path: str) -> Condition | None:
    if reader.mapping(node, path, ("name", *TEXT_OPS, "min", "max")) is None:
        return None
    name = reader.text(node, "name", path, required=True)
    if name is None:
        return None
    if "min" in node.entries or "max" in node.entries:
        if any(op in node.entries for op in TEXT_OPS):
            reader.error(path, "use either min/max or a text operator, not both", node.line)
            return None
        return FieldRangeCondition(name, reader.decimal(node, "min", path), reader.decimal(node, "max", path))
    return _text_condition(reader, node, path, TextSubject.FIELD, name)


def _action(reader: Reader, node: Node, path: str) -> Action | None:
    pair = reader.single_key(node, path, "action")
    if pair is None:
        return None
    key, value = pair
    where = f"{path}.{key}"
    holder = Node("map", node.line, entries={key: value}, key_lines=node.key_lines)
    if key in ("set_category", "flag", "require_approval", "skip"):
        text = reader.text(holder, key, path, required=True)
        if text is None:
            return None
        cls = {"set_category": SetCategory, "flag": FlagForReview, "require_approval": RequireApproval, "skip": Skip}[key]
        return cls(text.strip())  # type: ignore[abstract]
    if key == "set_dimensions":
        values = reader.text_map(holder, key, path, keys=DIMENSION_NAMES)
        if not values:
            reader.error(where, f"name at least one of: {', '.join(DIMENSION_NAMES)}", value.line)
            return None
        return SetDimensions(values)
    if key == "split":
        return _split(reader, value, where)
    if key == "per_diem":
        return _per_diem(reader, value, where)
    reader.error(where, f"unknown action '{key}'; use one of: {', '.join(ACTIONS)}", node.line)
    return None


def _split(reader: Reader, node: Node, path: str) -> Split | None:
    if reader.mapping(node, path, ("by", "parts")) is None:
        return None
    by = reader.choice(node, "by", path, ("percent", "amount"), required=True)
    parts = []
    for index, item in enumerate(reader.sequence(node.entries.get("parts"), f"{path}.parts")):
        where = f"{path}.parts[{index}]"
        if reader.mapping(item, where, ("share", "account", "dimensions")) is None:
            continue
        share_node = item.entries.get("share")
        share: Decimal | None = None
        if share_node is not None and share_node.kind == "scalar" and share_node.text.strip() == "rest":
            if by == "percent":
                reader.error(f"{where}.share", "'rest' is only for a split by amount", share_node.line)
        else:
            share = reader.decimal(item, "share", where, required=True)
            if share is not None and share <= 0:
                reader.error(f"{where}.share", "a share must be more than 0", share_node.line if share_node else item.line)
        dims = reader.text_map(item, "dimensions", where, keys=DIMENSION_NAMES)
        parts.append(SplitPart(share, reader.text(item, "account", where), dims))
    if by is None or not parts:
        if by is not None:
            reader.error(f"{path}.parts", "a split needs at least one part", node.line)
        return None
    if by == "percent" and sum((p.share or Decimal(0)) for p in parts) != 100:
        total = sum((p.share or Decimal(0)) for p in parts)
        reader.error(f"{path}.parts", f"percentages add up to {total}, not 100", node.key_lines.get("parts"))
    if by == "amount" and sum(1 for p in parts if p.is_rest) > 1:
        reader.error(f"{path}.parts", "only one part may take the rest", node.key_lines.get("parts"))
    return Split(SplitBy(by), tuple(parts))


def _per_diem(reader: Reader, node: Node, path: str) -> ApplyPerDiem | None:
    if reader.mapping(node, path, PER_DIEM_KEYS) is None:
        return None
    name = reader.text(node, "table", path, required=True)
    currency = reader.choice(node, "currency", path, CURRENCIES, required=True)
    location_field = reader.text(node, "location_field", path, required=True)
    excess = reader.choice(node, "excess", path, [p.value for p in ExcessPolicy], required=True)
    excess_account = reader.text(node, "excess_account", path)
    if excess == ExcessPolicy.POST_TO_OWN_ACCOUNT.value and not excess_account:
        reader.error(f"{path}.excess_account", "'excess: post' needs an excess_account", node.line)
    rates: dict[str, Decimal] = {}
    rates_node = node.entries.get("rates")
    if rates_node is not None and reader.mapping(rates_node, f"{path}.rates", rates_node.entries):
        for location in rates_node.entries:
            value = reader.decimal(rates_node, location, f"{path}.rates")
            if value is not None:
                rates[location] = value
    default = reader.decimal(node, "default", path)
    for label, value in [*rates.items(), ("default", default)]:
        if value is not None and value < 0:
            reader.error(f"{path}.rates", f"the limit for {label} cannot be negative", node.line)
            return None
    if not rates and default is None:
        reader.error(path, "give per-diem 'rates' by location, a 'default', or both", node.line)
    if None in (name, currency, location_field, excess):
        return None
    assert name is not None and currency is not None and location_field is not None and excess is not None
    table = PerDiemTable(
        name=name,
        rates={loc: PerDiemRate(loc, limit, currency) for loc, limit in rates.items()},
        default=PerDiemRate("default", default, currency) if default is not None else None,
    )
    return ApplyPerDiem(table, location_field, ExcessPolicy(excess), reader.text(node, "days_field", path), excess_account)


# --- writing -------------------------------------------------------------------------------


def rules_to_data(rules: tuple[RuleSpec, ...]) -> list[dict[str, Any]]:
    """Plain data for ``rules`` in a stable key order (what YAML export and the book store)."""
    return [_rule_data(rule) for rule in rules]


def _rule_data(rule: RuleSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"id": rule.id}
    if rule.description:
        data["description"] = rule.description
    data["precedence"] = rule.precedence
    if rule.stop:
        data["stop"] = True
    if rule.when != ALWAYS:
        data["when"] = condition_to_data(rule.when)
    data["then"] = [_action_data(action) for action in rule.actions]
    return data


def condition_to_data(condition: Condition) -> dict[str, Any]:
    if isinstance(condition, AllOf):
        return {"all": [condition_to_data(c) for c in condition.children]}
    if isinstance(condition, AnyOf):
        return {"any": [condition_to_data(c) for c in condition.children]}
    if isinstance(condition, Not):
        return {"not": condition_to_data(condition.child)}
    if isinstance(condition, AmountCondition):
        return {"amount": _drop_none({"min": _num(condition.minimum), "max": _num(condition.maximum), "currency": condition.currency})}
    if isinstance(condition, DateCondition):
        return {"date": _drop_none({"from": _iso(condition.start), "to": _iso(condition.end)})}
    if isinstance(condition, FieldRangeCondition):
        return {"field": _drop_none({"name": condition.field_name, "min": _num(condition.minimum), "max": _num(condition.maximum)})}
    op_value: Any = {
        TextOp.ONE_OF: list(condition.values),
        TextOp.PRESENT: True,
    }.get(condition.op, condition.value)
    if condition.subject is TextSubject.FIELD:
        return {"field": {"name": condition.field_name, condition.op.value: op_value}}
    return {condition.subject.value: {condition.op.value: op_value}}


def _action_data(action: Action) -> dict[str, Any]:
    if isinstance(action, SetCategory):
        return {"set_category": action.category}
    if isinstance(action, SetDimensions):
        return {"set_dimensions": dict(action.values)}
    if isinstance(action, FlagForReview):
        return {"flag": action.reason}
    if isinstance(action, RequireApproval):
        return {"require_approval": action.level}
    if isinstance(action, Skip):
        return {"skip": action.reason}
    if isinstance(action, Split):
        parts = []
        for part in action.parts:
            item: dict[str, Any] = {"share": "rest" if part.share is None else _num(part.share)}
            if part.account:
                item["account"] = part.account
            if part.dimensions:
                item["dimensions"] = dict(part.dimensions)
            parts.append(item)
        return {"split": {"by": action.by.value, "parts": parts}}
    table = action.table
    currency = next(iter(table.rates.values()), table.default).currency  # type: ignore[union-attr]
    data: dict[str, Any] = {"table": table.name, "currency": currency}
    if table.rates:
        data["rates"] = {loc: _num(rate.daily_limit) for loc, rate in sorted(table.rates.items())}
    if table.default is not None:
        data["default"] = _num(table.default.daily_limit)
    data["location_field"] = action.location_field
    if action.days_field:
        data["days_field"] = action.days_field
    data["excess"] = action.excess.value
    if action.excess_account:
        data["excess_account"] = action.excess_account
    return {"per_diem": data}


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}
