"""The ``readByQuery`` filter language, as Intacct documents it [I4], and its evaluation.

Operators: ``=  !=  <>  <  >  <=  >=``, ``like`` / ``not like`` (``%`` and ``_``), ``in`` /
``not in``, ``IS NULL`` / ``IS NOT NULL``, combined with ``AND``, ``OR``, ``NOT`` and
parentheses. Strings are single-quoted with backslash escapes (``'Erik\\'s Deli'``). Values are
compared as dates/timestamps when both sides read as ``MM/DD/YYYY[ HH:MM:SS]``, as numbers when
both are numbers, else as text (case-sensitive). An unknown field is a "Query Failed" error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from bookbridge.sandbox.intacct.errors import query_failed

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|<>|!=|=|<|>)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise query_failed(f"Invalid query: cannot read '{text[position:position + 20]}'")
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()
    return tokens


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _typed(value: str) -> Any:
    """A value as a date, number or text, for comparisons."""
    text = value.strip()
    for pattern in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    try:
        return Decimal(text) if text and text[0] in "-0123456789" else text
    except InvalidOperation:
        return text


def _compare(left: str, op: str, right: str) -> bool:
    a, b = _typed(left), _typed(right)
    if type(a) is not type(b):
        a, b = left, right
    if op == "=":
        return a == b
    if op in ("!=", "<>"):
        return a != b
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _like(pattern: str) -> re.Pattern[str]:
    parts = ["." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in pattern]
    return re.compile("^" + "".join(parts) + "$", re.S)


class _Parser:
    def __init__(self, text: str, fields: set[str]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.fields = fields

    def _peek(self, offset: int = 0) -> _Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def _keyword(self, word: str, offset: int = 0) -> bool:
        token = self._peek(offset)
        return token is not None and token.kind == "word" and token.text.upper() == word

    def _take(self) -> _Token:
        token = self._peek()
        if token is None:
            raise query_failed("Invalid query: it ends too early")
        self.position += 1
        return token

    def _value(self) -> str:
        token = self._take()
        if token.kind == "string":
            return _unquote(token.text)
        if token.kind == "number":
            return token.text
        raise query_failed(f"Invalid query: expected a value, found '{token.text}'")

    def parse(self) -> Predicate:
        if not self.tokens:
            return lambda record: True
        predicate = self._or()
        if self._peek() is not None:
            raise query_failed(f"Invalid query: unexpected '{self._peek().text}'")  # type: ignore[union-attr]
        return predicate

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._keyword("OR"):
            self.position += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._keyword("AND"):
            self.position += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def _not(self) -> Predicate:
        if self._keyword("NOT"):
            self.position += 1
            inner = self._not()
            return lambda r: not inner(r)
        token = self._peek()
        if token is not None and token.text == "(":
            self.position += 1
            inner = self._or()
            if self._take().text != ")":
                raise query_failed("Invalid query: a parenthesis is not closed")
            return inner
        return self._comparison()

    def _comparison(self) -> Predicate:
        token = self._take()
        if token.kind != "word":
            raise query_failed(f"Invalid query: expected a field name, found '{token.text}'")
        field = token.text.upper()
        if field not in self.fields:
            raise query_failed(f"Invalid field '{token.text}' in the query")

        def value_of(record: Mapping[str, Any]) -> str:
            value = record.get(field)
            return value if isinstance(value, str) else ""

        negate = False
        if self._keyword("IS"):
            self.position += 1
            if self._keyword("NOT"):
                self.position += 1
                negate = True
            if not self._keyword("NULL"):
                raise query_failed("Invalid query: IS must be followed by NULL or NOT NULL")
            self.position += 1
            return lambda r: (value_of(r) == "") != negate
        if self._keyword("NOT"):
            self.position += 1
            negate = True
        if self._keyword("LIKE"):
            self.position += 1
            pattern = _like(self._value())
            return lambda r: bool(pattern.match(value_of(r))) != negate
        if self._keyword("IN"):
            self.position += 1
            if self._take().text != "(":
                raise query_failed("Invalid query: IN needs a list in parentheses")
            values = [self._value()]
            while self._peek() is not None and self._peek().text == ",":  # type: ignore[union-attr]
                self.position += 1
                values.append(self._value())
            if self._take().text != ")":
                raise query_failed("Invalid query: the IN list is not closed")
            return lambda r: any(_compare(value_of(r), "=", v) for v in values) != negate
        if negate:
            raise query_failed("Invalid query: NOT must be followed by LIKE or IN here")
        op = self._take()
        if op.kind != "op":
            raise query_failed(f"Invalid query: expected an operator after {field}, found '{op.text}'")
        right = self._value()
        return lambda r: value_of(r) != "" and _compare(value_of(r), op.text, right)


def compile_query(text: str, fields: set[str]) -> Predicate:
    """A predicate over records for ``text``; ``fields`` are the object's field names."""
    return _Parser(text or "", {f.upper() for f in fields}).parse()
