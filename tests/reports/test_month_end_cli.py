"""`bookbridge reconcile`, `bookbridge period` and `bookbridge pack` through the real command in a child process."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from bookbridge.store.book import open_book
from bookbridge.store.models import AuditEntry

from month_end_book import PASSPHRASE


def _audit(path, action: str) -> list[AuditEntry]:
    with open_book(path, PASSPHRASE) as book, book.read() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_reconcile_prints_the_checklist_as_json(january, run_cli) -> None:
    """A finished January: exit 0, matching ran over no open line, every item has a status and a sentence."""
    january.book.close()
    done = run_cli("reconcile", january.book.path, "--period", "2026-01", "--offline", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["locked"] is False and answer["matching"]["lines_considered"] == 0
    items = answer["checklist"]["items"]
    assert {(i["code"], i["status"]) for i in items if i["account"] is None} == {
        ("expenses_imported", "ok"), ("expenses_synced", "ok"), ("categories_mapped", "ok"), ("receipts", "attention"),
        ("blocker_exceptions", "ok")}
    assert all(i["sentence"] for i in items)


def test_reconcile_runs_the_matcher_and_exits_1_on_blockers(january_unmatched, run_cli) -> None:
    """The matcher proposes a target for the 7 lines that have one; the 2 nobody explained keep it blocked (exit 1)."""
    january_unmatched.book.close()
    done = run_cli("reconcile", january_unmatched.book.path, "--period", "2026-01", "--auto", "--json")
    assert done.returncode == 1, done.stderr
    answer = json.loads(done.stdout)
    matching = answer["matching"]
    assert matching["lines_considered"] == 9 and matching["auto_accepted"] + matching["suggested"] == 7
    blocked = {(i["code"], i["account"]) for i in answer["checklist"]["items"] if i["status"] == "blocker"}
    assert ("lines_matched", "Visa 4444") in blocked and ("lines_matched", "Operating") in blocked


def test_signoff_then_reopen_through_the_cli_is_audited(january, run_cli) -> None:
    """signoff locks; reopen with who and why unlocks; status shows both steps; the audit log has the reason."""
    january.book.close()
    path = january.book.path
    signed = run_cli("period", "signoff", path, "--period", "2026-01", "--as", "Ann Accountant", "--offline", "--json")
    assert signed.returncode == 0, signed.stderr
    assert json.loads(signed.stdout)["signed_off_by"] == "Ann Accountant"
    reopened = run_cli("period", "reopen", path, "--period", "2026-01", "--as", "Carl Controller", "--reason",
                       "late fuel invoice")
    assert reopened.returncode == 0, reopened.stderr
    status = json.loads(run_cli("period", "status", path, "--period", "2026-01", "--json").stdout)
    assert status["locked"] is False
    assert [(e["action"], e["actor"]) for e in status["history"]] == [
        ("signed_off", "Ann Accountant"), ("reopened", "Carl Controller")]
    (entry,) = _audit(path, "period.reopened")
    assert entry.actor == "Carl Controller" and json.loads(entry.detail_json)["reason"] == "late fuel invoice"


def test_signoff_with_blockers_is_refused_with_exit_2(january_unmatched, run_cli) -> None:
    """An unmatched month cannot be signed off: exit 2, the blockers in the JSON, nothing locked."""
    january_unmatched.book.close()
    path = january_unmatched.book.path
    done = run_cli("period", "signoff", path, "--period", "2026-01", "--as", "Ann Accountant", "--offline", "--json")
    assert done.returncode == 2
    answer = json.loads(done.stdout)
    assert answer["signed_off"] is False and {b["code"] for b in answer["blockers"]} >= {"lines_matched"}
    assert "cannot be signed off" in done.stderr
    assert _audit(path, "period.signed_off") == []


def test_pack_command_writes_pdf_and_csv_and_prints_the_hash(january, run_cli, tmp_path) -> None:
    """pack --json: exit 0, the printed SHA-256 is the file's and the audit log's, the CSV files exist."""
    january.book.close()
    target = tmp_path / "out" / "january.pdf"
    target.parent.mkdir()
    done = run_cli("pack", january.book.path, "--period", "2026-01", "-o", target, "--csv", tmp_path / "csv",
                   "--preparer", "Paula Preparer", "--offline", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert {p.split("/")[-1] for p in answer["csv_files"]} >= {"cover.csv", "checklist.csv", "matched_lines.csv"}
    assert all((tmp_path / "csv" / name).is_file() for name in ("tie_out.csv", "receipts.csv"))
    (entry,) = _audit(january.book.path, "pack.written")
    assert json.loads(entry.detail_json)["sha256"] == answer["sha256"] and entry.actor == "Paula Preparer"


def test_connection_without_credentials_leaves_the_accounting_figure_unknown(january) -> None:
    """The book's connection has no tokens in the keyring: the tie-out says the figure is unknown and why."""
    from bookbridge.cli.reconcile import ledger_source
    from bookbridge.reconcile.periods import Period
    from bookbridge.reconcile.tieout import compute_tieouts

    with ledger_source(january.book, offline=False) as source:
        assert "connection 'main'" in source.label
        visa = {t.account: t for t in compute_tieouts(january.book, Period(2026, 1), source=source)}["Visa 4444"]
    assert visa.accounting is None and visa.posted_journal is None
    assert visa.accounting_notes and visa.accounting_notes[0].startswith("could not read the accounting system: ")
