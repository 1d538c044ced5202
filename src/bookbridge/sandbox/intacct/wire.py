"""Reading Intacct request documents and writing answers, with defusedxml and ElementTree.

Requests are validated as far as the gateway does before running anything: a ``request`` root,
a ``control`` block with ``senderid``, ``password``, ``controlid`` and ``dtdversion`` 3.0, one
``operation`` with ``authentication`` and ``content``, each ``function`` with a ``controlid``.
Anything else is an ``XL03000003`` parse error for the whole request, as Intacct answers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from bookbridge.sandbox.intacct.errors import ErrorItem, parse_error

DTD_VERSION = "3.0"


@dataclass(frozen=True, slots=True)
class Function:
    controlid: str
    name: str
    node: Element = field(repr=False)


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    senderid: str
    sender_password: str = field(repr=False)
    controlid: str
    uniqueid: bool
    login: dict[str, str] | None = field(repr=False)
    sessionid: str | None = field(repr=False)
    functions: tuple[Function, ...]
    transaction: bool = False


def _text(node: Element | None, name: str) -> str | None:
    if node is None:
        return None
    child = node.find(name)
    return None if child is None else (child.text or "").strip()


def parse_request(body: bytes) -> ParsedRequest:
    """Read a request document.

    Raises:
        RequestFailure: ``XL03000003`` for anything the gateway would not accept.
    """
    try:
        root = ElementTree.fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise parse_error(str(exc)) from None
    if root.tag != "request":
        raise parse_error(f"the root element is <{root.tag}>, expected <request>")
    control = root.find("control")
    if control is None:
        raise parse_error("Element control is missing")
    for name in ("senderid", "password", "controlid", "dtdversion"):
        if _text(control, name) is None:
            raise parse_error(f"Element {name} is missing in control")
    if _text(control, "dtdversion") != DTD_VERSION:
        raise parse_error(f"dtdversion {_text(control, 'dtdversion')} is not supported; use {DTD_VERSION}")
    operation = root.find("operation")
    if operation is None:
        raise parse_error("Element operation is missing")
    authentication = operation.find("authentication")
    content = operation.find("content")
    if authentication is None or content is None:
        raise parse_error("Element authentication or content is missing in operation")
    login_node = authentication.find("login")
    login = None
    if login_node is not None:
        login = {name: _text(login_node, name) or "" for name in ("userid", "companyid", "password", "locationid")}
    sessionid = _text(authentication, "sessionid")
    if login is None and sessionid is None:
        raise parse_error("authentication needs login or sessionid")
    functions = []
    for node in content.findall("function"):
        controlid = node.get("controlid")
        children = list(node)
        if not controlid or len(children) != 1:
            raise parse_error("each function needs a controlid attribute and exactly one operation element")
        functions.append(Function(controlid, children[0].tag, children[0]))
    uniqueid = (_text(control, "uniqueid") or "true").lower() != "false"  # true is the documented default
    return ParsedRequest(
        senderid=_text(control, "senderid") or "", sender_password=_text(control, "password") or "",
        controlid=_text(control, "controlid") or "", uniqueid=uniqueid, login=login, sessionid=sessionid,
        functions=tuple(functions), transaction=operation.get("transaction", "false").lower() == "true",
    )


def fields_of(node: Element) -> dict[str, Any]:
    """An element's children as a dict (leaves as text, repeated elements as lists)."""
    out: dict[str, Any] = {}
    for child in node:
        value: Any = fields_of(child) if len(child) else (child.text or "").strip()
        if child.tag in out:
            existing = out[child.tag]
            out[child.tag] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            out[child.tag] = value
    return out


# --- answers ------------------------------------------------------------------------------------


def fill(parent: Element, value: Any) -> None:
    """Write nested data under ``parent`` (dicts become children, lists repeat, scalars are text)."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            if isinstance(child, list):
                for item in child:
                    fill(SubElement(parent, key), item)
            else:
                fill(SubElement(parent, key), child)
    elif value is not None:
        parent.text = str(value)


def error_message(parent: Element, errors: Iterable[ErrorItem]) -> None:
    message = SubElement(parent, "errormessage")
    for item in errors:
        fill(SubElement(message, "error"), {"errorno": item.errorno, "description": item.description,
                                             "description2": item.description2, "correction": item.correction})


def control_block(parent: Element, request: ParsedRequest | None, status: str) -> None:
    control = SubElement(parent, "control")
    fill(control, {"status": status})
    if request is not None:
        fill(control, {"senderid": request.senderid, "controlid": request.controlid,
                       "uniqueid": "true" if request.uniqueid else "false", "dtdversion": DTD_VERSION})


def document(root: Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)


def control_failure(request: ParsedRequest | None, errors: Iterable[ErrorItem]) -> bytes:
    root = Element("response")
    control_block(root, request, "failure")
    error_message(root, errors)
    return document(root)
