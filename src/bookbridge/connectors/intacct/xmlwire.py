"""Sage Intacct XML API 3.0 on the wire: requests built from plain data, responses parsed into records.

A request is ``<request>`` with a ``<control>`` block (sender credentials, ``controlid``,
``uniqueid``, ``dtdversion``) and one ``<operation>`` holding ``<authentication>`` (a login or a
session id) and ``<content>`` with one ``<function controlid="...">`` per call [I2].

Functions are written as nested dicts, the same form the outbox stores and a dry run shows:
a key starting with ``@`` is an attribute, a list repeats its element, ``None`` is an empty
element, Decimals are written exactly. Answers are parsed with defusedxml (no entity expansion,
no external entities) into frozen dataclasses; the three real answers in the shared fixtures
(``intacct-jfcote87``) are the reference for their shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Mapping
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import ElementTree

from bookbridge.connectors.intacct.config import DTD_VERSION

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


# --- building ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        raise TypeError("format dates before building XML (Intacct wants MM/DD/YYYY or parts)")
    return str(value)


def _fill(parent: Element, value: Any) -> None:
    """Write ``value`` (dict, scalar or None) as the content of ``parent``."""
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, child in value.items():
            if key.startswith("@"):
                parent.set(key[1:], _text(child))
            elif isinstance(child, (list, tuple)):
                for item in child:
                    _fill(SubElement(parent, key), item)
            else:
                _fill(SubElement(parent, key), child)
        return
    parent.text = _text(value)


def element(tag: str, value: Any) -> Element:
    """One element from the nested-dict form (see the module docstring)."""
    node = Element(tag)
    _fill(node, value)
    return node


@dataclass(frozen=True, slots=True)
class Login:
    """Company user credentials for ``<authentication><login>``."""

    user_id: str
    company_id: str
    password: str = field(repr=False)
    location_id: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """An API session for ``<authentication><sessionid>``."""

    session_id: str = field(repr=False)


def request_xml(
    *,
    sender_id: str,
    sender_password: str,
    control_id: str,
    unique_id: bool,
    auth: Login | Session,
    functions: Iterable[Mapping[str, Any]],
) -> bytes:
    """A whole request document.

    Args:
        functions: each ``{"@controlid": ..., "<name>": {...}}`` (the inside of ``<function>``).
        unique_id: True for writes: the gateway then refuses a function whose ``controlid``
            already ran (our idempotency); False for reads, which may repeat.
    """
    root = Element("request")
    control = SubElement(root, "control")
    _fill(control, {
        "senderid": sender_id, "password": sender_password, "controlid": control_id,
        "uniqueid": unique_id, "dtdversion": DTD_VERSION, "includewhitespace": False,
    })
    operation = SubElement(root, "operation")
    authentication = SubElement(operation, "authentication")
    if isinstance(auth, Login):
        login: dict[str, Any] = {"userid": auth.user_id, "companyid": auth.company_id, "password": auth.password}
        if auth.location_id:
            login["locationid"] = auth.location_id
        _fill(SubElement(authentication, "login"), login)
    else:
        _fill(SubElement(authentication, "sessionid"), auth.session_id)
    content = SubElement(operation, "content")
    for function in functions:
        _fill(SubElement(content, "function"), function)
    return XML_DECLARATION + tostring(root, encoding="utf-8", xml_declaration=False)


# --- parsing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class XmlError:
    """One ``<error>`` of an ``<errormessage>``."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""

    @property
    def text(self) -> str:
        """The human part: description and description2 joined."""
        return " ".join(part for part in (self.description, self.description2) if part).strip()


@dataclass(frozen=True, slots=True)
class ControlBlock:
    status: str
    senderid: str = ""
    controlid: str = ""
    uniqueid: str = ""
    dtdversion: str = ""


@dataclass(frozen=True, slots=True)
class AuthBlock:
    status: str
    userid: str = ""
    companyid: str = ""
    locationid: str = ""
    sessiontimestamp: str = ""
    sessiontimeout: str = ""


@dataclass(frozen=True, slots=True)
class DataBlock:
    """A result's ``<data>``: its paging attributes and one ``(tag, fields)`` pair per child."""

    listtype: str = ""
    count: int | None = None
    totalcount: int | None = None
    numremaining: int | None = None
    result_id: str = ""
    records: tuple[tuple[str, dict[str, Any]], ...] = ()

    def of(self, tag: str) -> list[dict[str, Any]]:
        """The records whose element is ``tag`` (case-insensitive: create answers use lower case)."""
        wanted = tag.lower()
        return [fields for name, fields in self.records if name.lower() == wanted]


@dataclass(frozen=True, slots=True)
class FunctionResult:
    """One ``<result>``: the outcome of one function, matched to it by ``controlid``."""

    status: str
    function: str
    controlid: str
    data: DataBlock | None = None
    key: str | None = None
    errors: tuple[XmlError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True, slots=True)
class XmlResponse:
    """A whole answer. ``errors`` are control-level; ``auth_errors`` belong to the authentication."""

    control: ControlBlock
    errors: tuple[XmlError, ...] = ()
    authentication: AuthBlock | None = None
    auth_errors: tuple[XmlError, ...] = ()
    results: tuple[FunctionResult, ...] = ()

    def result(self, controlid: str) -> FunctionResult | None:
        return next((r for r in self.results if r.controlid == controlid), None)


class NotXml(ValueError):
    """The body is not an XML document (an HTML page from a proxy, a cut answer...)."""


def _child_text(node: Element | None, name: str) -> str:
    if node is None:
        return ""
    child = node.find(name)
    return (child.text or "").strip() if child is not None else ""


def fields_of(node: Element) -> dict[str, Any]:
    """An element's children as a dict: leaves become text, repeats become lists."""
    result: dict[str, Any] = {}
    for child in node:
        value: Any = fields_of(child) if len(child) else (child.text or "").strip()
        if child.tag in result:
            existing = result[child.tag]
            result[child.tag] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            result[child.tag] = value
    return result


def _errors(node: Element | None) -> tuple[XmlError, ...]:
    if node is None:
        return ()
    return tuple(
        XmlError(_child_text(e, "errorno"), _child_text(e, "description"), _child_text(e, "description2"),
                 _child_text(e, "correction"))
        for e in node.findall("error")
    )


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().lstrip("-").isdigit() else None


def _data(node: Element | None) -> DataBlock | None:
    if node is None:
        return None
    return DataBlock(
        listtype=node.get("listtype", ""),
        count=_int(node.get("count")),
        totalcount=_int(node.get("totalcount")),
        numremaining=_int(node.get("numremaining")),
        result_id=node.get("resultId", ""),
        records=tuple((child.tag, fields_of(child)) for child in node),
    )


def _result(node: Element) -> FunctionResult:
    key = node.find("key")
    return FunctionResult(
        status=_child_text(node, "status"),
        function=_child_text(node, "function"),
        controlid=_child_text(node, "controlid"),
        data=_data(node.find("data")),
        key=(key.text or "").strip() if key is not None else None,
        errors=_errors(node.find("errormessage")),
    )


def parse_response(content: bytes) -> XmlResponse:
    """Parse an answer of the XML gateway.

    Raises:
        NotXml: the body is not XML or has no ``<response>`` root.
    """
    try:
        root = ElementTree.fromstring(content)
    except ParseError as exc:
        raise NotXml(f"not XML: {exc}") from None
    if root.tag != "response":
        raise NotXml(f"unexpected root element <{root.tag}>")
    control_node = root.find("control")
    control = ControlBlock(
        status=_child_text(control_node, "status"), senderid=_child_text(control_node, "senderid"),
        controlid=_child_text(control_node, "controlid"), uniqueid=_child_text(control_node, "uniqueid"),
        dtdversion=_child_text(control_node, "dtdversion"),
    )
    operation = root.find("operation")
    auth_node = operation.find("authentication") if operation is not None else None
    authentication = None
    if auth_node is not None:
        authentication = AuthBlock(*(_child_text(auth_node, name) for name in (
            "status", "userid", "companyid", "locationid", "sessiontimestamp", "sessiontimeout")))
    return XmlResponse(
        control=control,
        errors=_errors(root.find("errormessage")),
        authentication=authentication,
        auth_errors=_errors(operation.find("errormessage")) if operation is not None else (),
        results=tuple(_result(node) for node in operation.findall("result")) if operation is not None else (),
    )
