"""The whole path through the real widgets: create a book → import a CSV through the preview → publish a
template → approve → connect to a QBO sandbox → sync → the dashboard's posted count → reconcile a
statement → generate the pack (PDF on disk, the company in its text).

The Expensify file's lunch was paid by a driver but names no employee, so the sync holds it in the
exception queue (as it must) and posts the three card expenses the statement then settles."""

from __future__ import annotations

import subprocess
import time

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bookbridge.store.models import Expense
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.settings import set_preference
from tests.ui.conftest import settle
from tests.ui.import_files import expensify_csv

TEMPLATE = """\
template: Whole path
effective_from: 2026-01-01
credit_accounts: {company_card: "2110", reimbursable: "2300", bill: "2000", bank: "1000", cash: "1000"}
mappings:
  - category: Fuel
    account: "6200"
  - category: Meals
    account: "6110"
  - category: Lodging
    account: "6120"
"""
POLICY = """\
levels:
  - name: manager
    approvers: {names: [Pat Approver]}
"""
COMPANY = "Whole Path Haulage"


def _card_statement(path) -> None:
    """The company card's January: the three card expenses, posted a day later, plus a card fee."""
    rows = [("20260106", "-84.20", "W-1", "SHELL OIL 5521"), ("20260108", "-612.00", "W-2", "MARRIOTT NYC"),
            ("20260109", "-150.10", "W-3", "PILOT #0412"), ("20260131", "-9.00", "W-4", "CARD FEE")]
    body = "".join(f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{d}120000<TRNAMT>{a}<FITID>{f}<NAME>{n}</STMTTRN>\n"
                   for d, a, f, n in rows)
    path.write_text(
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1"
        "<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>4111111111110005"
        f"</CCACCTFROM>\n<BANKTRANLIST><DTSTART>20260101<DTEND>20260131\n{body}</BANKTRANLIST>"
        "</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n")


def _activate(qtbot, window: MainWindow) -> None:
    """A closed dialog leaves no active window offscreen; keyboard shortcuts need the main window active."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def _statuses(book) -> dict[str, int]:
    with book.read() as session:
        return {s.value: n for s, n in session.execute(sa.select(Expense.status, sa.func.count()).group_by(Expense.status))}


def test_whole_path_from_a_new_book_to_the_month_end_pack(qtbot, tmp_path) -> None:
    """Every step of a bookkeeper's month runs through the GUI and ends in a pack naming the company."""
    started = time.monotonic()
    from bookbridge.coding.approval_policy import parse_policy_text
    from bookbridge.coding.approvals import replace_policy

    set_preference("actor_name", "Pat Approver")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()

    # 1. create the book in the open-or-create dialog
    dialog = window.show_open_dialog()
    dialog.tabs.setCurrentIndex(1)
    dialog.create_path.setText(str(tmp_path / "haulage.bbk"))
    dialog.company.setText(COMPANY)
    dialog.new_passphrase.setText("a long whole path passphrase")
    dialog.confirm_passphrase.setText("a long whole path passphrase")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.book is not None, timeout=15_000)
    book = window.book
    assert book.company().name == COMPANY
    replace_policy(book, parse_policy_text(POLICY), actor="Olga Owner")  # no policy editor in the app yet

    # 2. import the CSV through its preview
    folder = tmp_path / "inbox"
    folder.mkdir()
    csv = expensify_csv(folder)
    imports = window.go_to("import")
    imports.add_files([csv])
    qtbot.waitUntil(lambda: str(csv.resolve()) in imports.previews, timeout=15_000)
    assert imports.import_button.text() == "Import 4 expenses"
    qtbot.mouseClick(imports.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(csv.resolve()) in imports.results, timeout=15_000)
    assert _statuses(book) == {"imported": 4}

    # 3. publish a template in the Mappings editor (the publish codes the expenses)
    mappings = window.go_to("mappings")
    settle(qtbot, window)
    mappings.editor.set_text(TEMPLATE)
    mappings.save()
    qtbot.waitUntil(lambda: mappings.state is not None and mappings.state.draft_base == 0, timeout=15_000)
    settle(qtbot, window)
    publish = mappings.open_publish()
    qtbot.addWidget(publish)
    qtbot.waitUntil(lambda: publish.publish_button.isEnabled(), timeout=15_000)
    with qtbot.waitSignal(publish.published, timeout=30_000):
        qtbot.mouseClick(publish.publish_button, Qt.MouseButton.LeftButton)
    assert _statuses(book) == {"awaiting_approval": 4}

    # 4. approve the four with the keyboard
    _activate(qtbot, window)
    approvals = window.go_to("approvals")
    qtbot.waitUntil(lambda: approvals.model.rowCount() == 4, timeout=15_000)
    for remaining in (3, 2, 1, 0):
        approvals.select_row(0)
        approvals.table.setFocus()
        qtbot.keyClick(approvals.table, Qt.Key.Key_A)
        qtbot.waitUntil(lambda r=remaining: _statuses(book).get("awaiting_approval", 0) == r, timeout=15_000)
        qtbot.waitUntil(lambda r=remaining: approvals.model.rowCount() == r and not approvals._busy, timeout=15_000)
    assert _statuses(book) == {"approved": 4}

    # 5. connect to a QBO sandbox started inside the app, 6. sync
    connections = window.go_to("connections")
    settle(qtbot, window)
    qtbot.mouseClick(connections.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: connections.model.rowCount() == 1 and connections.model.item(0).ok, timeout=20_000)
    sync = window.go_to("sync")
    qtbot.waitUntil(lambda: sync.sync_button.isEnabled(), timeout=15_000)
    qtbot.mouseClick(sync.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync.outcome is not None, timeout=60_000)
    # Denny's was paid by the driver but the export names no employee: held in the exception queue.
    assert sync.outcome.posted == 3 and sync.outcome.exceptions == 1
    assert _statuses(book) == {"posted": 3, "approved": 1} and sync.show_exceptions.isVisible()

    # 7. the dashboard shows the posted count
    dashboard = window.go_to("dashboard")
    qtbot.waitUntil(lambda: "posted" in dashboard.status_buttons
                    and dashboard.status_buttons["posted"].text().startswith("3\n"), timeout=15_000)
    assert "3 posted" in window.status_sync.text()

    # 8. reconcile the card statement: accept the three suggestions, explain the fee
    statement = tmp_path / "card-2026-01.ofx"
    _card_statement(statement)
    reconcile = window.go_to("reconcile")
    settle(qtbot, window)
    reconcile.import_statement(statement, account="Company card")
    qtbot.waitUntil(lambda: reconcile.view is not None and reconcile.view.period == "2026-01"
                    and len(reconcile.view.lines) == 4 and not reconcile._busy, timeout=20_000)
    settle(qtbot, window)
    for _ in range(3):
        line = next(l for l in reconcile.model.items() if l.status == "unmatched" and l.suggestions)
        reconcile.table.selectRow(reconcile.proxy.mapFromSource(
            reconcile.model.index(reconcile.model.items().index(line), 0)).row())
        reconcile.table.setFocus()
        qtbot.keyClick(reconcile.table, Qt.Key.Key_A)
        qtbot.waitUntil(lambda: not reconcile._busy, timeout=15_000)
        settle(qtbot, window)
    fee = next(l for l in reconcile.model.items() if l.status == "unmatched")
    reconcile.explain_line(fee.id, "card fee, booked by the bank")
    qtbot.waitUntil(lambda: reconcile.view is not None and not reconcile._busy
                    and {l.status for l in reconcile.view.lines} == {"matched", "explained"}, timeout=15_000)
    lines_check = next(i for i in reconcile.view.checklist.items if i.code == "lines_matched")
    assert lines_check.status.value == "ok"

    # 9. generate the pack: the PDF exists and names the company
    output = tmp_path / "january-pack.pdf"
    reconcile.pack.open_when_done = False
    reconcile.generate_pack(output)
    with qtbot.waitSignal(reconcile.pack.written, timeout=60_000):
        pass
    text = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True, check=True).stdout
    assert output.stat().st_size > 10_000 and COMPANY in text and "2026-01" in text
    print(f"\nwhole path: {time.monotonic() - started:.1f} s")
    settle(qtbot, window)
    window.close()
