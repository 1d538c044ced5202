"""Template content ↔ plain data: reading with validation (issues with line numbers) and writing.

The file form, in the order export writes it::

    template: Fleet
    description: ...
    effective_from: 2026-01-01
    credit_accounts: {company_card: "2200", reimbursable: "2100", cash: ..., bank: ..., bill: ...}
    cards: {Visa 4444: "2210"}
    tax_codes:
      VAT10: {rate: 0.10, mode: inclusive, recoverable: 1, account: "1400"}
    mappings:
      - category: Fuel
        vendor: Shell                       # optional narrowing
        payment_method: company_card        # optional narrowing
        field: {name: vehicle_type, value: reefer}   # optional narrowing
        account: "6100"
        posting_type: asset                 # optional; default from the payment method
        credit_account: "2000"              # optional explicit credit
        tax_code: VAT10
        tax_recoverable: 0.5
        dimensions: {department: Operations}
        dimension_fields: {class: vehicle_id}
        quantity: {field: miles, unit: mi, rate: 0.70}
        field_lines: [{field: miles, unit: mi, rate: 0.70, account: "6300"}]
        memo: ...
    rules: [...]                            # see coding.schema_rules
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bookbridge.coding.coded import PostingType
from bookbridge.coding.nodes import Node
from bookbridge.coding.reader import Reader, TemplateIssue, has_errors
from bookbridge.coding.schema_rules import read_rules, rules_to_data
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

TOP_KEYS = ("template", "description", "effective_from", "credit_accounts", "cards", "tax_codes", "mappings", "rules")
MAPPING_KEYS = (
    "category", "vendor", "payment_method", "field", "account", "posting_type", "credit_account", "tax_code",
    "tax_recoverable", "dimensions", "dimension_fields", "quantity", "field_lines", "memo",
)
TAX_KEYS = ("rate", "mode", "recoverable", "account")
QUANTITY_KEYS = ("field", "unit", "rate", "rate_field")
FIELD_LINE_KEYS = ("field", "unit", "account", "rate", "rate_field", "dimensions")


def read_template(root: Node) -> tuple[TemplateSpec | None, list[TemplateIssue]]:
    """Read and validate a whole template; the spec is ``None`` when there is any error."""
    reader = Reader()
    if reader.mapping(root, "", TOP_KEYS) is None:
        return None, reader.issues
    name = reader.text(root, "template", "", required=True)
    effective = reader.date_value(root, "effective_from", "", required=True)
    credits = _credit_accounts(reader, root)
    tax_codes = _tax_codes(reader, root)
    declared = set(root.entries["tax_codes"].entries) if root.entries.get("tax_codes") else set()
    mappings = _mappings(reader, root.entries.get("mappings"), declared)
    rules = read_rules(reader, root.entries.get("rules"))
    reader.issues.sort(key=lambda issue: (issue.line or 0))
    if has_errors(reader.issues) or name is None or effective is None:
        return None, reader.issues
    spec = TemplateSpec(
        name=name.strip(),
        effective_from=effective,
        credit_accounts=credits,
        tax_codes=tax_codes,
        mappings=mappings,
        rules=rules,
        description=reader.text(root, "description", "") or "",
    )
    return spec, reader.issues


def _credit_accounts(reader: Reader, root: Node) -> CreditAccounts:
    sources = reader.text_map(root, "credit_accounts", "", keys=CREDIT_SOURCES)
    cards = reader.text_map(root, "cards", "")
    return CreditAccounts(**sources, cards=cards)


def _tax_codes(reader: Reader, root: Node) -> dict[str, TaxCodeSpec]:
    node = root.entries.get("tax_codes")
    if node is None or node.kind == "null" or reader.mapping(node, "tax_codes", node.entries) is None:
        return {}
    codes = {}
    for code, item in node.entries.items():
        where = f"tax_codes.{code}"
        if reader.mapping(item, where, TAX_KEYS) is None:
            continue
        rate = reader.decimal(item, "rate", where, required=True)
        mode = reader.choice(item, "mode", where, [m.value for m in TaxMode]) or TaxMode.INCLUSIVE.value
        recoverable = reader.decimal(item, "recoverable", where) or Decimal(0)
        account = reader.text(item, "account", where)
        if rate is not None and rate < 0:
            reader.error(f"{where}.rate", "a tax rate cannot be negative", item.entries["rate"].line)
        if rate is not None and rate >= 1:
            reader.warning(f"{where}.rate", f"rate {rate} is 100 % or more; write 10 % as 0.10", item.entries["rate"].line)
        if not Decimal(0) <= recoverable <= Decimal(1):
            reader.error(f"{where}.recoverable", "the recoverable fraction is between 0 and 1 (0.5 for half)", item.line)
        elif recoverable > 0 and not account:
            reader.error(f"{where}.account", "a recoverable tax needs the account it is debited to", item.line)
        if rate is not None:
            codes[code] = TaxCodeSpec(code, rate, TaxMode(mode), recoverable, account)
    return codes


def _mappings(reader: Reader, node: Node | None, tax_codes: set[str]) -> tuple[MappingSpec, ...]:
    mappings: list[MappingSpec] = []
    seen: dict[tuple[str, ...], int] = {}
    for index, item in enumerate(reader.sequence(node, "mappings")):
        where = f"mappings[{index}]"
        mapping = _mapping(reader, item, where, tax_codes)
        if mapping is None:
            continue
        if mapping.selector in seen:
            reader.error(
                where,
                f"mappings[{seen[mapping.selector]}] already maps '{mapping.label}'; merge them or narrow one",
                item.line,
            )
        seen.setdefault(mapping.selector, index)
        mappings.append(mapping)
    return tuple(mappings)


def _mapping(reader: Reader, node: Node, path: str, tax_codes: set[str]) -> MappingSpec | None:
    if reader.mapping(node, path, MAPPING_KEYS) is None:
        return None
    category = reader.text(node, "category", path, required=True)
    account = reader.text(node, "account", path, required=True)
    field_name = field_value = None
    field_node = node.entries.get("field")
    if field_node is not None and reader.mapping(field_node, f"{path}.field", ("name", "value")):
        field_name = reader.text(field_node, "name", f"{path}.field", required=True)
        field_value = reader.text(field_node, "value", f"{path}.field", required=True)
    tax_code = reader.text(node, "tax_code", path)
    if tax_code is not None and tax_code not in tax_codes:
        known = ", ".join(sorted(tax_codes)) or "none defined"
        reader.error(f"{path}.tax_code", f"tax code '{tax_code}' is not under tax_codes ({known})", node.entries["tax_code"].line)
    recoverable = reader.decimal(node, "tax_recoverable", path)
    if recoverable is not None and not Decimal(0) <= recoverable <= Decimal(1):
        reader.error(f"{path}.tax_recoverable", "the recoverable fraction is between 0 and 1", node.entries["tax_recoverable"].line)
    posting = reader.choice(node, "posting_type", path, [p.value for p in PostingType])
    mapping_kwargs: dict[str, Any] = dict(
        vendor=reader.text(node, "vendor", path),
        payment_method=reader.choice(node, "payment_method", path, PAYMENT_METHODS),
        field_name=field_name,
        field_value=field_value,
        posting_type=PostingType(posting) if posting else None,
        credit_account=reader.text(node, "credit_account", path),
        tax_code=tax_code,
        tax_recoverable=recoverable,
        dimensions=reader.text_map(node, "dimensions", path, keys=DIMENSION_NAMES),
        dimension_fields=reader.text_map(node, "dimension_fields", path, keys=DIMENSION_NAMES),
        quantity=_quantity(reader, node.entries.get("quantity"), f"{path}.quantity"),
        field_lines=_field_lines(reader, node.entries.get("field_lines"), f"{path}.field_lines"),
        memo=reader.text(node, "memo", path) or "",
    )
    if category is None or account is None:
        return None
    return MappingSpec(category=category.strip(), account=account.strip(), **mapping_kwargs)


def _rate(reader: Reader, node: Node, path: str) -> tuple[Decimal | None, str | None]:
    rate = reader.decimal(node, "rate", path)
    rate_field = reader.text(node, "rate_field", path)
    if rate is not None and rate_field is not None:
        reader.error(path, "give either 'rate' or 'rate_field', not both", node.line)
    if rate is not None and rate < 0:
        reader.error(f"{path}.rate", "a rate per unit cannot be negative", node.entries["rate"].line)
    return rate, rate_field


def _quantity(reader: Reader, node: Node | None, path: str) -> QuantitySpec | None:
    if node is None or node.kind == "null" or reader.mapping(node, path, QUANTITY_KEYS) is None:
        return None
    field = reader.text(node, "field", path, required=True)
    unit = reader.text(node, "unit", path, required=True)
    rate, rate_field = _rate(reader, node, path)
    if field is None or unit is None:
        return None
    return QuantitySpec(field, unit, rate, rate_field)


def _field_lines(reader: Reader, node: Node | None, path: str) -> tuple[FieldLineSpec, ...]:
    lines = []
    for index, item in enumerate(reader.sequence(node, path)):
        where = f"{path}[{index}]"
        if reader.mapping(item, where, FIELD_LINE_KEYS) is None:
            continue
        field = reader.text(item, "field", where, required=True)
        unit = reader.text(item, "unit", where, required=True)
        account = reader.text(item, "account", where, required=True)
        rate, rate_field = _rate(reader, item, where)
        if rate is None and rate_field is None:
            reader.error(where, "a field line needs a 'rate' or a 'rate_field'", item.line)
        dims = reader.text_map(item, "dimensions", where, keys=DIMENSION_NAMES)
        if field and unit and account:
            lines.append(FieldLineSpec(field, unit, account, rate, rate_field, dims))
    return tuple(lines)


# --- writing -------------------------------------------------------------------------------


def template_to_data(spec: TemplateSpec) -> dict[str, Any]:
    """Plain data (str, bool, int, list, dict) in the documented key order; defaults omitted."""
    data: dict[str, Any] = {"template": spec.name}
    if spec.description:
        data["description"] = spec.description
    data["effective_from"] = spec.effective_from.isoformat()
    credits = spec.credit_accounts
    sources = {source: credits.for_source(source) for source in CREDIT_SOURCES}
    if any(sources.values()):
        data["credit_accounts"] = {k: v for k, v in sources.items() if v}
    if credits.cards:
        data["cards"] = dict(credits.cards)
    if spec.tax_codes:
        data["tax_codes"] = {code: _tax_data(spec.tax_codes[code]) for code in sorted(spec.tax_codes)}
    data["mappings"] = [mapping_to_data(m) for m in spec.mappings]
    if spec.rules:
        data["rules"] = rules_to_data(spec.rules)
    return data


def _tax_data(code: TaxCodeSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"rate": format(code.rate, "f"), "mode": code.mode.value}
    if code.recoverable:
        data["recoverable"] = format(code.recoverable, "f")
    if code.account:
        data["account"] = code.account
    return data


def mapping_to_data(mapping: MappingSpec) -> dict[str, Any]:
    """One mapping as plain data (also what diffs compare)."""
    data: dict[str, Any] = {"category": mapping.category}
    if mapping.vendor:
        data["vendor"] = mapping.vendor
    if mapping.payment_method:
        data["payment_method"] = mapping.payment_method
    if mapping.field_name:
        data["field"] = {"name": mapping.field_name, "value": mapping.field_value}
    data["account"] = mapping.account
    optional = {
        "posting_type": mapping.posting_type.value if mapping.posting_type else None,
        "credit_account": mapping.credit_account,
        "tax_code": mapping.tax_code,
        "tax_recoverable": None if mapping.tax_recoverable is None else format(mapping.tax_recoverable, "f"),
        "dimensions": dict(mapping.dimensions) or None,
        "dimension_fields": dict(mapping.dimension_fields) or None,
        "quantity": _quantity_data(mapping.quantity) if mapping.quantity else None,
        "field_lines": [_field_line_data(f) for f in mapping.field_lines] or None,
        "memo": mapping.memo or None,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    return data


def _quantity_data(quantity: QuantitySpec) -> dict[str, Any]:
    data: dict[str, Any] = {"field": quantity.field, "unit": quantity.unit}
    if quantity.rate is not None:
        data["rate"] = format(quantity.rate, "f")
    if quantity.rate_field:
        data["rate_field"] = quantity.rate_field
    return data


def _field_line_data(line: FieldLineSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"field": line.field, "unit": line.unit, "account": line.account}
    if line.rate is not None:
        data["rate"] = format(line.rate, "f")
    if line.rate_field:
        data["rate_field"] = line.rate_field
    if line.dimensions:
        data["dimensions"] = dict(line.dimensions)
    return data
