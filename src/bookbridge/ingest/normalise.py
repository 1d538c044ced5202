"""Text normalisation: vendor names (with the alias table), category and employee names, columns.

Vendor keys fold the ways one merchant shows up across card feeds and expense apps, so that
``SHELL OIL #12345``, ``Shell Oil 12345`` and ``Shell Oil Co.`` are one vendor:

1. accents removed, case folded, ``&`` read as ``and``;
2. point-of-sale prefixes dropped (``SQ *``, ``TST*``, ``PAYPAL *``...);
3. store numbers dropped (``#12345``, ``Store 12``, and all-digit tokens of three or more digits
   that follow a word);
4. punctuation folded (apostrophes vanish, the rest become spaces; ``L.L.C.`` becomes ``llc``);
5. legal suffixes at the end dropped (Inc, LLC, Ltd, GmbH, Co, Corp, PLC, Pty...), and a leading
   "The".

What the fold cannot know (``SHELL 57444 HOUSTON TX`` is Shell) the alias table says: an alias is a
normalised spelling that points at an existing vendor (:func:`add_vendor_alias`).
"""

from __future__ import annotations

import re
import unicodedata
import sqlalchemy as sa

from bookbridge.core.errors import NotFound, UsageError
from bookbridge.store.models import Category, Employee, Vendor, VendorAlias

_POS_PREFIX = re.compile(r"^\s*(?:sq|tst|sp|pp|paypal|pos|dd|dbt|ckcd|chk|ach)\s*\*\s*", re.IGNORECASE)
_STORE_NUMBER = re.compile(r"#\s*\d+[a-z]?\b|#|\b(?:no|nr|store|unit|branch|loc|location|site)\.?\s*#?\s*\d+\b")
_DOTTED_ABBREVIATION = re.compile(r"\b(?:[a-z]\.){2,}")
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_WORDS = re.compile(r"[a-z0-9]+")
_SPACES = re.compile(r"\s+")
# Letters that survive accent stripping but are not a-z (æ, ø, ß...) become spaces first: the key
# keeps only [a-z0-9] words, so the patterns below must see the same word boundaries the key has,
# or a key would normalise differently from the spelling it came from.
_FOREIGN = re.compile(r"[^a-z0-9#*.&'`\u2018\u2019\s]")
_COLUMN_SEPARATORS = re.compile(r"[\s_\-]+")
LEGAL_SUFFIXES = frozenset(
    "inc incorporated llc llp lp ltd limited gmbh mbh co company corp corporation plc pty pte "
    "sa sarl sas srl spa bv nv ag kg oy ab".split()
)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Vendor keys already worked out, by spelling: a file repeats its spellings, and both dedupe and
# the vendor directory ask. A plain dictionary of strings rather than functools.lru_cache: a hit
# is one look-up, and the collector never walks it (lru_cache keeps a tracked list per entry,
# tens of thousands after a card export). Emptied when full, like the converter's caches.
_VENDOR_KEYS: dict[str, str] = {}
_VENDOR_KEYS_LIMIT = 1 << 16


def vendor_key(raw: str | None) -> str:
    """The normalised key under which spellings of one vendor meet (empty for no name)."""
    if not raw:
        return ""
    key = _VENDOR_KEYS.get(raw)
    if key is None:
        if len(_VENDOR_KEYS) >= _VENDOR_KEYS_LIMIT:
            _VENDOR_KEYS.clear()
        key = _VENDOR_KEYS[raw] = _fold_by_shape(raw)
    return key


# Spellings that differ only in their digits, as card feeds print store numbers ("SHELL OIL
# #12345", "#67890"...), share a shape: each ASCII digit 1-9 read as 0. The fold treats every
# digit alike (it asks only "is this a digit" and "how many"), so a spelling folds exactly like its
# shape, apart from the digits that survive into the key; when any does, the spelling is folded
# itself. One fold per shape instead of per spelling: 0.04 s instead of 0.1 s for the 52,000
# spellings of the benchmark's 100,000-row export (property-tested against the plain fold).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_DIGITS_AS_ZERO_TEXT = str.maketrans("123456789", "000000000")
_SHAPE_KEYS: dict[str, str] = {}


def _fold_by_shape(raw: str) -> str:
    # bytes.translate is a few times faster than str.translate, and ASCII is the usual case.
    shape = raw.encode().translate(_DIGITS_AS_ZERO).decode() if raw.isascii() else raw.translate(_DIGITS_AS_ZERO_TEXT)
    key = _SHAPE_KEYS.get(shape)
    if key is None:
        if len(_SHAPE_KEYS) >= _VENDOR_KEYS_LIMIT:
            _SHAPE_KEYS.clear()
        key = _SHAPE_KEYS[shape] = _fold_vendor(shape)
    return _fold_vendor(raw) if "0" in key else key


def _fold_vendor(raw: str) -> str:
    # Store numbers make most spellings distinct, so this runs for about half the rows of a card
    # export: a pattern is only applied when the character it needs is present at all.
    text = _strip_accents(raw).casefold().replace("&", " and ")
    if not text.isascii():
        text = _FOREIGN.sub(" ", text)
    if "*" in text:
        text = _POS_PREFIX.sub("", text)
    text = _STORE_NUMBER.sub(" ", text)
    if "." in text:
        text = _DOTTED_ABBREVIATION.sub(lambda m: m.group(0).replace(".", ""), text)
    if "'" in text or "`" in text or "\u2019" in text or "\u2018" in text:
        text = _APOSTROPHES.sub("", text)
    tokens = _WORDS.findall(text)  # the runs _NON_WORD separates
    tokens = _drop_store_numbers(tokens)
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return " ".join(tokens)


def _drop_store_numbers(tokens: list[str]) -> list[str]:
    """Drop all-digit tokens of 3+ digits once a word has been seen (``shell 12345`` -> ``shell``).

    Leading numbers are part of a name (``1 800 flowers``, ``76``), so they stay.
    """
    kept: list[str] = []
    seen_word = False
    for token in tokens:
        if token.isdigit() and len(token) >= 3 and seen_word:
            continue
        seen_word = seen_word or not token.isdigit()
        kept.append(token)
    return kept or tokens


def vendor_display_name(raw: str) -> str:
    """A readable name for a new vendor: the first spelling seen, store numbers removed.

    All-capitals names (as card feeds print them) are title-cased; mixed case is kept as written.
    """
    text = _POS_PREFIX.sub("", raw.strip(), count=1)
    text = re.sub(r"\s*#\s*\d+[A-Za-z]?\b", "", text)
    words = text.split()
    while len(words) > 1 and words[-1].isdigit() and len(words[-1]) >= 3:
        words.pop()
    text = " ".join(words) or raw.strip()
    if not any(ch.islower() for ch in text):
        text = text.title()
    return text[:200]


def name_key(raw: str | None) -> str:
    """Key for categories and employees: Unicode-normalised, case-folded, single spaces."""
    if not raw:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", raw).casefold()).strip()


def column_key(raw: str) -> str:
    """Key for column headers and feed keys: ``Vehicle_ID``, ``vehicle-id``, ``Vehicle ID`` meet."""
    text = unicodedata.normalize("NFKC", raw.replace("\ufeff", "")).casefold()
    return _COLUMN_SEPARATORS.sub(" ", text).strip()


def field_name(raw: str) -> str:
    """A custom field name from a column header: ``Cost Centre`` -> ``cost_centre`` (60 chars)."""
    return _NON_WORD.sub("_", _strip_accents(raw).casefold()).strip("_")[:60] or "field"


class VendorDirectory:
    """Resolves vendor spellings to vendor ids, creating vendors as needed, without per-row queries.

    Loads the vendors and the alias table once; new vendors get ids from ``next_id`` (the import
    holds the write lock, so allocating ``max(id) + 1`` ourselves is safe) and wait in
    :attr:`pending` until the writer inserts them.
    """

    def __init__(self, conn: sa.Connection, next_id: int, created_at: str) -> None:
        self._by_key: dict[str, int] = dict(conn.execute(sa.select(Vendor.norm_key, Vendor.id)).all())
        for alias_key, vendor_id in conn.execute(sa.select(VendorAlias.alias_key, VendorAlias.vendor_id)):
            self._by_key[alias_key] = vendor_id  # an alias wins over a vendor of the same key
        self._by_raw: dict[str, int | None] = {}
        self._next_id = next_id
        self._created_at = created_at
        self.pending: list[tuple[int, str, str, str]] = []  # (id, name, norm_key, created_at)

    def resolve(self, raw: str | None) -> int | None:
        """The vendor id for a spelling (None when there is no name at all)."""
        if not raw:
            return None
        cached = self._by_raw.get(raw, -1)
        if cached != -1:
            return cached
        key = vendor_key(raw)
        vendor_id = self._by_key.get(key) if key else None
        if key and vendor_id is None:
            vendor_id = self._next_id
            self._next_id += 1
            self._by_key[key] = vendor_id
            self.pending.append((vendor_id, vendor_display_name(raw), key[:200], self._created_at))
        self._by_raw[raw] = vendor_id
        return vendor_id


class NameDirectory:
    """Resolves category or employee names to ids by :func:`name_key`, creating them as needed."""

    def __init__(self, conn: sa.Connection, model: type[Category] | type[Employee], next_id: int) -> None:
        # New categories are active; the writer inserts raw rows, so the default is spelled out.
        self._extra: tuple[object, ...] = (True,) if model is Category else ()
        self._by_key: dict[str, int] = dict(conn.execute(sa.select(model.norm_key, model.id)).all())
        self._by_raw: dict[str, int | None] = {}
        self._next_id = next_id
        self.pending: list[tuple[object, ...]] = []  # (id, name, norm_key[, active])

    def resolve(self, raw: str | None) -> int | None:
        if not raw:
            return None
        cached = self._by_raw.get(raw, -1)
        if cached != -1:
            return cached
        key = name_key(raw)
        found = self._by_key.get(key) if key else None
        if key and found is None:
            found = self._next_id
            self._next_id += 1
            self._by_key[key] = found
            self.pending.append((found, _SPACES.sub(" ", raw.strip())[:200], key[:200], *self._extra))
        self._by_raw[raw] = found
        return found


def add_vendor_alias(conn: sa.Connection, alias: str, vendor_id: int) -> int:
    """Make the spelling ``alias`` mean vendor ``vendor_id`` in future imports; returns the alias id.

    The caller owns the transaction. Raises UsageError when the spelling normalises to nothing or
    already points at another vendor, NotFound when the vendor does not exist.
    """
    key = vendor_key(alias)
    if not key:
        raise UsageError(f"{alias!r} has no letters or digits left after normalisation; it cannot be an alias.")
    if conn.execute(sa.select(Vendor.id).where(Vendor.id == vendor_id)).first() is None:
        raise NotFound(f"There is no vendor #{vendor_id}.")
    existing = conn.execute(sa.select(VendorAlias.vendor_id).where(VendorAlias.alias_key == key)).first()
    if existing is not None and existing[0] != vendor_id:
        raise UsageError(f"{alias!r} is already an alias of vendor #{existing[0]}; remove that alias first.")
    if existing is not None:
        return int(conn.execute(sa.select(VendorAlias.id).where(VendorAlias.alias_key == key)).scalar_one())
    result = conn.execute(sa.insert(VendorAlias).values(alias_key=key, alias=alias.strip()[:200], vendor_id=vendor_id))
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])

