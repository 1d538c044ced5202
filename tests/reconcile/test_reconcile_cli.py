"""`bookbridge statements` and `bookbridge match` through the real command on a real book."""

from __future__ import annotations

import json
from datetime import date

from bookbridge.store.models import PaymentMethod

from recon_helpers import OFX_DIR, add_expense, add_vendor, ofx_text


def test_statements_import_prints_counts_as_json(run_cli, book, book_path) -> None:
    """Importing a fixture prints {"new", "duplicates", "errors"}; the second time everything is a duplicate."""
    first = run_cli("statements", "import", book_path, OFX_DIR / "bank_medium.ofx", "--json")
    assert first.returncode == 0, first.stderr
    assert {k: json.loads(first.stdout)[k] for k in ("new", "duplicates", "errors")} == {"new": 3, "duplicates": 0, "errors": []}
    second = run_cli("statements", "import", book_path, OFX_DIR / "bank_medium.ofx", "--json")
    assert {k: json.loads(second.stdout)[k] for k in ("new", "duplicates")} == {"new": 0, "duplicates": 3}


def test_refused_file_exits_2_with_errors_in_json(run_cli, book, book_path) -> None:
    """error_message.ofx exits 2 and the JSON lists the bank's error, naming the file."""
    result = run_cli("statements", "import", book_path, OFX_DIR / "error_message.ofx", "--json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert (data["new"], data["duplicates"]) == (0, 0)
    (error,) = data["errors"]
    assert error["code"] == "bank_error" and error["message"].startswith("error_message.ofx")


def test_statements_list_shows_accounts_and_balance_status(run_cli, book, book_path) -> None:
    """statements list --json shows the imported account, its statement and the balance status."""
    assert run_cli("statements", "import", book_path, OFX_DIR / "suncorp.ofx", "--account", "Suncorp").returncode == 0
    listed = run_cli("statements", "list", book_path, "--json")
    assert listed.returncode == 0, listed.stderr
    (account,) = json.loads(listed.stdout)["accounts"]
    assert (account["account"], account["currency"], account["unmatched_lines"]) == ("Suncorp", "AUD", 1)
    assert account["statements"][0]["closing"] == "1234.12"


def test_match_auto_then_undo_through_the_command(run_cli, book, book_path, tmp_path) -> None:
    """match --auto accepts the exact fuel charge; match undo puts it back; both say who did it."""
    statement = tmp_path / "jan.ofx"
    statement.write_text(ofx_text([("20260112", "-85.40", "B1", "PILOT TRAVEL CTR #412")]))
    with book.unit_of_work() as s:
        add_expense(s, 8540, date(2026, 1, 11), vendor=add_vendor(s, "Pilot Travel Center"))
    assert run_cli("statements", "import", book_path, statement).returncode == 0
    ran = run_cli("match", book_path, "--period", "2026-01", "--auto", "--json", "--as", "dana")
    assert ran.returncode == 0, ran.stderr
    (match,) = json.loads(ran.stdout)["matches"]
    assert (match["status"], match["band"], match["decided_by"]) == ("accepted", "auto", "dana")
    assert match["explanation"].startswith("amount exact, 1 day apart")
    undone = run_cli("match", "undo", book_path, str(match["match_id"]), "--reason", "check", "--as", "lee", "--json")
    assert undone.returncode == 0, undone.stderr
    assert (json.loads(undone.stdout)["status"], json.loads(undone.stdout)["undone_by"]) == ("undone", "lee")


def test_match_accept_and_reject_suggestions(run_cli, book, book_path, tmp_path) -> None:
    """Without --auto the matcher suggests; accept and reject decide; deciding again exits 2."""
    statement = tmp_path / "jan.ofx"
    statement.write_text(ofx_text([("20260112", "-85.40", "B1", "PILOT TRAVEL CTR"),
                                   ("20260115", "-20.00", "B2", "WIRE TRANSFER")]))
    with book.unit_of_work() as s:
        pilot = add_vendor(s, "Pilot Travel Center")
        add_expense(s, 8540, date(2026, 1, 11), vendor=pilot)
        add_expense(s, 2000, date(2026, 1, 15), vendor_raw="Pioneer Tire", method=PaymentMethod.BANK)
    run_cli("statements", "import", book_path, statement)
    ran = json.loads(run_cli("match", book_path, "--json").stdout)
    ids = {m["line"]["payee"]: m["match_id"] for m in ran["matches"]}
    assert {m["status"] for m in ran["matches"]} == {"suggested"}
    assert run_cli("match", "accept", book_path, str(ids["PILOT TRAVEL CTR"])).returncode == 0
    rejected = run_cli("match", "reject", book_path, str(ids["WIRE TRANSFER"]), "--note", "not ours", "--json")
    assert json.loads(rejected.stdout)["status"] == "rejected"
    again = run_cli("match", "accept", book_path, str(ids["WIRE TRANSFER"]))
    assert again.returncode == 2 and "only a suggested match" in again.stderr


def test_wrong_account_refusal_is_json_too(run_cli, book, book_path) -> None:
    """A file for another account is refused with exit 2, and --json still prints the error as JSON."""
    assert run_cli("statements", "import", book_path, OFX_DIR / "checking.ofx", "--account", "Ops").returncode == 0
    result = run_cli("statements", "import", book_path, OFX_DIR / "bank_medium.ofx", "--account", "Ops", "--json")
    assert result.returncode == 2
    (error,) = json.loads(result.stdout)["errors"]
    assert error["code"] == "UsageError" and "'Ops' is account" in error["message"]
