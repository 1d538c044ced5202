"""The subset of Xero's ``where`` and ``order`` query parameters the sandbox understands.

``where`` is a C#-like filter over an element's fields [X3]: ``Status=="ACTIVE"``,
``Type=="ACCPAY" AND Date>=DateTime(2025,01,01)``, ``Contact.ContactID==Guid("...")``,
``Name.Contains("Peter")``, ``HasAttachments==true``, combined with ``AND``/``OR``/``&&``/``||``,
``NOT``/``!`` and parentheses. Dates stored as ``/Date(...)/`` compare as dates. Anything else is a
:class:`QueryError`, which the server answers as Xero's QueryParseException.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from bookbridge.sandbox.xero.timefmt import parse_moment

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|>=|<=|&&|\|\||[<>!().,])
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_METHODS = {"Contains", "StartsWith", "EndsWith"}

Predicate = Callable[[dict[str, Any]], bool]


class QueryError(ValueError):
    """The filter cannot be parsed or uses something unsupported."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise QueryError(f"unexpected character at position {position}: {text[position:position + 10]!r}")
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()
    return tokens


def _field(obj: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _comparable(value: Any) -> Any:
    """Stored values made comparable with literals: ``/Date()/`` text to datetimes, numbers to Decimal."""
    if isinstance(value, str) and value.startswith("/Date("):
        try:
            return parse_moment(value)
        except ValueError:
            return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> _Token:
        token = self.peek()
        if token is None:
            raise QueryError("the filter ends too early")
        if expected is not None and token.text != expected:
            raise QueryError(f"expected {expected!r}, found {token.text!r}")
        self.position += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while (token := self.peek()) is not None and token.text.upper() in ("OR", "||"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda obj: any(p(obj) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while (token := self.peek()) is not None and token.text.upper() in ("AND", "&&"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda obj: all(p(obj) for p in parts))

    def negation(self) -> Predicate:
        token = self.peek()
        if token is not None and token.text.upper() in ("NOT", "!"):
            self.take()
            inner = self.negation()
            return lambda obj: not inner(obj)
        if token is not None and token.text == "(":
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        return self.comparison()

    def path(self) -> list[str]:
        parts = [self.take().text]
        while (token := self.peek()) is not None and token.text == "." and self._next_is_name():
            self.take(".")
            name = self.peek()
            if name is not None and name.text in _METHODS and self._after_next_is("("):
                self.position -= 1  # leave ".Method(" for the caller
                break
            parts.append(self.take().text)
        return parts

    def _next_is_name(self) -> bool:
        nxt = self.tokens[self.position + 1] if self.position + 1 < len(self.tokens) else None
        return nxt is not None and nxt.kind == "name"

    def _after_next_is(self, text: str) -> bool:
        nxt = self.tokens[self.position + 1] if self.position + 1 < len(self.tokens) else None
        return nxt is not None and nxt.text == text

    def literal(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return Decimal(token.text)
        word = token.text
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        if word == "DateTime":
            self.take("(")
            numbers = [int(self.take().text)]
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.take(",")
                numbers.append(int(self.take().text))
            self.take(")")
            if len(numbers) not in (3, 6):
                raise QueryError("DateTime takes (year, month, day) or (year, month, day, hour, minute, second)")
            year, month, day, hour, minute, second = (numbers + [0, 0, 0])[:6]
            try:
                return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
            except ValueError as exc:
                raise QueryError(f"DateTime{tuple(numbers)} is not a date: {exc}") from None
        if word == "Guid":
            self.take("(")
            value = self.literal()
            self.take(")")
            return str(value).lower()
        raise QueryError(f"{word!r} is not a value")

    def comparison(self) -> Predicate:
        token = self.peek()
        if token is None or token.kind != "name":
            raise QueryError(f"expected a field name, found {token.text if token else 'the end'!r}")
        path = self.path()
        nxt = self.peek()
        if nxt is not None and nxt.text == ".":
            self.take(".")
            method = self.take().text
            self.take("(")
            argument = str(self.literal())
            self.take(")")
            return _method(path, method, argument)
        if nxt is None or nxt.text == ")" or nxt.text.upper() in ("AND", "OR", "&&", "||"):
            return lambda obj: _field(obj, path) is True  # a bare boolean field: HasAttachments
        if nxt.kind != "op" or nxt.text not in ("==", "!=", ">=", "<=", ">", "<"):
            raise QueryError(f"expected a comparison after {'.'.join(path)}")
        operator = self.take().text
        value = self.literal()
        return _compare(path, operator, value)


def _method(path: list[str], method: str, argument: str) -> Predicate:
    if method not in _METHODS:
        raise QueryError(f"{method} is not supported (use Contains, StartsWith or EndsWith)")
    wanted = argument.casefold()

    def test(obj: dict[str, Any]) -> bool:
        value = _field(obj, path)
        if not isinstance(value, str):
            return False
        text = value.casefold()
        return {"Contains": wanted in text, "StartsWith": text.startswith(wanted), "EndsWith": text.endswith(wanted)}[method]

    return test


def _compare(path: list[str], operator: str, literal: Any) -> Predicate:
    def test(obj: dict[str, Any]) -> bool:
        value = _comparable(_field(obj, path))
        expected = literal
        if isinstance(value, str) and isinstance(expected, str) and path[-1].endswith("ID"):
            value, expected = value.lower(), expected.lower()  # Guids compare without case
        if isinstance(value, datetime) and isinstance(expected, datetime) and expected.hour == expected.minute == 0:
            value = value.replace(hour=0, minute=0, second=0, microsecond=0)  # DateTime(y,m,d) compares days
        if operator == "==":
            return bool(value == expected)
        if operator == "!=":
            return bool(value != expected)
        if value is None or expected is None:
            return False
        try:
            return {">=": value >= expected, "<=": value <= expected, ">": value > expected, "<": value < expected}[operator]
        except TypeError:
            return False

    return test


def compile_where(text: str | None) -> Predicate:
    """A predicate for a ``where`` parameter (everything passes when it is empty).

    Raises:
        QueryError: the filter is not in the supported subset.
    """
    if not text or not text.strip():
        return lambda obj: True
    return _Parser(text).parse()


def apply_order(items: list[dict[str, Any]], order: str | None) -> list[dict[str, Any]]:
    """Sort by ``order`` (``"Date DESC, Name"``); the stable sort keeps creation order for ties.

    Raises:
        QueryError: an ordering clause that is not ``Field [ASC|DESC]``.
    """
    if not order or not order.strip():
        return items
    result = list(items)
    for clause in reversed([c.strip() for c in order.split(",") if c.strip()]):
        parts = clause.split()
        if len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
            raise QueryError(f"cannot order by {clause!r}")
        path = parts[0].split(".")
        descending = len(parts) == 2 and parts[1].upper() == "DESC"
        result.sort(key=lambda obj: _sort_key(_comparable(_field(obj, path))), reverse=descending)
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, (Decimal, int)):
        return (2, Decimal(value))
    return (3, str(value).casefold())
