"""Reversing entries: the only way to correct a posted entry (posted entries are immutable)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bookbridge.core.keys import short_key
from bookbridge.journal.model import JournalEntry


def reversal_key(original_key: str) -> str:
    """The deterministic key of the reversal of ``original_key`` (so it too posts exactly once)."""
    return short_key("journal-reversal", original_key)


def reverse_entry(original: JournalEntry, *, on: date | None = None, memo: str | None = None) -> JournalEntry:
    """An entry that cancels ``original`` line by line, linked to it by ``reverses_key``.

    Every debit becomes a credit of the same amount and vice versa, in both currencies, with the
    same rates, dimensions and lineage, so original + reversal nets to zero on every account.

    Args:
        original: the posted entry to cancel.
        on: the reversal date; defaults to the original's date. A reversal into a closed period
            must be dated in the open one; choosing that date is the caller's business.
        memo: description; defaults to "Reversal of <original memo>".
    """
    lines = tuple(
        replace(
            line,
            debit=line.credit,
            credit=line.debit,
            home_debit=line.home_credit,
            home_credit=line.home_debit,
        )
        for line in original.lines
    )
    lines = tuple(sorted(lines, key=lambda line: line.debit == 0 and line.home_debit == 0))  # debits first
    return replace(
        original,
        key=reversal_key(original.key),
        date=on or original.date,
        memo=memo if memo is not None else f"Reversal of {original.memo}",
        lines=lines,
        reverses_key=original.key,
    )
