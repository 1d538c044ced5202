"""Real input files for the GUI tests: an Expensify-layout CSV with receipt files beside it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QImage

HEADER = "Timestamp,Merchant,Amount,MCC,Category,Tag,Comment,Reimbursable,Original Currency,Original Amount,Receipt"
ROWS = [
    "2026-01-05 08:10:00,Shell,84.20,5541,Fuel,T-12,diesel top-up,no,USD,84.20,shell.png",
    "2026-01-06 12:30:00,Denny's,23.75,5812,Meals,,lunch with driver,yes,USD,23.75,dennys.pdf",
    "2026-01-07 19:45:00,Marriott,612.00,7011,Lodging,,two nights,no,USD,612.00,",
    "2026-01-08 07:05:00,Pilot Flying J,150.10,5541,Fuel,T-07,,no,USD,150.10,",
]
BAD_ROW = "not a date,Staples,12.00,5943,Office supplies,,,no,USD,12.00,"


def write_png(path: Path, colour: str = "#2a9d8f") -> Path:
    image = QImage(120, 160, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path), "PNG")
    return path


def write_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A6
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A6)
    pdf.drawString(20, 300, "Denny's #4471 - lunch 23.75")
    pdf.showPage()
    pdf.save()
    return path


def expensify_csv(folder: Path, *, bad_row: bool = True, name: str = "expensify.csv") -> Path:
    """Write the CSV (and the receipts it names) into ``folder``; returns the CSV path."""
    write_png(folder / "shell.png")
    write_pdf(folder / "dennys.pdf")
    lines = [HEADER, *ROWS] + ([BAD_ROW] if bad_row else [])
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
