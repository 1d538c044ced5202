"""Mapping templates as the Mappings and Rules pages show them, read in one go on a worker.

One :class:`TemplateState` per template: every published version with its content and history
facts, the draft if one waits, and the YAML text to edit (the draft's, else the newest version's,
comments kept where the engine remembers them). Edits, previews and publishing call the coding
engine (``coding.edits``, ``coding.impact``, ``coding.templates``) in the jobs below, each in one
transaction, exactly as ``bookbridge mapping`` and ``bookbridge rules`` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bookbridge.coding.diff import DiffEntry, diff_templates
from bookbridge.coding.edits import ImportResult, import_rules, import_template
from bookbridge.coding.impact import PublishPreview, preview_publish, preview_rollback
from bookbridge.coding.spec import TemplateSpec
from bookbridge.coding.templates import (
    Draft,
    TemplateSummary,
    VersionInfo,
    discard_draft,
    get_template,
    history,
    list_templates,
    load_draft,
    load_versions,
    publish,
    rollback,
    version_source_text,
)
from bookbridge.coding.yaml_io import dump_rules, export_template
from bookbridge.store.book import Book

DRAFT = 0  # the version number the pages use for the draft


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A published version (``number`` ≥ 1) or the draft (``number`` 0), with its content."""

    number: int
    spec: TemplateSpec
    effective_from: date
    author: str
    when: object  # datetime (published_at, or the draft's updated_at)
    note: str
    rolled_back_from: int | None

    @property
    def is_draft(self) -> bool:
        return self.number == DRAFT

    @property
    def label(self) -> str:
        return "Draft" if self.is_draft else f"Version {self.number}"


@dataclass(frozen=True)
class TemplateState:
    """Everything the pages show about one template."""

    templates: tuple[TemplateSummary, ...]
    name: str | None
    versions: tuple[VersionRow, ...]  # draft first (if any), then newest version first
    draft_base: int | None
    template_text: str
    rules_text: str

    @property
    def latest(self) -> int:
        return max((v.number for v in self.versions), default=0)

    def version(self, number: int) -> VersionRow | None:
        return next((v for v in self.versions if v.number == number), None)


def read_templates(book: Book, name: str | None = None) -> TemplateState:
    """The book's templates and the versions, draft and editable text of ``name`` (default: the default one)."""
    with book.unit_of_work() as session:  # read-only use; the engine's helpers take a session
        summaries = tuple(list_templates(session))
        if not summaries:
            return TemplateState((), None, (), None, "", "")
        wanted = name if name in {s.name for s in summaries} else None
        template = get_template(session, wanted)
        versions = load_versions(session, template)
        infos = {v.number: v for v in history(session, template)}
        draft: Draft | None = load_draft(session, template)
        rows = [VersionRow(v.number, v.spec, v.spec.effective_from, infos[v.number].author, infos[v.number].published_at,
                           infos[v.number].note, infos[v.number].rolled_back_from) for v in reversed(versions)]
        if draft is not None:
            rows.insert(0, VersionRow(DRAFT, draft.spec, draft.spec.effective_from, draft.updated_by, draft.updated_at,
                                      f"based on version {draft.base_version}", None))
            text = export_template(draft.spec, draft.source_text)
            spec = draft.spec
        elif versions:
            spec = versions[-1].spec
            text = export_template(spec, version_source_text(session, template, versions[-1].number))
        else:
            spec, text = None, ""
        rules_text = dump_rules(spec.name, spec.rules) if spec is not None else ""
        return TemplateState(summaries, template.name, tuple(rows), draft.base_version if draft else None, text,
                             rules_text)


def diff_versions(state: TemplateState, old: int | None, new: int) -> list[DiffEntry]:
    """Differences between two of the state's versions (``old`` None: from nothing)."""
    before = state.version(old) if old is not None else None
    after = state.version(new)
    if after is None:
        return []
    return diff_templates(before.spec if before else None, after.spec)


# --- jobs (writes go through one unit of work each) --------------------------------------------------


def check_template_job(book: Book, text: str, actor: str, *, save: bool):
    """Validate a template text (issues with line numbers, diff); ``save`` keeps it as the draft."""
    def job(progress, cancel) -> ImportResult:
        progress("Checking the template" if not save else "Saving the draft")
        with book.unit_of_work() as session:
            return import_template(session, text, actor=actor, check_only=not save)
    return job


def check_rules_job(book: Book, text: str, actor: str, template: str | None, *, save: bool):
    """Validate rules and preview which expenses they code differently; ``save`` puts them in the draft."""
    def job(progress, cancel) -> ImportResult:
        progress("Previewing the rules" if not save else "Saving the rules in the draft")
        with book.unit_of_work() as session:
            return import_rules(session, text, actor=actor, template_name=template, check_only=not save)
    return job


def preview_job(book: Book, template: str, *, rollback_to: int | None = None, effective_from: date | None = None):
    """What publishing the draft (or rolling back to a version) would change; writes nothing."""
    def job(progress, cancel) -> PublishPreview:
        progress("Working out what would change")
        with book.unit_of_work() as session:
            found = get_template(session, template)
            if rollback_to is not None:
                return preview_rollback(session, found, rollback_to, effective_from=effective_from)
            return preview_publish(session, found, effective_from=effective_from)
    return job


@dataclass(frozen=True, slots=True)
class Published:
    """A new version, and what coding the not-yet-posted expenses with it did (one sentence)."""

    info: VersionInfo
    coding: str


def publish_job(book: Book, template: str, actor: str, note: str, *, rollback_to: int | None = None,
                effective_from: date | None = None):
    """Publish the draft (or a rollback) as the next version, then code what is not posted yet.

    Coding right after publishing is what makes a publish take effect, as its preview showed; it
    is a second transaction (the coding service's own), so a coding problem never undoes the
    version.
    """
    def job(progress, cancel) -> Published:
        progress("Publishing")
        with book.unit_of_work() as session:
            found = get_template(session, template)
            if rollback_to is not None:
                info = rollback(session, found, rollback_to, actor=actor, note=note, effective_from=effective_from)
            else:
                info = publish(session, found, actor=actor, note=note, effective_from=effective_from)
        return Published(info, code_job(book, actor)(progress, cancel))
    return job


def code_job(book: Book, actor: str):
    """Code every not-yet-posted expense with the versions in force (``coding.service.code_expenses``)."""
    def job(progress, cancel) -> str:
        from bookbridge.coding.service import code_expenses

        progress("Coding expenses")
        run = code_expenses(book, actor=actor)
        waiting = run.statuses.get("awaiting_approval", 0)
        uncoded = run.statuses.get("imported", 0)
        return (f"Coded {run.examined} expense(s): {run.recoded} with a new coding, {run.reopened} sent back to "
                f"approval; {waiting} await approval, {uncoded} cannot be coded yet.")
    return job


def discard_job(book: Book, template: str, actor: str):
    def job(progress, cancel) -> str:
        with book.unit_of_work() as session:
            discard_draft(session, get_template(session, template), actor=actor)
        return f"The draft of {template} was discarded."
    return job
