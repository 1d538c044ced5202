"""The row loop of one import: convert, validate, dedupe, resolve references, buffer for writing.

:class:`ImportRun` never opens or commits a transaction (the service does); with ``write=False``
it computes the same decisions and writes nothing, which is what the preview and ``--dry-run`` use.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from bookbridge.core.errors import BookbridgeError
from bookbridge.ingest.bulk_indexes import BulkIndexes
from bookbridge.ingest.convert import RowConverter
from bookbridge.ingest.dedupe import Decision, Deduper, Known, Outcome, content_hash, key_range, source_prefixes
from bookbridge.ingest.locks import SignedOffMonths
from bookbridge.ingest.model import ExpenseDraft, Issue, RawRecord, warning
from bookbridge.ingest.normalise import NameDirectory, VendorDirectory
from bookbridge.ingest.profiles import Binding
from bookbridge.ingest.readers import Source
from bookbridge.ingest.receipts import ReceiptFinder, ReceiptMatch, ReceiptStore
from bookbridge.ingest.results import ImportOptions, RowOutcome
from bookbridge.ingest.validate import DraftValidator, ImportSettings
from bookbridge.ingest.writer import BatchWriter, fields_json, next_ids, timestamp_text
from bookbridge.store.models import Category, Employee, Expense

STEP_ROWS = 2000  # flush, report progress and check for cancellation this often
BULK_TABLES = ("expenses", "dedupe_decisions", "import_issues")  # the tables an import fills row by row
Identity = tuple[date, int, str, "int | None"]


def _json_list(codes: list[str]) -> str:
    """JSON for a list of issue codes (plain identifiers, so no escaping is needed)."""
    return '["' + '","'.join(codes) + '"]'


class ImportCancelled(BookbridgeError):
    """The user cancelled; the transaction is rolled back, so nothing was saved."""


def load_known(conn: sa.Connection, source: str) -> dict[str, Known | int]:
    """Every key the source already has in the book, read by key range (keys start with the source).

    Content keys come from the unique index on ``key`` alone, without reading a table row (a
    re-import reads one per expense of the source: 0.07 s per 100,000 against 0.2 s), and map to
    the bare expense id: a content key carries its hash, and building a :class:`Known` for each
    of 100,000 keys cost more than the query (the deduper makes one for the few it matches).
    Only source-id keys need the stored content hash, so only they read it, as :class:`Known`.
    Rows come through the DB-API cursor, in the caller's transaction, as plain tuples.
    """
    _, content_prefix, id_prefix = source_prefixes(source)
    raw = conn.connection.driver_connection
    assert raw is not None
    known: dict[str, Known | int] = dict(raw.execute(
        "SELECT key, id FROM expenses WHERE key >= ? AND key < ?", key_range(content_prefix)).fetchall())
    for key, expense_id, digest in raw.execute(
            "SELECT key, id, content_hash FROM expenses WHERE key >= ? AND key < ?", key_range(id_prefix)).fetchall():
        known[key] = Known(expense_id, digest)
    return known


class PossibleDuplicates:
    """Flags new rows that look like an expense imported earlier from the same source.

    A row without a source id whose content changed between two exports (a comment edited, a
    category set) gets a new key, so it lands again. It is kept (nothing is dropped on a guess),
    but when an earlier expense of the source has the same date, amount, currency and vendor and
    no row of this file matched that expense, the new row is flagged ``possible_duplicate``.
    """

    def __init__(self, conn: sa.Connection, source: str, before_id: int, *, enabled: bool) -> None:
        self._conn, self._source, self._before = conn, source, before_id
        self.enabled = enabled
        self._index: dict[Identity, list[int]] | None = None
        self.matched_ids: set[int] = set()  # expenses some row of this file matched
        self._candidates: list[tuple[int, int, Identity]] = []

    def _load(self) -> dict[Identity, list[int]]:
        index: dict[Identity, list[int]] = {}
        # The source's expenses are those under its key prefix (see load_known).
        low, high = key_range(source_prefixes(self._source)[0])
        rows = self._conn.execute(
            sa.select(Expense.id, Expense.txn_date, Expense.amount_minor, Expense.currency, Expense.vendor_id)
            .where(Expense.key >= low, Expense.key < high, Expense.id < self._before)
        )
        for expense_id, *identity in rows:
            index.setdefault(tuple(identity), []).append(expense_id)  # type: ignore[arg-type]
        return index

    def candidate(self, expense_id: int, line: int, identity: Identity) -> None:
        if not self.enabled:
            return
        if self._index is None:
            self._index = self._load()
        if identity in self._index:
            self._candidates.append((expense_id, line, identity))

    def findings(self) -> list[tuple[int, int, list[int]]]:
        """(new expense id, line, earlier look-alikes no row of this file matched)."""
        out = []
        for expense_id, line, identity in self._candidates:
            assert self._index is not None
            unmatched = [i for i in self._index[identity] if i not in self.matched_ids]
            if unmatched:
                out.append((expense_id, line, unmatched))
        return out


class ImportRun:
    """One pass over a source's records (see the module docstring)."""

    def __init__(self, conn: sa.Connection, source: Source, options: ImportOptions, *, source_name: str,
                 home_currency: str, settings: ImportSettings, today: date, now: datetime,
                 batch_id: int | None, write: bool, collect_rows: bool, expected_rows: int | None = None) -> None:
        """``expected_rows`` (about how many rows the file has) lets a large import into small
        tables build their secondary indexes after the rows instead of row by row (see
        :mod:`bookbridge.ingest.bulk_indexes`); None keeps every index in place."""
        self.source, self.source_name, self.batch_id = source, source_name, batch_id
        self.validator, self.collect_rows = DraftValidator(settings, today), collect_rows
        self.file_name = Path(source.info.path).name[:500]
        self.now_text = timestamp_text(now)
        ids = next_ids(conn)
        self.writer = BatchWriter(conn, write=write)
        self.bulk = BulkIndexes(conn.connection.driver_connection)
        if write:
            self.bulk.prepare(BULK_TABLES, expected_rows)
        # The writer's buffers, appended to directly in the row loop (flushing empties them in place).
        self._expense_rows = self.writer.rows["expenses"]
        self._decision_rows, self._issue_rows = self.writer.rows["dedupe_decisions"], self.writer.rows["import_issues"]
        self.vendors = VendorDirectory(conn, ids["vendors"], self.now_text)
        self.categories = NameDirectory(conn, Category, ids["categories"])
        self.employees = NameDirectory(conn, Employee, ids["employees"])
        self.receipts = ReceiptStore(conn, ids["receipts"], now, write=write)
        self.finder = ReceiptFinder(options.receipts_dir, options.path.parent)
        self.converter = RowConverter(source.profile, home_currency)
        self._bindings: dict[tuple[str, ...], Binding] = {}  # JSON/XML records bind per set of keys
        known = load_known(conn, source_name)
        self.deduper = Deduper(source_name, known)
        self.signed_off = SignedOffMonths(conn)
        self._any_signed_off = bool(self.signed_off)  # a plain attribute: the row loop reads it per row
        self.look_alikes = PossibleDuplicates(conn, source_name, ids["expenses"], enabled=bool(known))
        self._matched_add = self.look_alikes.matched_ids.add  # one call per duplicate row, bound once
        self.next_expense_id = ids["expenses"]
        self.rows_read = self.new = self.duplicates = self.conflicts = self.rejected = self.links = 0
        self.errors: list[Issue] = []
        self.keep_error_rows = options.strict  # a --strict refusal re-records them after the rollback
        self.error_rows: list[tuple[Issue, str]] = []
        self.warnings: list[Issue] = list(source.info.issues)
        self.outcomes: list[RowOutcome] = []
        self._flags: dict[int, list[str]] = {}
        self.writer.extend("import_issues", ((batch_id, None, "warning", i.field, i.code, i.message, None, None)
                                             for i in source.info.issues))

    def execute(self, progress: Callable[[int], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> None:
        """Process every record; raises ImportCancelled when ``cancel()`` turns true."""
        source = self.source
        fast = None
        if source.rows is not None and source.binding is not None:
            fast = self.converter.fast_path(source.binding, source.keys)
        if fast is None:
            for record in source.records():
                self._convert(record)
                if self.rows_read % STEP_ROWS == 0:
                    self._step(progress, cancel)
        else:
            # CSV rows an ordinary form converts straight from their cells (see
            # RowConverter.fast_path); the rest go the general way, as records.
            assert source.rows is not None and source.record_at is not None
            land, convert, record_at = self._land, self._convert, source.record_at
            for line, cells in source.rows():
                draft = fast(line, cells)
                if draft is None:
                    convert(record_at(line, cells))
                else:
                    self.rows_read += 1
                    land(draft, [], cells)
                if self.rows_read % STEP_ROWS == 0:
                    self._step(progress, cancel)
        self._flag_look_alikes()
        self._step(progress, cancel)
        self.bulk.restore()  # every index set aside comes back before the service commits
        # The key index holds an entry per row and is done with: freed now, while the collector
        # is still paused, it is not walked when the collector resumes (see paused_gc).
        self.deduper.forget()

    def _convert(self, record: RawRecord) -> None:
        """Convert one record and land or reject it (the converter returns no draft exactly when
        an error rejects the row)."""
        self.rows_read += 1
        draft, issues = self.converter.convert(record, self.source.binding_for(record, self._bindings))
        if draft is None:
            self._reject(record, issues)
        else:
            self._land(draft, issues, record)

    def _record_at(self, line: int, cells: list[str]) -> RawRecord:
        assert self.source.record_at is not None  # cells only come from a CSV source, which has it
        return self.source.record_at(line, cells)

    def _step(self, progress: Callable[[int], None] | None, cancel: Callable[[], bool] | None) -> None:
        self._flush()
        if progress is not None:
            progress(self.rows_read)
        if cancel is not None and cancel():
            raise ImportCancelled(f"Import of {self.file_name} cancelled; nothing was saved.")

    def _flush(self) -> None:
        for table, directory in (("vendors", self.vendors), ("categories", self.categories),
                                 ("employees", self.employees)):
            self.writer.extend(table, directory.pending)
            directory.pending.clear()
        self.writer.flush()

    def _reject(self, record: RawRecord, issues: list[Issue]) -> None:
        self.rejected += 1
        raw = record.raw_text()
        for issue in issues:
            if issue.is_error:
                self.errors.append(issue)
                if self.keep_error_rows:
                    self.error_rows.append((issue, raw))
                self.writer.add("import_issues", (self.batch_id, issue.line, "error", issue.field, issue.code,
                                                  issue.message, None, raw))
        if self.collect_rows:
            self.outcomes.append(RowOutcome(record.line, "error", None, None, None, None, None, None, None,
                                            tuple(issues)))

    def _land(self, draft: ExpenseDraft, issues: list[Issue], row: RawRecord | list[str]) -> None:
        """Decide a valid row; receipts and warnings are only worked out for rows that land
        (they produce warnings, never errors, and a duplicate's would be thrown away).

        ``row`` is what the draft was made from (a record, or a CSV row's cells on the fast
        path), kept with the row if it is rejected after all: dated in a signed-off month.
        """
        decision = self.deduper.decide(draft, content_hash(draft))
        if decision.outcome is Outcome.DUPLICATE:
            self._duplicate(draft, decision)
            return
        if self._any_signed_off:
            refusal = self.signed_off.refusal(draft.txn_date, draft.line)
            if refusal is not None:
                record = row if isinstance(row, RawRecord) else self._record_at(draft.line, row)
                self._reject(record, [*issues, refusal])
                return
        match = self.finder.find(draft)
        if match.issues:
            issues.extend(match.issues)
        found = self.validator.check(draft, has_receipt=match.found)
        if found:
            issues.extend(found)
        expense_id = self.next_expense_id
        self.next_expense_id = expense_id + 1
        self.deduper.accept(decision, expense_id, draft.line)
        self._write_expense(expense_id, draft, decision, issues, match)
        if decision.outcome is Outcome.CONFLICT:
            self.conflicts += 1
        else:
            self.new += 1
        if self.look_alikes.enabled and not draft.source_id:
            identity = (draft.txn_date, draft.amount_minor, draft.currency, self.vendors.resolve(draft.vendor))
            self.look_alikes.candidate(expense_id, draft.line, identity)
        if self.collect_rows:
            self._outcome(draft, decision, decision.outcome.value, tuple(issues))

    def _duplicate(self, draft: ExpenseDraft, decision: Decision) -> None:
        """Record a duplicate: one ledger row naming the expense it matched (nothing else)."""
        matched = decision.matched
        assert matched is not None
        self.duplicates += 1
        if self.look_alikes.enabled:
            self._matched_add(matched.expense_id)
        detail = None if matched.line is None else f'{{"same_file_line":{matched.line}}}'
        self._decision_rows.append((self.batch_id, draft.line, decision.key, "duplicate", decision.rule, None,
                                    matched.expense_id, detail, self.now_text))
        if self.collect_rows:
            self._outcome(draft, decision, "duplicate", ())

    def _write_expense(self, expense_id: int, draft: ExpenseDraft, decision: Decision, issues: list[Issue],
                       match: ReceiptMatch) -> None:
        batch_id = self.batch_id
        conflict_with = None
        if decision.outcome is Outcome.CONFLICT and decision.matched is not None:
            conflict_with = decision.matched.expense_id
        flags = None
        if issues:
            codes = [issues[0].code] if len(issues) == 1 else sorted({i.code for i in issues})
            flags = _json_list(codes)
            if self.look_alikes.enabled:
                self._flags[expense_id] = codes  # the look-alike pass may add a flag to these later
            self.warnings.extend(issues)
            self._issue_rows.extend([(batch_id, i.line, "warning", i.field, i.code, i.message, expense_id, None)
                                     for i in issues])
        vendor, category, employee = draft.vendor, draft.category, draft.employee
        # Enum members are read through _value_ (a plain attribute): .value is a Python-level property.
        self._expense_rows.append((
            expense_id, decision.key, self.source_name, draft.source_id, decision.occurrence_index,
            decision.content_hash, batch_id, self.file_name, draft.line, draft.txn_date.isoformat(),
            self.employees.resolve(employee) if employee else None, self.vendors.resolve(vendor) if vendor else None,
            vendor, self.categories.resolve(category) if category else None, category, draft.amount_minor,
            draft.currency, draft.tax_minor, draft.original_minor, draft.original_currency,
            draft.payment_method._value_, draft.card, draft.memo, draft.reference, draft.report_id, match.url,
            "imported" if conflict_with is None else "conflict", flags, conflict_with, self.now_text,
            fields_json(draft.fields),
        ))
        if match.file is not None:
            self.writer.add("expense_receipts", (expense_id, self.receipts.store(match.file)))
            self.links += 1
        self._decision_rows.append((batch_id, draft.line, decision.key, decision.outcome._value_, decision.rule,
                                    expense_id, conflict_with, None, self.now_text))

    def _outcome(self, draft: ExpenseDraft, decision: Decision, status: str, issues: tuple[Issue, ...]) -> None:
        matched = decision.matched
        in_file = matched is not None and matched.line is not None
        self.outcomes.append(RowOutcome(
            draft.line, status, decision.key, decision.rule,
            None if matched is None or in_file else matched.expense_id,
            matched.line if matched is not None and in_file else None,
            draft.txn_date, str(draft.amount), draft.vendor, issues,
        ))

    def _flag_look_alikes(self) -> None:
        """Warn about rows that look like earlier expenses (see :class:`PossibleDuplicates`)."""
        findings = self.look_alikes.findings()
        if not findings:
            return
        self._flush()  # the flagged expenses must exist before they are updated
        updates = []
        by_line = {o.line: n for n, o in enumerate(self.outcomes)} if self.collect_rows else {}
        for expense_id, line, earlier in findings:
            ids = ", ".join(f"#{i}" for i in earlier[:5])
            issue = warning("possible_duplicate", f"Looks like expense {ids} imported earlier (same date, amount, "
                            "currency and vendor) with other details changed; both are kept: review and skip one.",
                            None, line)
            self.warnings.append(issue)
            self.writer.add("import_issues", (self.batch_id, line, "warning", None, issue.code, issue.message,
                                              expense_id, None))
            codes = sorted({*self._flags.get(expense_id, []), issue.code})
            updates.append((_json_list(codes), expense_id))
            if line in by_line:
                old = self.outcomes[by_line[line]]
                self.outcomes[by_line[line]] = replace(old, issues=(*old.issues, issue))
        self.writer.execute("UPDATE expenses SET review_flags = ? WHERE id = ?", updates)
