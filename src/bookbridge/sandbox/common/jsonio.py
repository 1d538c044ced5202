"""JSON with exact decimals: Decimals are read and written as JSON numbers, never floats.

The standard encoder cannot write a Decimal as a bare number (it only knows float), and the
vendors' APIs send amounts as numbers, so the sandbox needs its own small encoder. Parsing uses
``parse_float=Decimal`` so no amount ever passes through binary floating point.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def loads(text: str | bytes) -> Any:
    """Parse JSON, reading every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Serialise ``value`` to JSON, writing Decimals as plain (non-exponent) numbers.

    Raises:
        TypeError: the value holds a float, a non-finite Decimal or an unsupported type.
    """
    parts: list[str] = []
    _write(value, parts, indent, 0)
    return "".join(parts)


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise TypeError(f"cannot write non-finite decimal {value}")
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def _write(value: Any, out: list[str], indent: int | None, level: int) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        out.append(_decimal_text(value))
    elif isinstance(value, float):
        # A float here means an amount lost its exactness somewhere upstream: refuse loudly.
        raise TypeError(f"refusing to write float {value!r}; use Decimal")
    elif isinstance(value, dict):
        _write_container(list(value.items()), "{", "}", out, indent, level, is_dict=True)
    elif isinstance(value, (list, tuple)):
        _write_container(list(value), "[", "]", out, indent, level, is_dict=False)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _write_container(
    items: list[Any], opener: str, closer: str, out: list[str], indent: int | None, level: int, *, is_dict: bool
) -> None:
    if not items:
        out.append(opener + closer)
        return
    out.append(opener)
    inner = "\n" + " " * (indent * (level + 1)) if indent is not None else ""
    for index, item in enumerate(items):
        if index:
            out.append(",")
        out.append(inner)
        if is_dict:
            key, child = item
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
            out.append(_encode_string(key))
            out.append(": " if indent is not None else ":")
            _write(child, out, indent, level + 1)
        else:
            _write(item, out, indent, level + 1)
    if indent is not None:
        out.append("\n" + " " * (indent * level))
    out.append(closer)
