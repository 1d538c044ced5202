"""Per-category service levels and default owners of the exception queue, kept as book settings.

Each category has an SLA: how many hours may pass between an exception being raised (or
raised again after a resolution) and someone dealing with it. The defaults below follow how
urgent each problem is for a small business: a dead connection stops every post, a conflict
only concerns one document. A book overrides them under the setting keys declared here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

from sqlalchemy.orm import Session

from bookbridge.core.errors import UsageError
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import ExceptionCategory, Setting


@dataclass(frozen=True, slots=True)
class BookSetting:
    """A per-book setting declared once: key, type, default and a label for people."""

    key: str
    type: type
    default: object
    label: str


DEFAULT_SLA_HOURS: Mapping[ExceptionCategory, int] = {
    ExceptionCategory.AUTH: 4,  # nothing posts until someone reconnects
    ExceptionCategory.RATE_LIMIT: 24,
    ExceptionCategory.MAPPING: 24,
    ExceptionCategory.REJECTED: 24,
    ExceptionCategory.CLOSED_PERIOD: 48,
    ExceptionCategory.VALIDATION: 48,
    ExceptionCategory.APPROVAL: 48,
    ExceptionCategory.CONFLICT: 72,
}

SLA_HOURS = BookSetting(
    "exceptions.sla_hours",
    dict,
    {category.value: hours for category, hours in DEFAULT_SLA_HOURS.items()},
    "Hours within which each category of exception should be dealt with",
)
OWNERS = BookSetting(
    "exceptions.owners",
    dict,
    {},
    "Who new exceptions of each category are assigned to (none: unassigned)",
)
MAX_SLA_HOURS = 24 * 365


def _read(session: Session, setting: BookSetting) -> dict[str, object]:
    row = session.get(Setting, setting.key)
    stored = json.loads(row.value_json) if row is not None else {}
    return {**setting.default, **stored}  # type: ignore[dict-item]


def sla_hours(session: Session) -> dict[ExceptionCategory, int]:
    """The SLA in hours of every category (book setting over the defaults)."""
    values = _read(session, SLA_HOURS)
    return {category: int(values[category.value]) for category in ExceptionCategory}  # type: ignore[call-overload]


def sla_for(session: Session, category: ExceptionCategory) -> timedelta:
    return timedelta(hours=sla_hours(session)[category])


def default_owner(session: Session, category: ExceptionCategory) -> str | None:
    owner = _read(session, OWNERS).get(category.value)
    return str(owner) if owner else None


def parse_category(text: str) -> ExceptionCategory:
    """A category from its name (``closed_period`` or ``closed period``).

    Raises:
        UsageError: not a category; the message lists them.
    """
    wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return ExceptionCategory(wanted)
    except ValueError:
        names = ", ".join(c.value for c in ExceptionCategory)
        raise UsageError(f"{text!r} is not an exception category; use one of {names}") from None


def set_sla_hours(book: Book, category: ExceptionCategory, hours: int, *, actor: str) -> int:
    """Change one category's SLA; returns the previous value. Applies to exceptions raised from now on."""
    if not 1 <= hours <= MAX_SLA_HOURS:
        raise UsageError(f"An SLA must be between 1 and {MAX_SLA_HOURS} hours.")
    with book.unit_of_work() as session:
        values = _read(session, SLA_HOURS)
        before = int(values[category.value])  # type: ignore[call-overload]
        values[category.value] = hours
        session.merge(Setting(key=SLA_HOURS.key, value_json=json.dumps(values, sort_keys=True)))
        audit.record(session, "setting.change", actor=actor, entity_type="setting", entity_id=SLA_HOURS.key,
                     category=category.value, before=before, after=hours)
    return before


def set_default_owner(book: Book, category: ExceptionCategory, owner: str | None, *, actor: str) -> str | None:
    """Assign new exceptions of ``category`` to ``owner`` (``None``: unassigned); returns the previous owner."""
    with book.unit_of_work() as session:
        values = _read(session, OWNERS)
        before = values.get(category.value)
        if owner:
            values[category.value] = owner.strip()
        else:
            values.pop(category.value, None)
        session.merge(Setting(key=OWNERS.key, value_json=json.dumps(values, sort_keys=True)))
        audit.record(session, "setting.change", actor=actor, entity_type="setting", entity_id=OWNERS.key,
                     category=category.value, before=before, after=owner)
    return str(before) if before else None
