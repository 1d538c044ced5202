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
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring as _quote  # the string escaper of that encoder (C)
from typing import Any, MutableMapping, NamedTuple

from bookbridge.core.keys import sha256_hex
from bookbridge.ingest.model import ExpenseDraft
from bookbridge.ingest.normalise import name_key, vendor_key
from bookbridge.store.models import DedupeOutcome as Outcome
from bookbridge.store.models import PaymentMethod

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
    The parts that repeat across a file (vendor, category, employee, custom fields, date) are
    formed once per distinct value.
    """
    card, category, employee, fields, memo = draft.card, draft.category, draft.employee, draft.fields, draft.memo
    original, reference, report_id, tax, vendor = (draft.original_minor, draft.reference, draft.report_id,
                                                   draft.tax_minor, draft.vendor)
    original_part = _text_part("original", f"{original} {draft.original_currency}") if original is not None else ""
    tax_part = f',"tax":"{tax}"' if tax is not None else ""
    return (
        f'{{"amount":"{draft.amount_minor}"'
        f'{_text_part("card", card) if card else ""}'
        f'{_category_part(category) if category else ""}'
        f'{_currency_date_part(draft.currency, draft.txn_date)}'
        f'{_employee_part(employee) if employee else ""}'
        f'{_fields_part(fields) if fields else ""}'
        f'{_text_part("memo", " ".join(memo.split())) if memo else ""}'
        f'{original_part}{_PAYMENT_PARTS[draft.payment_method]}'
        f'{_text_part("reference", reference) if reference else ""}'
        f'{_text_part("report_id", report_id) if report_id else ""}'
        f'{tax_part}{_vendor_part(vendor) if vendor else ""}}}'
    )


_PAYMENT_PARTS = {method: f',"payment":{_quote(method.value)}' for method in PaymentMethod}


def _text_part(name: str, value: str) -> str:
    return f',"{name}":{_quote(value)}'


# Remembered like vendor_key itself (a plain dictionary, for the same reasons): card exports
# spell most rows' vendors differently (store numbers), so this holds tens of thousands.
_VENDOR_PARTS: dict[str, str] = {}
_VENDOR_PARTS_LIMIT = 1 << 16


def _vendor_part(raw: str) -> str:
    part = _VENDOR_PARTS.get(raw)
    if part is None:
        if len(_VENDOR_PARTS) >= _VENDOR_PARTS_LIMIT:
            _VENDOR_PARTS.clear()
        part = _VENDOR_PARTS[raw] = f',"vendor":{_quote(vendor_key(raw))}'
    return part


@lru_cache(maxsize=1 << 14)
def _category_part(raw: str) -> str:
    return f',"category":{_quote(_name_key(raw))}'


@lru_cache(maxsize=1 << 14)
def _employee_part(raw: str) -> str:
    return f',"employee":{_quote(_name_key(raw))}'


@lru_cache(maxsize=1 << 14)
def _fields_part(fields: tuple[tuple[str, str], ...]) -> str:
    pairs = ",".join(f"{_quote(k)}:{_quote(v)}" for k, v in sorted(dict(fields).items()))
    return f',"fields":{{{pairs}}}'


@lru_cache(maxsize=1 << 12)
def _currency_date_part(currency: str, day: date) -> str:
    return f',"currency":{_quote(currency)},"date":"{day.isoformat()}"'


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


# Known and Decision are named tuples rather than frozen dataclasses: one of each is made per
# row (and a Known per expense of the source on a re-import), and a named tuple is as immutable
# at a third of the cost.
def key_range(prefix: str) -> tuple[str, str]:
    """The half-open range ``[low, high)`` of every key that starts with ``prefix``.

    Keys sort bytewise (the column's BINARY collation), so the range ends where ``prefix``'s
    last character is one higher: ``expensify:h:`` to ``expensify:h;``. Source names cannot hold
    ``:``, so one source's range never takes in another's (``expensify2:`` sorts before it).
    """
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def source_prefixes(source: str) -> tuple[str, str, str]:
    """Key prefixes of a source: all its keys, its content keys, its source-id keys (and versions)."""
    return f"{source}:", f"{source}:h:", f"{source}:id"


class Known(NamedTuple):
    """An expense already in the book (or landed earlier in this file) under a key.

    ``content_hash`` is None for content keys read from the book: such a key carries its hash,
    and only a source-id key needs the stored hash (to tell a duplicate from a conflict).
    """

    expense_id: int
    content_hash: str | None
    line: int | None = None  # set when it came from the file being imported


class Decision(NamedTuple):
    """What to do with one row, and why."""

    outcome: Outcome
    key: str
    rule: str
    content_hash: str
    occurrence_index: int = 0
    matched: Known | None = None


def _as_known(hit: Known | int) -> Known:
    """A known-key entry as :class:`Known` (content keys from the book are bare expense ids)."""
    return Known(hit, None) if type(hit) is int else hit  # type: ignore[return-value]


class Deduper:
    """Decides rows of one import against the keys already known for the source.

    Args:
        source: the source system name (part of every key).
        known: key -> :class:`Known` (or the bare expense id, for a content key read from the
            book) for the source's expenses, loaded in one query. It is updated in place as rows
            land (:meth:`accept`), so later rows see earlier ones.
    """

    def __init__(self, source: str, known: MutableMapping[str, Known | int]) -> None:
        self.source = source
        self.known = known
        self._occurrences: dict[str, int] = {}

    def decide(self, draft: ExpenseDraft, digest: str) -> Decision:
        if draft.source_id:
            return self._by_source_id(draft.source_id, digest)
        occurrence = self._occurrences.get(digest, 0)
        self._occurrences[digest] = occurrence + 1
        key = f"{self.source}:h:{digest[:32]}:{occurrence}"  # content_key, inlined for the hot loop
        hit = self.known.get(key)
        if hit is not None:
            return Decision(Outcome.DUPLICATE, key, RULE_CONTENT_SEEN, digest, occurrence, _as_known(hit))
        return Decision(Outcome.NEW, key, RULE_CONTENT_NEW, digest, occurrence)

    def _by_source_id(self, source_id: str, digest: str) -> Decision:
        base = id_key(self.source, source_id)
        found = self.known.get(base)
        if found is None:
            return Decision(Outcome.NEW, base, RULE_ID_NEW, digest)
        first = _as_known(found)
        if first.content_hash == digest:
            return Decision(Outcome.DUPLICATE, base, RULE_ID_SAME, digest, 0, first)
        versioned = version_key(base, digest)
        again = self.known.get(versioned)
        if again is not None:
            again = _as_known(again)
            return Decision(Outcome.DUPLICATE, versioned, RULE_ID_KNOWN_VERSION, digest, 0, again)
        return Decision(Outcome.CONFLICT, versioned, RULE_ID_CONFLICT, digest, 0, first)

    def forget(self) -> None:
        """Drop the keys (the file is done): the index can hold an entry per row."""
        self.known.clear()
        self._occurrences.clear()

    def accept(self, decision: Decision, expense_id: int, line: int | None) -> None:
        """Remember a row that landed (new or conflict) so later rows of the file match it.

        Only source-id keys (and their versions) can come round again within a file. A content
        key never does: its occurrence index counts the file's earlier rows of that content, so
        no later row of the same file produces it. Not storing them saves a record per row, and
        the collector walking 100,000 of them.
        """
        if decision.rule is not RULE_CONTENT_NEW:
            self.known[decision.key] = Known(expense_id, decision.content_hash, line)
