"""A small located tree that both YAML files and stored JSON are read through.

The schema reader (:mod:`bookbridge.coding.schema`) works on :class:`Node` so that one set of
checks serves a YAML file (nodes carry 1-based line numbers for error messages) and the JSON the
book stores (no line numbers). Scalars keep their *source text*: ``6100`` stays the string
"6100" rather than becoming an int, ``0.70`` becomes ``Decimal("0.70")`` rather than a float,
and the schema decides per field what the text means. That is why we compose YAML nodes
instead of loading Python objects: account codes keep leading zeros and money never meets float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bookbridge.core.keys import canonical_json

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"


@dataclass(frozen=True, slots=True)
class Node:
    """One value with where it came from.

    Attributes:
        kind: ``map``, ``seq``, ``scalar`` or ``null``.
        line: 1-based line in the source file, or ``None`` for stored data.
        text: a scalar's source text.
        tag: a scalar's resolved YAML tag (tells ``true`` the boolean from ``"true"`` the text).
        items: a sequence's children.
        entries: a mapping's children by key, in source order.
        key_lines: the line of each mapping key (where a message about a missing value points).
    """

    kind: str
    line: int | None = None
    text: str = ""
    tag: str = ""
    items: tuple["Node", ...] = ()
    entries: dict[str, "Node"] = field(default_factory=dict)
    key_lines: dict[str, int | None] = field(default_factory=dict)
    duplicate_keys: tuple[tuple[str, int | None], ...] = ()

    @property
    def is_bool(self) -> bool:
        return self.kind == "scalar" and self.tag == _BOOL


class YamlSyntaxError(Exception):
    """The text is not well-formed YAML; ``line`` is 1-based (``None`` when unknown)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def parse_yaml(text: str) -> Node:
    """Compose ``text`` into a :class:`Node` tree (an empty document gives a null node).

    Raises:
        YamlSyntaxError: the text is not valid YAML.
    """
    try:
        root = YAML(typ="rt").compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(str(exc.problem or exc.context or "invalid YAML"), line) from exc
    except YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", None) from exc
    if root is None:
        return Node("null", 1)
    return _from_yaml(root, None)


def _from_yaml(node: Any, key_line: int | None) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        entries: dict[str, Node] = {}
        key_lines: dict[str, int | None] = {}
        duplicates = []
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            k_line = key_node.start_mark.line + 1
            if key in entries:
                duplicates.append((key, k_line))
                continue
            entries[key] = _from_yaml(value_node, k_line)
            key_lines[key] = k_line
        return Node("map", line, entries=entries, key_lines=key_lines, duplicate_keys=tuple(duplicates))
    if isinstance(node, SequenceNode):
        return Node("seq", line, items=tuple(_from_yaml(child, None) for child in node.value))
    if node.tag == _NULL:
        return Node("null", key_line if key_line is not None else line)
    return Node("scalar", line, text=node.value, tag=str(node.tag))


def from_plain(value: Any) -> Node:
    """Wrap plain data (as :func:`json.loads` gives it) in nodes without line numbers."""
    if value is None:
        return Node("null")
    if isinstance(value, dict):
        entries = {str(k): from_plain(v) for k, v in value.items()}
        return Node("map", entries=entries, key_lines={k: None for k in entries})
    if isinstance(value, (list, tuple)):
        return Node("seq", items=tuple(from_plain(v) for v in value))
    if isinstance(value, bool):
        return Node("scalar", text="true" if value else "false", tag=_BOOL)
    if isinstance(value, float):
        raise TypeError("stored template data must not contain floats")
    return Node("scalar", text=str(value), tag="tag:yaml.org,2002:str")


def to_canonical_json(data: Any) -> str:
    """The stored form of template data (sorted keys, no spaces): what versions hash."""
    return canonical_json(data)
