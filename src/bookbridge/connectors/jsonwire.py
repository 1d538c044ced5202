"""JSON on the wire with exact Decimals both ways.

Reading uses ``parse_float=Decimal`` (house rule: money never passes through float). Writing needs
Decimals as JSON *numbers* (QBO wants ``"Amount": 100.00``, not ``"100.00"``), which the standard
library cannot emit without converting to float first; :func:`dumps` writes them from their exact
decimal text instead. Everything else is delegated to :mod:`json` so string escaping stays correct.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)


def dumps(value: Any) -> str:
    """Serialise ``value`` compactly; Decimals become exact JSON numbers.

    Raises:
        ValueError: a Decimal is NaN or infinite (JSON has no such numbers).
        TypeError: a value JSON cannot represent (floats are refused, see the house rules).
    """
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        out.append(format(value, "f"))
    elif isinstance(value, float):
        raise TypeError("refusing to write a float into a payload; use Decimal")
    elif value is None or isinstance(value, (bool, int, str)):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, dict):
        out.append("{")
        for n, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
            out.append(("," if n else "") + json.dumps(key, ensure_ascii=False) + ":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for n, item in enumerate(value):
            if n:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
