"""Reading XML TMS feeds safely and incrementally.

Shape: any root element whose children are records; a record's attributes and child elements
(nested ones as dotted names) are its fields, named as in the ``tms`` profile::

    <tms-feed>
      <record id="F-1001"><date>2024-03-01</date><type>fuel</type><amount>85.40</amount>...</record>
    </tms-feed>

Parsing goes through defusedxml's SAX driver: entity declarations (the "billion laughs" bomb) and
external references (XXE: reading local files or URLs) are refused before anything expands, and
the whole file is refused with a message naming it. SAX also gives each record's line number, and
the file is fed in chunks so memory does not grow with it.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any, Generator
from xml.sax import SAXParseException
from xml.sax.expatreader import ExpatLocator
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser

from bookbridge.core.errors import ImportFileError
from bookbridge.ingest.model import FileInfo, RawRecord
from bookbridge.ingest.normalise import column_key

CHUNK = 64 * 1024
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


class _FeedHandler(ContentHandler):
    """Collects records (the root's children) with the line each one starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.ready: deque[RawRecord] = deque()
        self._locator: Locator | None = None
        self._depth = 0
        self._line = 0
        self._path: list[str] = []
        self._text: list[str] = []
        self._values: dict[str, str] = {}
        self._original: dict[str, Any] = {}

    def setDocumentLocator(self, locator: Locator) -> None:
        self._locator = locator

    def _put(self, name: str, value: str) -> None:
        value = value.strip()
        if value:
            self._values[column_key(name)] = value
            self._original[name] = value

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        self._depth += 1
        local = name.rsplit(":", 1)[-1]
        if self._depth == 2:
            self._line = (self._locator.getLineNumber() if self._locator else None) or 0
            self._values, self._original, self._path = {}, {}, []
            for attr, value in attrs.items():
                self._put(attr.rsplit(":", 1)[-1], value)
        elif self._depth > 2:
            self._path.append(local)
            for attr, value in attrs.items():
                self._put(".".join([*self._path, attr.rsplit(":", 1)[-1]]), value)
        self._text = []

    def characters(self, content: str) -> None:
        if self._depth > 2:
            self._text.append(content)

    def endElement(self, name: str) -> None:
        if self._depth > 2:
            self._put(".".join(self._path), "".join(self._text))
            self._path.pop()
            self._text = []
        elif self._depth == 2:
            self.ready.append(RawRecord(self._line, self._values, self._original))
        self._depth -= 1


class XmlReader:
    """Streams the records of an XML feed; refuses entity declarations and external references."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise ImportFileError(f"Cannot read {path}: no such file.", str(path))
        first = self.records()
        try:
            record = next(first, None)  # reads only the first chunk(s): refuses a bomb up front
        finally:
            first.close()
        self.keys_hint: tuple[str, ...] = tuple(record.values) if record else ()

    def info(self, profile: str) -> FileInfo:
        return FileInfo(str(self.path), "xml", self._declared_encoding(), None, None, profile)

    def _declared_encoding(self) -> str:
        """The encoding the XML declaration names (UTF-8 when it names none, as XML says)."""
        with open(self.path, "rb") as fh:
            head = fh.read(200)
        match = _DECLARED_ENCODING.search(head)
        return match.group(1).decode("ascii").lower() if match else "utf-8"

    def records(self) -> Generator[RawRecord, None, None]:
        handler = _FeedHandler()
        parser = create_parser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
        parser.setContentHandler(handler)
        # feed() (unlike parse()) does not hand the handler a locator; line numbers need one.
        handler.setDocumentLocator(ExpatLocator(parser))
        try:
            with open(self.path, "rb") as fh:
                for chunk in iter(lambda: fh.read(CHUNK), b""):
                    parser.feed(chunk)
                    while handler.ready:
                        yield handler.ready.popleft()
                parser.close()
        except DefusedXmlException as exc:
            raise ImportFileError(
                f"{self.path} was refused: it declares XML entities or refers to external resources "
                f"({type(exc).__name__}). Bookbridge never expands entities or fetches external "
                "references in imported files; export the feed without a DTD.",
                str(self.path),
            ) from None
        except SAXParseException as exc:
            raise ImportFileError(
                f"{self.path} is not well-formed XML: {exc.getMessage()} (line {exc.getLineNumber()}).",
                str(self.path),
            ) from None
        except OSError as exc:
            raise ImportFileError(f"Cannot read {self.path}: {exc.strerror or exc}.", str(self.path)) from None
        while handler.ready:
            yield handler.ready.popleft()
