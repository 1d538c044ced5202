"""Plain-data form of journal entries, the shape ``bookbridge journal preview --json`` prints.

Amounts are decimal strings with the currency's own number of decimals ("12.34", "0.00",
"1868" for JPY), never floats, so the JSON round-trips exactly (issue 3, section 5).
"""

from __future__ import annotations

from typing import Any

from bookbridge.journal.model import JournalEntry, JournalLine


def line_as_dict(line: JournalLine) -> dict[str, Any]:
    """One line: the fields of the preview format plus rate, role, entity and lineage."""
    return {
        "account": line.account,
        "debit": format(line.debit, "f"),
        "credit": format(line.credit, "f"),
        "home_debit": format(line.home_debit, "f"),
        "home_credit": format(line.home_credit, "f"),
        "dimensions": line.dimensions.as_dict(),
        "memo": line.memo,
        "role": line.role.value,
        "rate": format(line.rate, "f"),
        "rate_source": line.rate_source,
        "rate_date": line.rate_date.isoformat() if line.rate_date else None,
        "quantity": format(line.quantity, "f") if line.quantity is not None else None,
        "unit": line.unit,
        "entity": {"name": line.entity.name, "kind": line.entity.kind.value} if line.entity else None,
        "tax_code": line.tax_code,
        "source_expense_keys": list(line.source_expense_keys),
    }


def entry_as_dict(entry: JournalEntry) -> dict[str, Any]:
    """One entry in the preview format; ``template_version`` is the newest version in the entry."""
    return {
        "key": entry.key,
        "date": entry.date.isoformat(),
        "memo": entry.memo,
        "currency": entry.currency,
        "home_currency": entry.home_currency,
        "template_version": entry.template_version,
        "template_versions": list(entry.template_versions),
        "grouping": entry.grouping.value,
        "reverses_key": entry.reverses_key,
        "source_expense_keys": list(entry.source_expense_keys),
        "lines": [line_as_dict(line) for line in entry.lines],
    }
