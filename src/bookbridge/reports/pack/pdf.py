"""The pack as a PDF (reportlab platypus), written from a snapshot only.

Layout: A4 landscape so the wide tables fit; a cover with what the pack is and which book it came
from; one chapter per section, each table with its header row repeated on every page it spans
and its totals in bold; an appendix of receipt images scaled into a fixed box. Every page has a
header and a "Page n of m" footer; the document outline lists the chapters. The PDF is written
with reportlab's invariant mode, so the same snapshot always gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate, Flowable, Frame, Image, KeepTogether, PageBreak, PageTemplate, Paragraph, Spacer, Table as RLTable,
    TableStyle,
)

from bookbridge.reports.pack.model import PackSnapshot, ReceiptImage, Table, when_text

PAGE = landscape(A4)
MARGIN = 1.5 * cm
IMAGE_BOX = (12 * cm, 13 * cm)  # the most a receipt may take on the page (width, height)
STATUS_COLOURS = {"OK": colors.HexColor("#dff0d8"), "ATTENTION": colors.HexColor("#fcf8e3"),
                  "BLOCKER": colors.HexColor("#f2dede")}

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("PackTitle", parent=_base["Title"], fontSize=24, leading=30, spaceAfter=12),
    "company": ParagraphStyle("PackCompany", parent=_base["Title"], fontSize=18, leading=22),
    "h1": ParagraphStyle("PackH1", parent=_base["Heading1"], fontSize=15, leading=19, spaceAfter=4),
    "h2": ParagraphStyle("PackH2", parent=_base["Heading2"], fontSize=11, leading=14, spaceBefore=10, spaceAfter=4,
                         keepWithNext=1),
    "body": ParagraphStyle("PackBody", parent=_base["BodyText"], fontSize=9, leading=12),
    "cell": ParagraphStyle("PackCell", parent=_base["BodyText"], fontSize=7, leading=8.6),
    "head": ParagraphStyle("PackHead", parent=_base["BodyText"], fontSize=7, leading=8.6, fontName="Helvetica-Bold"),
    "total": ParagraphStyle("PackTotal", parent=_base["BodyText"], fontSize=7, leading=8.6, fontName="Helvetica-Bold"),
}
STYLES["cell_right"] = ParagraphStyle("PackCellRight", parent=STYLES["cell"], alignment=2)
STYLES["total_right"] = ParagraphStyle("PackTotalRight", parent=STYLES["total"], alignment=2)


def _numbered_canvas(page_counts: list[int], footer: str) -> type[Canvas]:
    """A canvas that waits until the end to write "Page n of m" on every page."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 7)
                self.setFillColor(colors.grey)
                self.drawString(MARGIN, 0.8 * cm, footer)
                self.drawRightString(PAGE[0] - MARGIN, 0.8 * cm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            page_counts.append(total)
            super().save()

    return NumberedCanvas


class _PackDocument(BaseDocTemplate):
    """Adds an outline entry (PDF bookmark) for every chapter and table heading."""

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        if isinstance(flowable, Paragraph) and flowable.style.name in ("PackH1", "PackH2"):
            level = 0 if flowable.style.name == "PackH1" else 1
            key = f"h{self.seq.nextf('heading')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=level > 0)


def _p(text: str, style: str = "cell") -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def _table(table: Table, width: float) -> list[Flowable]:
    flowables: list[Flowable] = [_p(table.title, "h2")]
    if not table.rows:
        return flowables + [_p(table.empty_text, "body")]
    weights = table.widths or tuple(1.0 for _ in table.columns)
    scale = width / sum(weights)
    header = [_p(c, "head") for c in table.columns]
    body = [[_p(cell, "cell_right" if n in table.numeric else "cell") for n, cell in enumerate(row)]
            for row in table.rows]
    totals = [[_p(cell, "total_right" if n in table.numeric else "total") for n, cell in enumerate(row)]
              for row in table.totals]
    grid = RLTable([header] + body + totals, colWidths=[w * scale for w in weights], repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b0b0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if totals:
        first = 1 + len(body)
        style += [("LINEABOVE", (0, first), (-1, first), 0.8, colors.black),
                  ("BACKGROUND", (0, first), (-1, -1), colors.HexColor("#f4f4f4"))]
        for n, row in enumerate(table.totals, start=first):
            # Let the "Total USD (7)" label run over the empty cells after it instead of wrapping.
            filled = next((col for col in range(1, len(row)) if row[col]), len(row))
            if filled > 1:
                style.append(("SPAN", (0, n), (filled - 1, n)))
    if table.name == "checklist":
        for n, row in enumerate(table.rows, start=1):
            style.append(("BACKGROUND", (2, n), (2, n), STATUS_COLOURS.get(row[2], colors.white)))
    grid.setStyle(TableStyle(style))
    return flowables + [grid]


def _cover(snapshot: PackSnapshot, width: float) -> list[Flowable]:
    c = snapshot.cover
    checklist = snapshot.checklist
    counts = checklist.as_dict()["counts"]
    if c.signed_off:
        signoff = f"Signed off by {c.signed_off_by} on {when_text(c.signed_off_at)}"
    else:
        signoff = "NOT SIGNED OFF: this pack is a draft of an open month"
    facts = [
        ("Company", f"{c.company} (home currency {c.home_currency})"),
        ("Period", f"{c.period}: {c.period_start.isoformat()} to {c.period_end.isoformat()}"),
        ("Prepared by", c.preparer),
        ("Generated", when_text(c.generated_at)),
        ("Sign-off", signoff),
        ("Checklist at sign-off (SHA-256)", c.signoff_checklist_sha256 or "—"),
        ("Checklist now", f"{checklist.overall.value.upper()}: {counts['ok']} ok, {counts['attention']} attention, "
                          f"{counts['blocker']} blocker"),
        ("Book file", c.book_file),
        ("Book id", c.book_id),
        ("Book fingerprint (SHA-256)", c.book_fingerprint),
        ("Schema version", c.schema_version),
        ("Accounting-system figures", c.accounting_source),
    ]
    grid = RLTable([[_p(k, "head"), _p(v, "body")] for k, v in facts], colWidths=[6 * cm, width - 6 * cm])
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b0b0")),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    contents = ", ".join(s.title for s in snapshot.sections)
    return [
        _p("Month-end reconciliation pack", "title"), _p(c.company, "company"), Spacer(1, 0.6 * cm), grid,
        Spacer(1, 0.5 * cm), _p(f"Contents: {contents}.", "body"), Spacer(1, 0.3 * cm),
        _p("The SHA-256 of this file is recorded in the book's audit log (action pack.written) when it is written; "
           "recompute it to prove the pack was not altered.", "body"),
    ]


def _receipt(receipt: ReceiptImage) -> list[Flowable]:
    caption = _p(f"{receipt.caption} — {receipt.file_name}", "h2")
    if receipt.content is None:
        return [KeepTogether([caption, _p(f"{receipt.mime_type} receipt, not drawn here; SHA-256 {receipt.sha256}. "
                                          "The file is kept in the book.", "body")])]
    try:
        natural_w, natural_h = ImageReader(io.BytesIO(receipt.content)).getSize()
    except (OSError, ValueError) as exc:  # a damaged image must not stop the pack; the page says so
        return [KeepTogether([caption, _p(f"The image could not be drawn ({exc}); SHA-256 {receipt.sha256}.", "body")])]
    ratio = min(IMAGE_BOX[0] / natural_w, IMAGE_BOX[1] / natural_h)  # fit the box, keep the proportions
    image = Image(io.BytesIO(receipt.content), width=natural_w * ratio, height=natural_h * ratio)
    image.hAlign = "LEFT"
    return [KeepTogether([caption, image, _p(f"SHA-256 {receipt.sha256}", "cell"), Spacer(1, 0.4 * cm)])]


def render_pdf(snapshot: PackSnapshot, path: Path) -> int:
    """Write the pack to ``path``; returns its number of pages."""
    c = snapshot.cover
    pages: list[int] = []
    frame_w, frame_h = PAGE[0] - 2 * MARGIN, PAGE[1] - 2 * MARGIN - 0.6 * cm
    doc = _PackDocument(str(path), pagesize=PAGE, invariant=1, title=f"Reconciliation pack {c.company} {c.period}",
                        author=c.preparer, subject=f"Month-end {c.period}", creator="Bookbridge")
    header = f"{c.company} — reconciliation pack {c.period}"

    def decorate(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, PAGE[1] - 0.9 * cm, header)
        canvas.drawRightString(PAGE[0] - MARGIN, PAGE[1] - 0.9 * cm, "draft" if not c.signed_off else "signed off")
        canvas.restoreState()

    frame = Frame(MARGIN, MARGIN, frame_w, frame_h, id="body")
    doc.addPageTemplates([PageTemplate(id="pack", frames=[frame], onPage=decorate)])
    story: list[Flowable] = _cover(snapshot, frame_w)
    for section in snapshot.sections:
        story += [PageBreak(), _p(section.title, "h1"), _p(section.intro, "body")]
        for table in section.tables:
            story += _table(table, frame_w)
    for receipt in snapshot.receipts:
        story += _receipt(receipt)
    footer = f"Generated {when_text(c.generated_at)} by {c.preparer} · book {c.book_fingerprint[:16]}…"
    doc.build(story, canvasmaker=_numbered_canvas(pages, footer))
    return pages[0]
