"""Matching inside a real book: the expense adapter, runs, and decisions with who, when and undo."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from bookbridge.core.errors import UsageError
from bookbridge.reconcile.matching import decisions
from bookbridge.reconcile.matching.adapters import expense_targets
from bookbridge.reconcile.matching.service import load_settings, run_matching
from bookbridge.reconcile.statements.service import import_statement_file
from bookbridge.store.models import (
    AuditEntry,
    BankAccount,
    ExpenseStatus,
    LineMatchStatus,
    Match,
    MatchTarget,
    PaymentMethod,
    Setting,
    StatementLine,
)

from recon_helpers import add_employee, add_expense, add_vendor, ofx_text

JAN = (date(2026, 1, 1), date(2026, 1, 31))


def _import(book, write_file, lines, **kw) -> None:
    import_statement_file(book, write_file(f"s{len(lines)}{kw.get('card', '')}.ofx", ofx_text(lines, **kw)))


def _account(session, kind: str) -> BankAccount:
    return session.scalars(sa.select(BankAccount).where(BankAccount.kind == kind)).one()


def _line_status(book, fitid: str) -> str:
    with book.read() as s:
        return s.scalars(sa.select(StatementLine.match_status).where(StatementLine.bank_id == fitid)).one().value


def _audit(book, action: str) -> list[AuditEntry]:
    with book.read() as s:
        return list(s.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.fixture
def shop(book, write_file):
    """A bank statement with a fuel charge, a reimbursement and a fee; a card statement with one charge."""
    _import(book, write_file, [("20260112", "-85.40", "B1", "PILOT TRAVEL CTR #412"),
                               ("20260120", "-151.40", "B2", "REIMBURSEMENT DANA REYES"),
                               ("20260125", "-12.00", "B3", "SERVICE FEE")])
    _import(book, write_file, [("20260114", "-62.10", "C1", "SHELL OIL 5521")], card=True, account="4111111111114444")
    with book.unit_of_work() as s:
        pilot, shell = add_vendor(s, "Pilot Travel Center"), add_vendor(s, "Shell")
        dana = add_employee(s, "Dana Reyes")
        ids = {
            "fuel": add_expense(s, 8540, date(2026, 1, 11), vendor=pilot).id,
            "card": add_expense(s, 6210, date(2026, 1, 13), vendor=shell, method=PaymentMethod.COMPANY_CARD,
                                card="Visa 4444").id,
            "r1": add_expense(s, 5500, date(2026, 1, 2), vendor_raw="Motel 6", method=PaymentMethod.REIMBURSABLE, employee=dana).id,
            "r2": add_expense(s, 8400, date(2026, 1, 4), vendor_raw="Mileage", method=PaymentMethod.REIMBURSABLE, employee=dana).id,
            "r3": add_expense(s, 1240, date(2026, 1, 6), vendor_raw="Parking", method=PaymentMethod.REIMBURSABLE, employee=dana).id,
            "cash": add_expense(s, 8540, date(2026, 1, 12), vendor=pilot, method=PaymentMethod.CASH).id,
            "rejected": add_expense(s, 8540, date(2026, 1, 12), vendor=pilot, status=ExpenseStatus.REJECTED).id,
        }
    return ids


def test_expense_adapter_rules_per_account_kind(book, shop) -> None:
    """Card accounts see company-card expenses; bank accounts the rest, card charges only as a group; cash and
    rejected expenses never."""
    with book.read() as s:
        card = {t.id: t for t in expense_targets(s, _account(s, "card"), *JAN, set())}
        bank = {t.id: t for t in expense_targets(s, _account(s, "bank"), *JAN, set())}
    assert set(card) == {shop["card"]} and card[shop["card"]].one_to_one
    assert set(bank) == {shop["fuel"], shop["card"], shop["r1"], shop["r2"], shop["r3"]}
    assert not bank[shop["card"]].one_to_one and bank[shop["card"]].groups == (("card:visa 4444", "Visa 4444 card payment"),)
    assert bank[shop["r1"]].payee == "Dana Reyes" and bank[shop["r1"]].groups[0][1] == "Dana Reyes"
    assert str(bank[shop["fuel"]].amount) == "-85.40 USD"


def test_driver_pay_and_expense_reports_form_groups(book, shop) -> None:
    """Driver pay joins the payroll group; a reimbursable expense with a report id joins its report's group."""
    with book.unit_of_work() as s:
        driver = add_employee(s, "Luis Okafor")
        pay = add_expense(s, 150000, date(2026, 1, 16), vendor_raw="TMS", employee=driver, category_raw="Driver pay").id
        claim = add_expense(s, 4200, date(2026, 1, 16), vendor_raw="Motel", method=PaymentMethod.REIMBURSABLE,
                            employee=driver, report_id="R-17").id
    with book.read() as s:
        targets = {t.id: t for t in expense_targets(s, _account(s, "bank"), *JAN, set())}
    assert [key for key, _ in targets[pay].groups] == ["payroll", f"employee:{targets[pay].employee_id}"]
    assert ("report:R-17", "expense report R-17 Luis Okafor") in targets[claim].groups


def test_card_of_another_number_is_not_a_candidate(book, shop) -> None:
    """A company-card expense on card 9999 is not offered to the statement of card …4444."""
    with book.unit_of_work() as s:
        other = add_expense(s, 6210, date(2026, 1, 13), vendor_raw="Shell", method=PaymentMethod.COMPANY_CARD, card="Amex 9999").id
    with book.read() as s:
        ids = {t.id for t in expense_targets(s, _account(s, "card"), *JAN, set())}
    assert other not in ids and shop["card"] in ids


def test_foreign_expense_is_approximate_and_other_currencies_left_out(book, shop) -> None:
    """An expense converted from EUR is compared with tolerance; one still in EUR cannot be compared at all."""
    with book.unit_of_work() as s:
        hotel = add_expense(s, 21000, date(2026, 1, 9), vendor_raw="Hotel Lutetia", original=(19500, "EUR")).id
        euro = add_expense(s, 19500, date(2026, 1, 9), vendor_raw="Hotel Lutetia", currency="EUR").id
    with book.read() as s:
        targets = {t.id: t for t in expense_targets(s, _account(s, "bank"), *JAN, set())}
    assert targets[hotel].approximate and euro not in targets


def test_auto_run_accepts_the_auto_band_with_who_and_when(book, shop) -> None:
    """With --auto, the fuel charge, the card charge and the reimbursement are accepted by the runner (each match
    row and the run's audit entries say who and when); the fee stays unmatched."""
    result = run_matching(book, period="2026-01", auto=True, actor="dana")
    assert (result.lines_considered, result.auto_accepted, result.suggested, result.unmatched) == (4, 3, 0, 1)
    by_line = {m["line"]["id"]: m for m in result.matches}
    reimbursement = next(m for m in by_line.values() if m["shape"] == "one_to_many")
    assert {t["id"] for t in reimbursement["targets"]} == {shop["r1"], shop["r2"], shop["r3"]}
    assert all(m["decided_by"] == "dana" and m["decided_at"] is not None for m in result.matches)
    assert _line_status(book, "B1") == "matched" and _line_status(book, "B3") == "unmatched"
    entries = _audit(book, "match.auto_accepted")  # one per account the run touched
    logged = [m for entry in entries for m in json.loads(entry.detail_json)["matches"]]
    assert {e.actor for e in entries} == {"dana"} and sorted(m["match"] for m in logged) == sorted(m["match_id"] for m in result.matches)
    assert all(m["explanation"] and m["targets"] for m in logged) and len(_audit(book, "match.run")) == 1


def test_run_without_auto_only_suggests(book, shop) -> None:
    """Without --auto nothing is decided: proposals are stored as suggestions and lines stay unmatched."""
    result = run_matching(book, period="2026-01", actor="dana")
    assert result.auto_accepted == 0 and result.suggested == 3
    assert {m["status"] for m in result.matches} == {"suggested"}
    assert _line_status(book, "B1") == "unmatched"


def test_rerun_replaces_suggestions_instead_of_piling_them_up(book, shop) -> None:
    """Running twice leaves one suggestion per line (and one set of targets), not two."""
    run_matching(book, period="2026-01")
    run_matching(book, period="2026-01")
    with book.read() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Match)) == 3
        assert s.scalar(sa.select(sa.func.count()).select_from(MatchTarget)) == 5  # 1 + 1 + the 3 reimbursed


def test_accept_then_undo_restores_the_line_and_keeps_the_trail(book, shop) -> None:
    """Accepting records who and when; undo records who and when too, and the line is unmatched again."""
    match_id = next(m["match_id"] for m in run_matching(book, period="2026-01").matches if m["line"]["id"] == 1)
    accepted = decisions.accept_match(book, match_id, actor="lee", note="checked receipt")
    assert (accepted["status"], accepted["decided_by"], accepted["note"]) == ("accepted", "lee", "checked receipt")
    assert _line_status(book, "B1") == "matched"
    undone = decisions.undo_match(book, match_id, actor="kim", reason="wrong truck")
    assert (undone["status"], undone["undone_by"], undone["decided_by"]) == ("undone", "kim", "lee")
    assert _line_status(book, "B1") == "unmatched"
    (entry,) = _audit(book, "match.undone")
    assert entry.actor == "kim" and json.loads(entry.detail_json) == {"line": 1, "previous": "accepted", "reason": "wrong truck"}


def test_undone_match_can_be_proposed_again(book, shop) -> None:
    """After an undo the line and its expense are free, so the next run proposes them again."""
    run_matching(book, period="2026-01", auto=True)
    with book.read() as s:
        first = s.scalars(sa.select(Match).where(Match.statement_line_id == 1)).one()
    decisions.undo_match(book, first.id, actor="kim")
    again = run_matching(book, period="2026-01")
    assert [m["targets"][0]["id"] for m in again.matches if m["line"]["id"] == 1] == [shop["fuel"]]


def test_rejected_proposal_is_not_made_again(book, shop) -> None:
    """A rejected suggestion stays rejected: the next run does not propose the same pair."""
    match_id = next(m["match_id"] for m in run_matching(book, period="2026-01").matches if m["line"]["id"] == 1)
    decisions.reject_match(book, match_id, actor="lee", note="not ours")
    again = run_matching(book, period="2026-01")
    assert [m for m in again.matches if m["line"]["id"] == 1] == []
    assert _audit(book, "match.rejected")[0].actor == "lee"


def test_accepting_twice_or_a_settled_target_is_refused(book, shop) -> None:
    """A decided match cannot be accepted again, and a hand match cannot reuse a settled expense."""
    result = run_matching(book, period="2026-01", auto=True)
    match_id = result.matches[0]["match_id"]
    with pytest.raises(UsageError, match="only a suggested match"):
        decisions.accept_match(book, match_id, actor="lee")
    with pytest.raises(UsageError, match="already settle"):
        decisions.match_by_hand(book, 3, [("expense", shop["fuel"])], actor="lee")


def test_match_by_hand_must_add_up(book, shop) -> None:
    """A hand match whose amounts differ from the line is refused; one that adds up is stored as manual."""
    with pytest.raises(UsageError, match="difference"):
        decisions.match_by_hand(book, 2, [("expense", shop["r1"]), ("expense", shop["r2"])], actor="lee")
    made = decisions.match_by_hand(book, 2, [("expense", shop["r1"]), ("expense", shop["r2"]), ("expense", shop["r3"])],
                                   actor="lee", note="paid by transfer")
    assert (made["band"], made["shape"], made["status"]) == ("manual", "one_to_many", "accepted")
    assert _line_status(book, "B2") == "matched"


def test_explained_line_counts_as_handled_and_can_be_undone(book, shop) -> None:
    """A bank fee with a note becomes 'explained'; undo returns it to unmatched."""
    explained = decisions.explain_line(book, 3, actor="lee", note="monthly bank fee")
    assert _line_status(book, "B3") == LineMatchStatus.EXPLAINED.value and explained["explanation"] == "explained: monthly bank fee"
    decisions.undo_match(book, explained["match_id"], actor="lee")
    assert _line_status(book, "B3") == "unmatched"


def test_thresholds_come_from_the_book_setting(book, shop) -> None:
    """A stricter auto threshold stored in the book keeps everything in the suggest band."""
    with book.unit_of_work() as s:
        s.add(Setting(key="reconcile.matching", value_json=json.dumps({"auto_threshold": 0.99, "window_days": 2})))
    with book.read() as s:
        settings = load_settings(s)
    assert settings.auto_threshold == 0.99 and settings.window_days == 2
    result = run_matching(book, period="2026-01", auto=True)
    assert result.auto_accepted == 0 and {m["status"] for m in result.matches} == {"suggested"}


def test_period_must_be_year_and_month(book) -> None:
    """A period written any other way is refused with the expected form."""
    with pytest.raises(UsageError, match="YYYY-MM"):
        run_matching(book, period="Jan 2026")
