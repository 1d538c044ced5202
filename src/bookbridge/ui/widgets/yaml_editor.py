"""A YAML editor with line numbers, and the validation issues listed under it with their lines.

The coding engine reports every problem of a template or rules file with its 1-based line
(``coding.reader.TemplateIssue``); the editor marks those lines, and clicking an issue puts the
cursor on its line, as a code editor does. A monospace font and no wrapping keep YAML's
indentation readable.
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QTextCursor, QTextFormat
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from bookbridge.coding.reader import Severity, TemplateIssue
from bookbridge.ui.models.record_table import tone_colour

LINE_ROLE = Qt.ItemDataRole.UserRole


class _Gutter(QWidget):
    def __init__(self, editor: "CodeEditor") -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.editor.paint_gutter(event)


class CodeEditor(QPlainTextEdit):
    """Plain text with a line-number gutter and marked problem lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabChangesFocus(False)
        self._marked: dict[int, Severity] = {}
        self._gutter = _Gutter(self)
        self.blockCountChanged.connect(lambda _n: self._update_margin())
        self.updateRequest.connect(self._scroll_gutter)
        self._update_margin()

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 12 + self.fontMetrics().horizontalAdvance("9") * max(3, digits)

    def _update_margin(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        area = self.contentsRect()
        self._gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, event) -> None:
        painter = QPainter(self._gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.alternateBase())
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                severity = self._marked.get(number + 1)
                colour = tone_colour("bad" if severity is Severity.ERROR else "warn") if severity else None
                painter.setPen(colour or palette.placeholderText().color())
                painter.drawText(0, top, self._gutter.width() - 6, self.fontMetrics().height(),
                                 Qt.AlignmentFlag.AlignRight, str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1

    def mark_lines(self, issues: Iterable[TemplateIssue]) -> None:
        """Underlay the lines with problems (errors win over warnings on one line)."""
        self._marked = {}
        for issue in issues:
            if issue.line is not None and self._marked.get(issue.line) is not Severity.ERROR:
                self._marked[issue.line] = issue.severity
        selections = []
        for line, severity in self._marked.items():
            block = self.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            colour = QColor(tone_colour("bad" if severity is Severity.ERROR else "warn"))
            colour.setAlpha(45)
            selection.format.setBackground(colour)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.setExtraSelections(selections)
        self._gutter.update()

    def go_to_line(self, line: int) -> None:
        block = self.document().findBlockByNumber(max(0, line - 1))
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus()


class YamlEditor(QWidget):
    """The editor and its issue list. ``issue_clicked(int)`` fires with a line number."""

    issue_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = CodeEditor()
        self.issues = QListWidget()
        self.issues.setObjectName("yamlIssues")
        self.issues.setMaximumHeight(120)
        self.issues.itemActivated.connect(self._jump)
        self.issues.itemClicked.connect(self._jump)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.issues)
        self.issues.hide()

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.show_issues(())

    def show_issues(self, issues: Iterable[TemplateIssue]) -> None:
        issues = list(issues)
        self.issues.clear()
        for issue in issues:
            where = f"line {issue.line}: " if issue.line is not None else ""
            kind = "Error" if issue.severity is Severity.ERROR else "Warning"
            item = QListWidgetItem(f"{kind}, {where}{issue.field + ': ' if issue.field else ''}{issue.message}")
            item.setData(LINE_ROLE, issue.line)
            item.setForeground(tone_colour("bad" if issue.severity is Severity.ERROR else "warn"))
            self.issues.addItem(item)
        self.issues.setVisible(bool(issues))
        self.editor.mark_lines(issues)

    def _jump(self, item: QListWidgetItem) -> None:
        line = item.data(LINE_ROLE)
        if line:
            self.editor.go_to_line(int(line))
            self.issue_clicked.emit(int(line))
