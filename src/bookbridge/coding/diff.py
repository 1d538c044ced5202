"""Readable differences between two template contents, per mapping and per rule.

Mappings are matched by what they select (category + narrowing), rules by id, tax codes by code,
cards by name; a changed item lists each field that changed as ``field: old → new``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bookbridge.coding.schema import mapping_to_data, template_to_data
from bookbridge.coding.schema_rules import rules_to_data
from bookbridge.coding.spec import TemplateSpec


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """One difference.

    Attributes:
        section: ``template``, ``credit_accounts``, ``cards``, ``tax_codes``, ``mappings`` or ``rules``.
        key: which item (a mapping's label, a rule id, a tax code...).
        change: added, removed or changed.
        details: for a change, one ``field: old → new`` per field; for an add or remove, the fields.
    """

    section: str
    key: str
    change: Change
    details: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "key": self.key, "change": self.change.value, "details": list(self.details)}


def diff_templates(old: TemplateSpec | None, new: TemplateSpec) -> list[DiffEntry]:
    """What changes going from ``old`` to ``new`` (``old`` None: one entry for the new template)."""
    if old is None:
        return [_new_template(new)]
    old_data = template_to_data(old)
    new_data = template_to_data(new)
    entries: list[DiffEntry] = []
    header_old = {k: old_data.get(k) for k in ("template", "description", "effective_from")}
    header_new = {k: new_data.get(k) for k in ("template", "description", "effective_from")}
    entries += _keyed("template", {"": header_old}, {"": header_new})
    entries += _keyed("credit_accounts", {"": old_data.get("credit_accounts", {})}, {"": new_data.get("credit_accounts", {})})
    entries += _flat("cards", old_data.get("cards", {}), new_data.get("cards", {}))
    entries += _keyed("tax_codes", old_data.get("tax_codes", {}), new_data.get("tax_codes", {}))
    entries += _keyed(
        "mappings",
        {m.label: mapping_to_data(m) for m in old.mappings},
        {m.label: mapping_to_data(m) for m in new.mappings},
    )
    entries += _keyed(
        "rules",
        {r["id"]: r for r in rules_to_data(old.rules)},
        {r["id"]: r for r in rules_to_data(new.rules)},
    )
    return [e for e in entries if e.change is not Change.CHANGED or e.details]


def _new_template(spec: TemplateSpec) -> DiffEntry:
    """A brand-new template is summarised rather than listed field by field."""
    details = [f"effective from {spec.effective_from.isoformat()}"]
    details += [f"mapping {m.label} → {m.account}" for m in spec.mappings]
    details += [f"rule {r.id} (precedence {r.precedence})" for r in spec.rules]
    if spec.tax_codes:
        details.append("tax codes: " + ", ".join(sorted(spec.tax_codes)))
    return DiffEntry("template", spec.name, Change.ADDED, tuple(details))


def _keyed(section: str, old: dict[str, Any], new: dict[str, Any]) -> list[DiffEntry]:
    """Items that are mappings of fields: added, removed, or changed field by field."""
    entries = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            entries.append(DiffEntry(section, key, Change.REMOVED, _fields(old[key])))
        elif key not in old:
            entries.append(DiffEntry(section, key, Change.ADDED, _fields(new[key])))
        elif old[key] != new[key]:
            details = []
            for name in [*old[key], *(n for n in new[key] if n not in old[key])]:
                before, after = old[key].get(name), new[key].get(name)
                if before != after:
                    details.append(f"{name}: {_show(before)} → {_show(after)}")
            entries.append(DiffEntry(section, key, Change.CHANGED, tuple(details)))
    return entries


def _flat(section: str, old: dict[str, str], new: dict[str, str]) -> list[DiffEntry]:
    """Items that are single values (card → account)."""
    entries = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            entries.append(DiffEntry(section, key, Change.REMOVED, (_show(old[key]),)))
        elif key not in old:
            entries.append(DiffEntry(section, key, Change.ADDED, (_show(new[key]),)))
        elif old[key] != new[key]:
            entries.append(DiffEntry(section, key, Change.CHANGED, (f"{_show(old[key])} → {_show(new[key])}",)))
    return entries


def _fields(data: Any) -> tuple[str, ...]:
    if isinstance(data, dict):
        return tuple(f"{name}: {_show(value)}" for name, value in data.items())
    return (_show(data),)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def format_diff(entries: list[DiffEntry]) -> str:
    """The diff as lines a person reads: ``~ mappings Fuel`` then indented field changes."""
    if not entries:
        return "No differences."
    marks = {Change.ADDED: "+", Change.REMOVED: "-", Change.CHANGED: "~"}
    lines = []
    for entry in entries:
        title = f"{entry.section} {entry.key}".rstrip()
        lines.append(f"{marks[entry.change]} {title}")
        lines += [f"    {detail}" for detail in entry.details]
    return "\n".join(lines)
