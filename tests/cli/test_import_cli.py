"""`bookbridge import`, `dedupe-log` and `profiles` through the real command and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
HEADER = 'Timestamp,Merchant,Amount,MCC,Category,Tag,Comment,Reimbursable,"Original Currency","Original Amount",Receipt'
FUEL = "2024-03-01 08:00:00,SHELL OIL #12345,85.40,5542,Fuel,Truck 12,,No,USD,85.40,https://x.test/r.jpg"
COFFEE = "2024-03-02 08:30:00,Blue Bottle,4.50,5814,Meals,,team coffee,Yes,,,"


@pytest.fixture
def book(tmp_path: Path, cli_env: dict[str, str]) -> Path:
    """A fresh, closed book the command will open with the test passphrase (made in-process:
    `book init` has its own tests, and each extra child process costs a second of CPU)."""
    from bookbridge.store.book import create_book

    path = tmp_path / "fleet.bbk"
    create_book(path, cli_env["BOOKBRIDGE_PASSPHRASE"], company="Fleet Co").close()
    return path


def csv_file(tmp_path: Path, *rows: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def counts(cli_env: dict[str, str], book: Path) -> dict[str, int]:
    """Row counts per table, read in-process after the command has finished."""
    from bookbridge.store.book import book_info, open_book

    with open_book(book, cli_env["BOOKBRIDGE_PASSPHRASE"]) as opened:
        return book_info(opened)["counts"]  # type: ignore[return-value]


def test_json_output_and_exit_1_when_a_row_is_rejected(run_cli, book: Path, tmp_path: Path) -> None:
    """--json prints the documented object; a rejected row gives exit 1 and its line, field and reason."""
    path = csv_file(tmp_path, FUEL, ",Nowhere,1.00,5542,Fuel,,,No,,,", COFFEE)
    result = run_cli("import", book, path, "--json")
    assert result.returncode == 1, result.stderr
    out = json.loads(result.stdout)
    assert {"new", "duplicates", "conflicts", "errors", "warnings"} <= set(out)
    assert (out["new"], out["duplicates"], out["conflicts"]) == (2, 0, 0)
    assert [(e["file"], e["line"], e["field"]) for e in out["errors"]] == [(str(path), 3, "date")]
    assert out["errors"][0]["message"]
    assert out["file"] == str(path) and out["encoding"] == "utf-8" and out["profile"] == "expensify"


def test_clean_import_exits_0_and_reimport_finds_duplicates(run_cli, cli_env, book: Path, tmp_path: Path) -> None:
    """Exit 0 when nothing is rejected; the second run reports every row as a duplicate."""
    path = csv_file(tmp_path, FUEL, COFFEE, COFFEE)
    assert run_cli("import", book, path).returncode == 0
    again = run_cli("import", book, path, "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["duplicates"] == 3
    assert counts(cli_env, book)["expenses"] == 3


def test_text_output_names_file_and_line(run_cli, book: Path, tmp_path: Path) -> None:
    """Without --json, each rejected row is printed as FILE:LINE: field: reason on stderr."""
    path = csv_file(tmp_path, FUEL, "2024-13-45 08:00:00,Bad,1.00,5542,Fuel,,,No,,,")
    result = run_cli("import", book, path)
    assert result.returncode == 1
    assert f"{path}:3: date: '2024-13-45 08:00:00' is not a date" in result.stderr
    assert "1 new, 0 duplicates, 0 conflicts, 1 rejected" in result.stdout


def test_strict_rejects_the_file_with_exit_1(run_cli, cli_env, book: Path, tmp_path: Path) -> None:
    """--strict with a bad row imports nothing and exits 1; the rejected batch is on record."""
    before = counts(cli_env, book)
    result = run_cli("import", book, csv_file(tmp_path, FUEL, ",x,1,,,,,No,,,"), "--strict", "--json")
    assert result.returncode == 1 and json.loads(result.stdout)["strict_rejected"] is True
    after = counts(cli_env, book)
    assert after["expenses"] == before["expenses"] == 0 and after["import_batches"] == 1


def test_dry_run_writes_nothing(run_cli, cli_env, book: Path, tmp_path: Path) -> None:
    """--dry-run reports what would happen, with the same exit codes, and changes no table."""
    before = counts(cli_env, book)
    result = run_cli("import", book, csv_file(tmp_path, FUEL, COFFEE), "--dry-run", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["new"] == 2
    assert json.loads(result.stdout)["dry_run"] is True and counts(cli_env, book) == before


@pytest.mark.parametrize(
    "args,message",
    [
        (["missing.csv"], "no such file"),
        (["{csv}", "--profile", "quickbooks"], "There is no profile 'quickbooks'"),
        (["{csv}", "--source", "Bad Source"], "Source name"),
        (["{csv}", "--receipts", "/no/such/folder"], "receipts folder"),
    ],
)
def test_usage_and_file_errors_exit_2_and_change_nothing(run_cli, cli_env, book: Path, tmp_path: Path, args: list[str],
                                                         message: str) -> None:
    """A missing file, unknown profile, bad source or receipts folder exits 2 with nothing written."""
    path = csv_file(tmp_path, FUEL)
    argv = [str(path) if a == "{csv}" else str(tmp_path / a) if a == "missing.csv" else a for a in args]
    result = run_cli("import", book, *argv)
    assert result.returncode == 2 and message in result.stderr
    assert counts(cli_env, book)["import_batches"] == 0


def test_wrong_passphrase_exits_2_and_leaves_the_file_alone(run_cli, cli_env, book: Path, tmp_path: Path) -> None:
    """A wrong passphrase is one line, exit 2, and the book's bytes do not change."""
    before = book.read_bytes()
    result = run_cli("import", book, csv_file(tmp_path, FUEL), env=dict(cli_env, BOOKBRIDGE_PASSPHRASE="wrong one!"))
    assert result.returncode == 2 and "Wrong passphrase" in result.stderr
    assert book.read_bytes() == before


@pytest.mark.parametrize(
    "name,new,rejected",
    [("expensify_tricky.csv", 7, 3), ("tms_feed.json", 5, 2), ("tms_feed.xml", 3, 1), ("tms.csv", 6, 0),
     ("concur_entries.json", 3, 0)],
)
def test_handwritten_tricky_files(run_cli, book: Path, name: str, new: int, rejected: int) -> None:
    """Each tricky file imports the rows it should and rejects the ones it should, with lines."""
    result = run_cli("import", book, DATA / name, "--json")
    out = json.loads(result.stdout)
    assert (out["new"], out["rejected"]) == (new, rejected), out["errors"]
    assert result.returncode == (1 if rejected else 0)
    assert all(isinstance(e["line"], int) and e["line"] > 1 for e in out["errors"])


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_unsafe_xml_exits_2_naming_the_file(run_cli, book: Path, name: str) -> None:
    """Entity bombs and external entities are refused with exit 2 and a message naming the file."""
    result = run_cli("import", book, DATA / name)
    assert result.returncode == 2 and str(DATA / name) in result.stderr and "refused" in result.stderr


def test_saved_profile_reads_a_german_bank_export(run_cli, book: Path) -> None:
    """profiles save/list/show, then an import with it: cp1252, ';', decimal comma, day-first dates."""
    saved = run_cli("profiles", "save", book, "sparkasse", "--column", "date=Buchungstag", "--column",
                    "vendor=Empfänger", "--column", "amount=Betrag", "--column", "currency=Währung", "--column",
                    "memo=Verwendungszweck", "--date-format", "%d.%m.%Y", "--decimal-sep", ",", "--thousands-sep",
                    ".", "--expense-negative")
    assert saved.returncode == 0, saved.stderr
    listed = json.loads(run_cli("profiles", "list", book, "--json").stdout)
    assert [p["name"] for p in listed if not p["builtin"]] == ["sparkasse"]
    shown = json.loads(run_cli("profiles", "show", book, "sparkasse").stdout)
    assert shown["columns"]["date"] == ["Buchungstag"] and shown["decimal_sep"] == ","
    result = run_cli("import", book, DATA / "bank_de_cp1252.csv", "--profile", "sparkasse", "--json")
    out = json.loads(result.stdout)
    assert (out["new"], out["rejected"], out["encoding"], out["delimiter"]) == (4, 1, "cp1252", ";")
    assert "encoding_fallback" in [w["code"] for w in out["warnings"]]


def test_profile_save_refuses_bad_definitions(run_cli, book: Path) -> None:
    """A bad option is refused with exit 2 and the reason."""
    result = run_cli("profiles", "save", book, "mine", "--column", "datum=Date")
    assert result.returncode == 2 and "not a field" in result.stderr


def test_dedupe_log_shows_decisions_with_filters(run_cli, book: Path, tmp_path: Path) -> None:
    """Every decision is listed with key, rule and time; --outcome and --batch filter it."""
    path = csv_file(tmp_path, FUEL, COFFEE)
    run_cli("import", book, path)
    run_cli("import", book, path)
    everything = json.loads(run_cli("dedupe-log", book, "--json").stdout)
    assert everything["total"] == 4
    entry = everything["entries"][0]
    assert {"key", "rule", "outcome", "decided_at", "line", "expense_id", "matched_expense_id"} <= set(entry)
    duplicates = json.loads(run_cli("dedupe-log", book, "--json", "--outcome", "duplicate").stdout)
    assert [e["batch_id"] for e in duplicates["entries"]] == [2, 2]
    assert all(e["matched_expense_id"] for e in duplicates["entries"])
    first = json.loads(run_cli("dedupe-log", book, "--json", "--batch", "1").stdout)
    assert {e["outcome"] for e in first["entries"]} == {"new"}
    text = run_cli("dedupe-log", book)
    assert text.returncode == 0 and "content+occurrence:seen" in text.stdout


def test_receipts_folder_from_the_command_line(run_cli, book: Path, tmp_path: Path) -> None:
    """--receipts DIR attaches a named receipt file and reports it."""
    folder = tmp_path / "receipts"
    folder.mkdir()
    (folder / "r1.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    path = csv_file(tmp_path, "2024-03-01 08:00:00,Hotel,120.00,7011,Lodging,,,Yes,,,r1.pdf")
    out = json.loads(run_cli("import", book, path, "--receipts", folder, "--json").stdout)
    assert (out["receipts_stored"], out["receipts_linked"], out["warnings"]) == (1, 1, [])
