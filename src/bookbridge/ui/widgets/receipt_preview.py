"""A receipt shown as it is: an image, the first page of a PDF, or a plain sentence why not."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from bookbridge.ui.models.expense_detail import ReceiptInfo

PREVIEW_WIDTH = 360


def render_pdf_first_page(data: bytes, width: int = PREVIEW_WIDTH) -> QImage | None:
    """The first page of a PDF as an image ``width`` pixels wide, or None when it cannot be read.

    PDFium (pypdfium2) renders it: QtPdf ships only with PySide6 builds we cannot use on 3.11.
    """
    import io

    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        if len(document) < 1:
            return None
        page = document[0]
        page_width, _ = page.get_size()
        if page_width <= 0:
            return None
        picture = page.render(scale=width / page_width).to_pil()
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
    finally:
        document.close()
    image = QImage.fromData(buffer.getvalue(), "PNG")
    return None if image.isNull() else image


class ReceiptPreview(QWidget):
    """Shows one receipt; :attr:`kind` says what is shown (image, pdf, link, message, none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("receiptPreview")
        self.picture = QLabel()
        self.picture.setObjectName("receiptPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.caption = QLabel()
        self.caption.setObjectName("receiptCaption")
        self.caption.setWordWrap(True)
        self.caption.setOpenExternalLinks(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)
        self.kind = "none"
        self.show_receipts(())

    def show_receipts(self, receipts: tuple[ReceiptInfo, ...]) -> None:
        self.picture.clear()
        self.picture.hide()
        if not receipts:
            self._message("none", "No receipt is attached.")
            return
        first = receipts[0]
        more = f" (+{len(receipts) - 1} more)" if len(receipts) > 1 else ""
        name = first.file_name or "receipt"
        if first.url:
            self.kind = "link"
            self.caption.setText(f'Receipt kept as a link: <a href="{first.url}">{first.url}</a>{more}')
            return
        if first.content is None:
            self._message("message", f"{name} is too large to preview here{more}.")
            return
        mime = (first.mime_type or "").lower()
        if mime == "application/pdf" or name.lower().endswith(".pdf"):
            self._show_pdf(first.content, name, more)
        else:
            self._show_image(first.content, name, more)

    def _message(self, kind: str, text: str) -> None:
        self.kind = kind
        self.caption.setText(text)

    def _show_image(self, data: bytes, name: str, more: str) -> None:
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            self._message("message", f"{name} is not an image Bookbridge can show{more}.")
            return
        self._set_picture(pixmap, "image", f"{name}{more}")

    def _show_pdf(self, data: bytes, name: str, more: str) -> None:
        image = render_pdf_first_page(data)
        if image is None:
            self._message("message", f"{name} is a PDF that could not be read{more}.")
            return
        self._set_picture(QPixmap.fromImage(image), "pdf", f"{name}, page 1{more}")

    def _set_picture(self, pixmap: QPixmap, kind: str, caption: str) -> None:
        if pixmap.width() > PREVIEW_WIDTH:
            pixmap = pixmap.scaledToWidth(PREVIEW_WIDTH, Qt.TransformationMode.SmoothTransformation)
        self.picture.setPixmap(pixmap)
        self.picture.show()
        self.kind = kind
        self.caption.setText(caption)
