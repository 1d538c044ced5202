"""A calm, centred message for a page or a panel with nothing to show yet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    """A headline, one or two sentences, and optionally one button."""

    def __init__(self, headline: str, explanation: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.headline = QLabel(headline)
        self.headline.setObjectName("emptyHeadline")
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.headline.setFont(font)
        self.explanation = QLabel(explanation)
        self.explanation.setObjectName("emptyExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.setMaximumWidth(520)
        for label in (self.headline, self.explanation):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QVBoxLayout(self)
        self._layout.addStretch(1)
        self._layout.addWidget(self.headline, alignment=Qt.AlignmentFlag.AlignHCenter)
        self._layout.addWidget(self.explanation, alignment=Qt.AlignmentFlag.AlignHCenter)
        self._layout.addStretch(2)
        self.button: QPushButton | None = None

    def set_text(self, headline: str, explanation: str = "") -> None:
        self.headline.setText(headline)
        self.explanation.setText(explanation)

    def add_button(self, text: str) -> QPushButton:
        """Add the one action this state offers; connect its ``clicked``."""
        self.button = QPushButton(text)
        self.button.setObjectName("emptyAction")
        self._layout.insertWidget(3, self.button, alignment=Qt.AlignmentFlag.AlignHCenter)
        return self.button
