"""Immutable expense keys and the new / duplicate / conflict decision, as pure functions.

Keys (at most 120 characters; ``source`` is 1-40 characters):

* the source's own id when the row has one: ``{source}:id:{source_id}`` (a hash of the id,
  ``{source}:idh:{sha256[:32]}``, when the id is long);
* otherwise the normalised content hash plus an occurrence index: ``{source}:h:{hash[:32]}:{n}``
  where ``n`` counts the earlier rows *of the same file* with identical content. Two genuinely
  identical rows (two coffees, same day, same amount) get ``...:0`` and ``...:1`` and are both
  kept; importing the file again produces the same keys, so nothing is added. Keys depend on a
  row's content and on how many identical rows precede it, never on its position, so reordering
  a file does not change which keys it produces.

The normalised content (:func:`content_of`) is the canonical JSON of: date, amount in minor units,
currency, vendor key (so ``SHELL OIL #12345`` and ``Shell Oil 12345`` agree), category, employee,
memo (whitespace collapsed), payment method, card, reference, report id, tax, original amount and
custom fields. Empty values are left out, so a new empty column in an export changes nothing. The
receipt reference is left out on purpose: receipts are often attached after a first export.

Rules (the ``rule`` column of the dedupe ledger):

* ``source_id:new`` / ``content+occurrence:new`` - the key is unknown: a new expense.
* ``source_id:same_content`` / ``content+occurrence:seen`` - the key is known: a duplicate.
* ``source_id:content_differs`` - the id is known with other content: a conflict. The new version
  is kept beside the old one under ``{id key}:v:{hash[:16]}``, status ``conflict``, pointing at the
  first version; nothing is overwritten.
* ``source_id:known_version`` - that same differing version arrived before: a duplicate of it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring as _quote  # the string escaper of that encoder (C)
from typing import Any, MutableMapping

from bookbridge.core.keys import sha256_hex
from bookbridge.ingest.model import ExpenseDraft
from bookbridge.ingest.normalise import name_key, vendor_key
from bookbridge.store.models import DedupeOutcome as Outcome

MAX_KEY = 120
_ID_KEY_LIMIT = MAX_KEY - 20  # room for the ':v:<16 hex>' of a conflicting version

RULE_ID_NEW = "source_id:new"
RULE_ID_SAME = "source_id:same_content"
RULE_ID_CONFLICT = "source_id:content_differs"
RULE_ID_KNOWN_VERSION = "source_id:known_version"
RULE_CONTENT_NEW = "content+occurrence:new"
RULE_CONTENT_SEEN = "content+occurrence:seen"

_name_key = lru_cache(maxsize=1 << 14)(name_key)


def content_of(draft: ExpenseDraft) -> dict[str, Any]:
    """The normalised content of a draft, the input of :func:`content_hash` (see module doc)."""
    content: dict[str, Any] = {
        "date": draft.txn_date.isoformat(),
        "amount": str(draft.amount_minor),
        "currency": draft.currency,
        "payment": draft.payment_method.value,
    }
    if draft.vendor:
        content["vendor"] = vendor_key(draft.vendor)
    if draft.category:
        content["category"] = _name_key(draft.category)
    if draft.employee:
        content["employee"] = _name_key(draft.employee)
    if draft.memo:
        content["memo"] = " ".join(draft.memo.split())
    for name in ("card", "reference", "report_id"):
        value = getattr(draft, name)
        if value:
            content[name] = value
    if draft.tax_minor is not None:
        content["tax"] = str(draft.tax_minor)
    if draft.original_minor is not None:
        content["original"] = f"{draft.original_minor} {draft.original_currency}"
    if draft.fields:
        content["fields"] = dict(draft.fields)
    return content


# Same settings as core.keys.canonical_json (a test holds them equal), built once: json.dumps with
# non-default options makes a new encoder per call, a measurable cost at 100,000 rows.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_text(draft: ExpenseDraft) -> str:
    """Exactly ``canonical_json(content_of(draft))``, written directly (property-tested).

    The import hashes every row, and building the dict and running the encoder was a fifth of
    its Python time. Keys are emitted in sorted order; strings go through the encoder's own
    escaping function, so the text (and therefore every key) is the documented canonical JSON.
    """
    parts = ['{"amount":"', str(draft.amount_minor), '"']
    add = parts.append
    if draft.card:
        add(',"card":' + _quote(draft.card))
    if draft.category:
        add(',"category":' + _quote(_name_key(draft.category)))
    add(',"currency":' + _quote(draft.currency) + ',"date":"' + draft.txn_date.isoformat() + '"')
    if draft.employee:
        add(',"employee":' + _quote(_name_key(draft.employee)))
    if draft.fields:
        add(',"fields":{' + ",".join(_quote(k) + ":" + _quote(v) for k, v in sorted(dict(draft.fields).items())) + "}")
    if draft.memo:
        add(',"memo":' + _quote(" ".join(draft.memo.split())))
    if draft.original_minor is not None:
        add(',"original":' + _quote(f"{draft.original_minor} {draft.original_currency}"))
    add(',"payment":' + _quote(draft.payment_method.value))
    if draft.reference:
        add(',"reference":' + _quote(draft.reference))
    if draft.report_id:
        add(',"report_id":' + _quote(draft.report_id))
    if draft.tax_minor is not None:
        add(',"tax":"' + str(draft.tax_minor) + '"')
    if draft.vendor:
        add(',"vendor":' + _quote(vendor_key(draft.vendor)))
    add("}")
    return "".join(parts)


def content_hash(draft: ExpenseDraft) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`content_of`."""
    return hashlib.sha256(content_text(draft).encode("utf-8")).hexdigest()


def id_key(source: str, source_id: str) -> str:
    key = f"{source}:id:{source_id}"
    return key if len(key) <= _ID_KEY_LIMIT else f"{source}:idh:{sha256_hex(source_id)[:32]}"


def version_key(base: str, digest: str) -> str:
    return f"{base}:v:{digest[:16]}"


def content_key(source: str, digest: str, occurrence: int) -> str:
    return f"{source}:h:{digest[:32]}:{occurrence}"


@dataclass(frozen=True, slots=True)
class Known:
    """An expense already in the book (or landed earlier in this file) under a key."""

    expense_id: int
    content_hash: str
    line: int | None = None  # set when it came from the file being imported


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one row, and why."""

    outcome: Outcome
    key: str
    rule: str
    content_hash: str
    occurrence_index: int = 0
    matched: Known | None = None


class Deduper:
    """Decides rows of one import against the keys already known for the source.

    Args:
        source: the source system name (part of every key).
        known: key -> :class:`Known` for the source's expenses, loaded in one query. It is
            updated in place as rows land (:meth:`accept`), so later rows see earlier ones.
    """

    def __init__(self, source: str, known: MutableMapping[str, Known]) -> None:
        self.source = source
        self.known = known
        self._occurrences: dict[str, int] = {}

    def decide(self, draft: ExpenseDraft, digest: str) -> Decision:
        if draft.source_id:
            return self._by_source_id(draft.source_id, digest)
        occurrence = self._occurrences.get(digest, 0)
        self._occurrences[digest] = occurrence + 1
        key = content_key(self.source, digest, occurrence)
        hit = self.known.get(key)
        if hit is not None:
            return Decision(Outcome.DUPLICATE, key, RULE_CONTENT_SEEN, digest, occurrence, hit)
        return Decision(Outcome.NEW, key, RULE_CONTENT_NEW, digest, occurrence)

    def _by_source_id(self, source_id: str, digest: str) -> Decision:
        base = id_key(self.source, source_id)
        first = self.known.get(base)
        if first is None:
            return Decision(Outcome.NEW, base, RULE_ID_NEW, digest)
        if first.content_hash == digest:
            return Decision(Outcome.DUPLICATE, base, RULE_ID_SAME, digest, 0, first)
        versioned = version_key(base, digest)
        again = self.known.get(versioned)
        if again is not None:
            return Decision(Outcome.DUPLICATE, versioned, RULE_ID_KNOWN_VERSION, digest, 0, again)
        return Decision(Outcome.CONFLICT, versioned, RULE_ID_CONFLICT, digest, 0, first)

    def accept(self, decision: Decision, expense_id: int, line: int | None) -> None:
        """Remember a row that landed (new or conflict) so later rows of the file match it."""
        self.known[decision.key] = Known(expense_id, decision.content_hash, line)
