"""Typed reading of :class:`~bookbridge.coding.nodes.Node` trees, collecting issues as data.

Every read either returns a value or records a :class:`TemplateIssue` (severity, field path,
message, line) and returns ``None``, so one pass over a file reports every problem in it rather
than stopping at the first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bookbridge.coding.nodes import Node


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    """One problem found in a template or rules file.

    Attributes:
        severity: errors refuse the import; warnings are shown and the import goes on.
        field: where, as a path (``mappings[2].account``, ``rules[0].when.all[1].vendor``).
        message: what is wrong and how to fix it.
        line: the 1-based line in the file, or ``None`` for stored data.
    """

    severity: Severity
    field: str
    message: str
    line: int | None = None

    def format(self, source: str = "") -> str:
        """``fleet.yaml:12: mappings[2].account: ...`` (the form editors can jump to)."""
        where = f"{source}:{self.line}" if self.line is not None else source
        prefix = f"{where}: " if where else ""
        label = "" if self.severity is Severity.ERROR else "warning: "
        return f"{prefix}{label}{self.field}: {self.message}" if self.field else f"{prefix}{label}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"severity": self.severity.value, "field": self.field, "message": self.message, "line": self.line}


def has_errors(issues: Iterable[TemplateIssue]) -> bool:
    return any(issue.severity is Severity.ERROR for issue in issues)


_INTEGER = re.compile(r"[+-]?\d+")


class Reader:
    """Reads values out of nodes and records what is wrong with them."""

    def __init__(self) -> None:
        self.issues: list[TemplateIssue] = []

    # --- recording -----------------------------------------------------------------------
    def error(self, path: str, message: str, line: int | None) -> None:
        self.issues.append(TemplateIssue(Severity.ERROR, path, message, line))

    def warning(self, path: str, message: str, line: int | None) -> None:
        self.issues.append(TemplateIssue(Severity.WARNING, path, message, line))

    # --- structure -----------------------------------------------------------------------
    def mapping(self, node: Node, path: str, allowed: Iterable[str]) -> Node | None:
        """``node`` as a mapping whose keys are all in ``allowed`` (unknown keys are errors)."""
        if node.kind != "map":
            self.error(path, f"expected a mapping (key: value lines), found {_found(node)}", node.line)
            return None
        for key, line in node.duplicate_keys:
            self.error(_join(path, key), f"'{key}' appears twice; keep one", line)
        allowed_keys = list(allowed)
        for key in node.entries:
            if key not in allowed_keys:
                hint = _closest(key, allowed_keys)
                extra = f"; did you mean '{hint}'?" if hint else f"; allowed: {', '.join(allowed_keys)}"
                self.error(_join(path, key), f"unknown key '{key}'{extra}", node.key_lines.get(key))
        return node

    def sequence(self, node: Node | None, path: str) -> tuple[Node, ...]:
        """The items of a list; a missing or empty value is an empty list."""
        if node is None or node.kind == "null":
            return ()
        if node.kind != "seq":
            self.error(path, f"expected a list (lines starting with '-'), found {_found(node)}", node.line)
            return ()
        return node.items

    def single_key(self, node: Node, path: str, what: str) -> tuple[str, Node] | None:
        """A one-entry mapping such as ``{vendor: {...}}`` or ``{skip: reason}``."""
        if node.kind != "map" or len(node.entries) != 1:
            self.error(path, f"each {what} is a mapping with exactly one key", node.line)
            return None
        key, value = next(iter(node.entries.items()))
        return key, value

    # --- scalars -------------------------------------------------------------------------
    def text(self, parent: Node, key: str, path: str, *, required: bool = False) -> str | None:
        node = parent.entries.get(key)
        where = _join(path, key)
        if node is None or node.kind == "null":
            if required:
                self.error(where, f"'{key}' is required", parent.key_lines.get(key, parent.line))
            return None
        if node.kind != "scalar":
            self.error(where, f"expected text, found {_found(node)}", node.line)
            return None
        if not node.text.strip():
            if required:
                self.error(where, f"'{key}' must not be empty", node.line)
            return None
        return node.text

    def decimal(self, parent: Node, key: str, path: str, *, required: bool = False) -> Decimal | None:
        node = parent.entries.get(key)
        if node is None or node.kind == "null":
            if required:
                self.error(_join(path, key), f"'{key}' is required", parent.key_lines.get(key, parent.line))
            return None
        return self.decimal_node(node, _join(path, key))

    def decimal_node(self, node: Node, path: str) -> Decimal | None:
        if node.kind != "scalar":
            self.error(path, f"expected a number, found {_found(node)}", node.line)
            return None
        try:
            value = Decimal(node.text.strip().replace("_", ""))
        except InvalidOperation:
            self.error(path, f"'{node.text}' is not a number (write it like 12.50)", node.line)
            return None
        if not value.is_finite():
            self.error(path, f"'{node.text}' is not a finite number", node.line)
            return None
        return value

    def integer(self, parent: Node, key: str, path: str, *, required: bool = False) -> int | None:
        node = parent.entries.get(key)
        if node is None or node.kind == "null":
            if required:
                self.error(_join(path, key), f"'{key}' is required", parent.key_lines.get(key, parent.line))
            return None
        if node.kind != "scalar" or not _INTEGER.fullmatch(node.text.strip()):
            self.error(_join(path, key), f"expected a whole number, found {_found(node)}", node.line)
            return None
        return int(node.text.strip())

    def boolean(self, parent: Node, key: str, path: str) -> bool | None:
        node = parent.entries.get(key)
        if node is None or node.kind == "null":
            return None
        if node.kind == "scalar" and node.text.strip().lower() in ("true", "false"):
            return node.text.strip().lower() == "true"
        self.error(_join(path, key), f"expected true or false, found {_found(node)}", node.line)
        return None

    def date_value(self, parent: Node, key: str, path: str, *, required: bool = False) -> date | None:
        node = parent.entries.get(key)
        if node is None or node.kind == "null":
            if required:
                self.error(_join(path, key), f"'{key}' is required", parent.key_lines.get(key, parent.line))
            return None
        if node.kind == "scalar":
            try:
                return date.fromisoformat(node.text.strip())
            except ValueError:
                pass
        self.error(_join(path, key), f"expected a date like 2026-01-31, found {_found(node)}", node.line)
        return None

    def choice(self, parent: Node, key: str, path: str, options: Iterable[str], *, required: bool = False) -> str | None:
        value = self.text(parent, key, path, required=required)
        if value is None:
            return None
        allowed = list(options)
        if value.strip() not in allowed:
            line = parent.entries[key].line
            self.error(_join(path, key), f"'{value}' is not one of: {', '.join(allowed)}", line)
            return None
        return value.strip()

    def text_map(self, parent: Node, key: str, path: str, *, keys: Iterable[str] | None = None) -> dict[str, str]:
        """A mapping of text to text (dimensions, cards); with ``keys``, only those names."""
        node = parent.entries.get(key)
        if node is None or node.kind == "null":
            return {}
        where = _join(path, key)
        if self.mapping(node, where, keys if keys is not None else node.entries) is None:
            return {}
        values = {}
        for name in node.entries:
            value = self.text(node, name, where, required=True)
            if value is not None:
                values[name] = value
        return values


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _found(node: Node) -> str:
    if node.kind == "scalar":
        return f"'{node.text}'"
    return {"map": "a mapping", "seq": "a list", "null": "nothing"}[node.kind]


def _closest(key: str, options: list[str]) -> str | None:
    """A likely intended key for a typo (``acount`` → ``account``)."""
    matches = difflib.get_close_matches(key, options, n=1, cutoff=0.75)
    return matches[0] if matches else None
