"""Saving and finding CSV statement profiles: the user's own (in the book) and the built-ins."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import UsageError
from bookbridge.reconcile.statements.csv_profiles import BUILTIN_PROFILES, CsvStatementProfile
from bookbridge.store import audit
from bookbridge.store.models import StatementCsvProfile


def find_profile(session: Session, name: str) -> CsvStatementProfile:
    """The profile called ``name``: saved in the book first, then built in, then a JSON file path.

    Raises:
        UsageError: no such profile, or its definition is invalid.
    """
    saved = session.scalars(sa.select(StatementCsvProfile).where(StatementCsvProfile.name == name)).first()
    if saved is not None:
        return CsvStatementProfile.from_dict(json.loads(saved.definition_json))
    if name in BUILTIN_PROFILES:
        return BUILTIN_PROFILES[name]
    path = Path(name)
    if path.suffix.lower() == ".json" and path.is_file():
        return profile_from_file(path)
    known = sorted(set(BUILTIN_PROFILES) | set(session.scalars(sa.select(StatementCsvProfile.name))))
    raise UsageError(f"No CSV statement profile called {name!r}. Known profiles: {', '.join(known)}.")


def profile_from_file(path: Path) -> CsvStatementProfile:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"Cannot read the profile {path}: {exc}.") from None
    if not isinstance(data, dict):
        raise UsageError(f"The profile {path} must be a JSON object.")
    return CsvStatementProfile.from_dict(data)


def save_profile(session: Session, profile: CsvStatementProfile, *, actor: str) -> None:
    """Save (or replace) a user profile in the caller's transaction; audit-logged."""
    if profile.name in BUILTIN_PROFILES:
        raise UsageError(f"{profile.name!r} is a built-in profile name; choose another name.")
    existing = session.scalars(sa.select(StatementCsvProfile).where(StatementCsvProfile.name == profile.name)).first()
    if existing is None:
        session.add(StatementCsvProfile(name=profile.name, definition_json=profile.to_json(), created_at=clock.now()))
    else:
        existing.definition_json = profile.to_json()
    audit.record(session, "statements.profile_saved", actor=actor, entity_type="statement_csv_profile",
                 entity_id=profile.name, replaced=existing is not None)


def list_profiles(session: Session) -> list[dict[str, object]]:
    saved = session.scalars(sa.select(StatementCsvProfile).order_by(StatementCsvProfile.name)).all()
    return [{"name": n, "builtin": True} for n in sorted(BUILTIN_PROFILES)] + [
        {"name": p.name, "builtin": False} for p in saved
    ]
