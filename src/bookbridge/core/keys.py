"""Stable identifiers: content hashes and short deterministic keys.

Keys must not change between versions of Bookbridge for the same input, so the canonical form is
spelled out here: JSON with sorted keys, no whitespace, Decimals as plain strings.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot canonicalise {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the input to every content hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON form of ``value``."""
    return sha256_hex(canonical_json(value))


def short_key(*parts: str, length: int = 32) -> str:
    """A deterministic key from parts, short enough for vendor idempotency fields."""
    return sha256_hex("\x1f".join(parts))[:length]


def new_id() -> str:
    """A random identifier for runs and batches (not for idempotency keys)."""
    return uuid.uuid4().hex
