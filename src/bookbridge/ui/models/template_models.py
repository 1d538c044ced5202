"""Grids of the Mappings and Rules pages: versions, mappings, rules in run order, changed expenses.

Rule conditions and actions are shown in the same compact words as ``bookbridge rules list``
(``vendor equals Shell``, ``set category Fuel``), from the engine's own plain-data form.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bookbridge.coding.impact import ExpenseChange
from bookbridge.coding.rules import RuleSpec, ordered
from bookbridge.coding.schema_rules import condition_to_data, rules_to_data
from bookbridge.coding.spec import MappingSpec
from bookbridge.ui.formatting import format_date, format_datetime
from bookbridge.ui.models.record_table import ColumnSpec, RecordTableModel
from bookbridge.ui.models.template_facts import VersionRow

_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def _when(value: object) -> datetime:
    return value if isinstance(value, datetime) else _EPOCH


class VersionHistoryModel(RecordTableModel):
    """The draft (if any) and every published version, newest first."""

    columns = (
        ColumnSpec("Version", lambda v: v.label, sort=lambda v: (v.is_draft, v.number),
                   tone=lambda v: "warn" if v.is_draft else None),
        ColumnSpec("Effective from", lambda v: format_date(v.effective_from), sort=lambda v: v.effective_from),
        ColumnSpec("By", lambda v: v.author),
        ColumnSpec("When", lambda v: format_datetime(_when(v.when)) if isinstance(v.when, datetime) else "",
                   sort=lambda v: _when(v.when)),
        ColumnSpec("Note", lambda v: (f"rollback to version {v.rolled_back_from}: " if v.rolled_back_from else "")
                   + (v.note or ""), tooltip=lambda v: v.note or None),
    )

    def number_at(self, row: int) -> int:
        item: VersionRow = self.item(row)
        return item.number


def narrowing(mapping: MappingSpec) -> str:
    parts = []
    if mapping.vendor:
        parts.append(f"vendor {mapping.vendor}")
    if mapping.payment_method:
        parts.append(mapping.payment_method.replace("_", " "))
    if mapping.field_name:
        parts.append(f"{mapping.field_name} = {mapping.field_value}")
    return ", ".join(parts)


def _dimensions(mapping: MappingSpec) -> str:
    values = {**dict(mapping.dimensions), **{k: f"from {v}" for k, v in mapping.dimension_fields.items()}}
    return ", ".join(f"{k}: {v}" for k, v in values.items())


class MappingsModel(RecordTableModel):
    """The mappings of one version, in file order (``MappingSpec`` records)."""

    columns = (
        ColumnSpec("Category", lambda m: m.category),
        ColumnSpec("Only when", narrowing),
        ColumnSpec("Account", lambda m: m.account),
        ColumnSpec("Posted as", lambda m: m.posting_type.value if m.posting_type else "",
                   tooltip=lambda m: None if m.posting_type else "as the payment method implies"),
        ColumnSpec("Credit", lambda m: m.credit_account or "",
                   tooltip=lambda m: None if m.credit_account else "the payment method's credit account"),
        ColumnSpec("Tax", lambda m: m.tax_code or ""),
        ColumnSpec("Dimensions", _dimensions),
    )


def _words(data: Any) -> str:
    """Plain condition/action data as short words: ``vendor equals Shell``."""
    if isinstance(data, dict):
        parts = []
        for key, value in data.items():
            if key in ("all", "any") and isinstance(value, list):
                joined = f" {'and' if key == 'all' else 'or'} ".join(_words(v) for v in value)
                parts.append(f"({joined})" if len(value) > 1 else joined)
            elif key == "not":
                parts.append(f"not {_words(value)}")
            elif isinstance(value, dict):
                parts.append(f"{key.replace('_', ' ')} {_words(value)}")
            elif isinstance(value, list):
                parts.append(f"{key.replace('_', ' ')} {', '.join(str(v) for v in value)}")
            elif value is True:
                parts.append(key.replace("_", " "))
            else:
                parts.append(f"{key.replace('_', ' ')} {value}")
        return " ".join(parts)
    if isinstance(data, list):
        return "; ".join(_words(v) for v in data)
    return str(data)


def rule_condition(rule: RuleSpec) -> str:
    data = condition_to_data(rule.when)
    if data == {"all": []}:
        return "every expense"
    return _words(data)


def rule_actions(rule: RuleSpec) -> str:
    return _words(rules_to_data((rule,))[0]["then"])


class RulesModel(RecordTableModel):
    """Rules in the order they run (precedence), with what they test and do."""

    columns = (
        ColumnSpec("Runs", lambda r: str(r.precedence), sort=lambda r: r.precedence, right=True),
        ColumnSpec("Rule", lambda r: r.id, tooltip=lambda r: r.description or None),
        ColumnSpec("When", rule_condition, tooltip=rule_condition),
        ColumnSpec("Then", rule_actions, tooltip=rule_actions),
        ColumnSpec("Stops", lambda r: "stop" if r.stop else ""),
        ColumnSpec("What it is for", lambda r: r.description),
    )

    def set_rules(self, rules: tuple[RuleSpec, ...]) -> None:
        self.set_items(ordered(rules))


class ExpenseChangesModel(RecordTableModel):
    """Not-yet-posted expenses a publish or a rule edit would code differently."""

    columns = (
        ColumnSpec("#", lambda c: str(c.expense_id), sort=lambda c: int(c.expense_id) if str(c.expense_id).isdigit()
                   else 0, right=True),
        ColumnSpec("Date", lambda c: format_date(c.date), sort=lambda c: c.date),
        ColumnSpec("Vendor", lambda c: c.vendor or ""),
        ColumnSpec("Amount", lambda c: c.amount, right=True),
        ColumnSpec("Before", lambda c: c.before, tooltip=lambda c: c.before),
        ColumnSpec("After", lambda c: c.after, tooltip=lambda c: "\n".join(c.changes) or c.after),
    )

    def item(self, row: int) -> ExpenseChange:
        return super().item(row)
