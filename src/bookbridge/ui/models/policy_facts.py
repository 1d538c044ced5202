"""The approval policy as the Approvals page edits it: one form row per level and per person.

The policy editor shows text boxes (a level's categories, its approvers, its field conditions),
so the page works on :class:`PolicyForm`, plain text exactly as typed. This module turns the
book's policy into that form and the form back into the policy *document*
(``coding.approval_policy``'s YAML shape) without judging it: whether the document is a valid
policy is for the approvals service to say (``policy_from_document``), in the same words the
command line (``bookbridge approval-policy --set``) gives. Saving goes through
``coding.approvals.replace_policy`` (one transaction, audited), then, when asked, codes the
not-yet-posted expenses again so the queue shows the levels the new policy requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bookbridge.coding.approval_policy import FIELD_OPERATORS, policy_from_document, policy_to_document
from bookbridge.coding.approvals import PolicyChange, load_policy, replace_policy
from bookbridge.core.errors import ValidationFailed
from bookbridge.store.book import Book
from bookbridge.ui.models.template_facts import code_job

LIST_SEPARATOR = ","  # between categories, roles and names in one box
FIELD_SEPARATOR = ";"  # between field conditions ("litres > 300; vehicle_type = reefer")

# "name op value", the longest operators first so ">=" is not read as ">" followed by "=value".
_FIELD = re.compile(r"^\s*(?P<name>.+?)\s*(?P<op>" + "|".join(
    re.escape(op) for op in sorted(FIELD_OPERATORS, key=len, reverse=True)) + r")\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True, slots=True)
class LevelForm:
    """One approval level as typed: lists are comma-separated, field conditions semicolon-separated."""

    name: str = ""
    amount_over: str = ""
    categories: str = ""
    fields: str = ""
    flagged: bool = False
    roles: str = ""
    names: str = ""


@dataclass(frozen=True, slots=True)
class PersonForm:
    """Who holds which roles (comma-separated)."""

    name: str = ""
    roles: str = ""


@dataclass(frozen=True, slots=True)
class PolicyForm:
    """The whole policy as the editor shows it."""

    levels: tuple[LevelForm, ...] = ()
    people: tuple[PersonForm, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicySaved:
    """What saving did: the level names before and after, and what coding again did (or "")."""

    change: PolicyChange
    coding: str


def _joined(values: Any) -> str:
    return f"{LIST_SEPARATOR} ".join(str(v) for v in values or ())


def _split(text: str, separator: str = LIST_SEPARATOR) -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


def form_from_document(document: dict[str, Any]) -> PolicyForm:
    """The editor's rows for a policy document (as ``policy_to_document`` writes it)."""
    levels = []
    for level in document.get("levels") or ():
        when = level.get("when") or {}
        approvers = level.get("approvers") or {}
        fields = f"{FIELD_SEPARATOR} ".join(f"{f['name']} {f['op']} {f['value']}" for f in when.get("fields") or ())
        levels.append(LevelForm(level["name"], str(when.get("amount_over") or ""), _joined(when.get("category")),
                                fields, str(when.get("flagged", "")).casefold() == "true",
                                _joined(approvers.get("roles")), _joined(approvers.get("names"))))
    people = tuple(PersonForm(name, _joined(roles)) for name, roles in (document.get("people") or {}).items())
    return PolicyForm(tuple(levels), people)


def _field_condition(text: str) -> dict[str, Any]:
    """``"litres > 300"`` as the document's ``{name, op, value}``; text without an operator is left for the
    service to refuse (it names the level and the condition at fault)."""
    found = _FIELD.match(text)
    if found is None or not found["value"]:
        return {"name": text.strip(), "op": "", "value": None}
    return {"name": found["name"], "op": found["op"], "value": found["value"]}


def document_from_form(form: PolicyForm) -> dict[str, Any]:
    """The policy document for the rows as typed (blank rows are left out: an empty line is not a level)."""
    levels = []
    for level in form.levels:
        if not any((level.name.strip(), level.amount_over.strip(), level.categories.strip(), level.fields.strip(),
                    level.roles.strip(), level.names.strip(), level.flagged)):
            continue
        when: dict[str, Any] = {}
        if level.amount_over.strip():
            when["amount_over"] = level.amount_over.strip()
        if _split(level.categories):
            when["category"] = _split(level.categories)
        if _split(level.fields, FIELD_SEPARATOR):
            when["fields"] = [_field_condition(text) for text in _split(level.fields, FIELD_SEPARATOR)]
        if level.flagged:
            when["flagged"] = "true"
        approvers = {key: _split(text) for key, text in (("roles", level.roles), ("names", level.names)) if _split(text)}
        levels.append({"name": level.name.strip(), **({"when": when} if when else {}), "approvers": approvers})
    people = {person.name.strip(): _split(person.roles) for person in form.people if person.name.strip()}
    return {"levels": levels, "people": people}


def policy_problems(form: PolicyForm) -> list[str]:
    """What the approvals service finds wrong with the form's policy (empty: it would be accepted)."""
    try:
        policy_from_document(document_from_form(form))
    except ValidationFailed as refused:
        return [str(issue) for issue in refused.issues] or [refused.user_message]
    return []


# --- jobs -------------------------------------------------------------------------------------------


def read_policy_job(book: Book):
    """The book's approval policy as editor rows."""
    def job(progress, cancel) -> PolicyForm:
        progress("Reading the approval policy")
        with book.read() as session:
            return form_from_document(policy_to_document(load_policy(session)))
    return job


def save_policy_job(book: Book, form: PolicyForm, actor: str, *, code_now: bool):
    """Replace the policy with the form's (the service refuses an invalid one), then code again if asked.

    Coding is a second transaction (the coding service's own), as after a publish: the new policy
    stands even if coding finds problems, and they are reported like any coding run's.
    """
    def job(progress, cancel) -> PolicySaved:
        progress("Saving the approval policy")
        change = replace_policy(book, policy_from_document(document_from_form(form)), actor=actor)
        return PolicySaved(change, code_job(book, actor)(progress, cancel) if code_now else "")
    return job
