"""A SuiteQL subset, enough for what integrations ask of reference data and transactions.

Supported: ``SELECT [TOP n] * | item, ... FROM table [WHERE condition] [ORDER BY column [ASC|DESC], ...]``
where an item is a column, ``TO_CHAR(column, 'format')``, ``UPPER``/``LOWER(column)`` or
``COUNT(*)``, each with an optional ``AS alias``; conditions combine ``=, <>, !=, <, <=, >, >=``,
``[NOT] LIKE``, ``[NOT] IN (...)``, ``IS [NOT] NULL`` with ``AND``, ``OR``, ``NOT`` and parentheses;
literals are strings, numbers, ``TO_DATE`` and ``TO_TIMESTAMP``. Names are case-insensitive.

Answers look like NetSuite's: every value is text, booleans ``T``/``F``, dates in the user's
format (``M/D/YYYY``), times in the account's time zone; empty values are left out of a row.
Anything else is refused with NetSuite's "Invalid search query" error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable

from bookbridge.sandbox.netsuite.errors import invalid_parameter
from bookbridge.sandbox.netsuite.values import (
    compare,
    display,
    like,
    parse_moment,
    search_error,
    sort_key,
    to_char,
)

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
                    r"|(?P<op><=|>=|<>|!=|=|<|>)|(?P<punct>[(),*]))")
_KEYWORDS = {"select", "from", "where", "order", "by", "and", "or", "not", "in", "is", "null", "like", "as",
             "asc", "desc", "top"}

Row = dict[str, Any]
Evaluator = Callable[[Row], Any]


def _tokens(text: str) -> list[tuple[str, str]]:
    result, position = [], 0
    text = text.strip().rstrip(";")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise search_error(f"Invalid or unsupported search near '{text[position:position + 20]}'.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        result.append(("kw" if kind == "name" and value.lower() in _KEYWORDS else kind, value))
        position = match.end()
    return result


@dataclass
class Query:
    """A parsed statement, ready to run over rows."""

    table: str
    items: list[tuple[str, Evaluator]] | None  # None: SELECT *
    where: Evaluator | None
    order: list[tuple[Evaluator, bool]]
    top: int | None
    count_alias: str | None = None

    def run(self, rows: Iterable[Row]) -> list[dict[str, str]]:
        selected = [row for row in rows if self.where is None or self.where(row)]
        for key, descending in reversed(self.order):
            present = [r for r in selected if key(r) is not None]
            missing = [r for r in selected if key(r) is None]
            present.sort(key=lambda r: sort_key(key(r)), reverse=descending)
            selected = present + missing  # NULLs last, as NetSuite's Oracle database sorts them
        if self.top is not None:
            selected = selected[: self.top]
        if self.count_alias is not None:
            return [{self.count_alias: str(len(selected))}]
        out = []
        for row in selected:
            pairs = row.items() if self.items is None else ((alias, fn(row)) for alias, fn in self.items)
            shown = {alias: display(value) if not isinstance(value, str) else value for alias, value in pairs}
            out.append({k: v for k, v in shown.items() if v not in (None, "")})
        return out


class _Parser:
    def __init__(self, text: str, columns: Callable[[str], set[str]]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.columns_of = columns
        self.columns: set[str] = set()
        self.table = ""

    # --- token helpers -----------------------------------------------------------------------
    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.position += 1
        return token

    def is_kw(self, *words: str) -> bool:
        kind, value = self.peek()
        return kind == "kw" and value.lower() in words

    def expect(self, value: str) -> None:
        kind, found = self.take()
        if found.lower() != value.lower():
            raise search_error(f"Expected {value.upper()} but found '{found or 'end of statement'}'.")

    # --- statement -----------------------------------------------------------------------------
    def parse(self) -> Query:
        self.expect("select")
        top = None
        if self.is_kw("top"):
            self.take()
            top = int(self.take()[1])
        start = self.position
        depth = 0
        while not (self.is_kw("from") and depth == 0):  # the table must be known before the items
            kind, value = self.take()
            depth += {"(": 1, ")": -1}.get(value, 0) if kind == "punct" else 0
            if kind == "end":
                raise search_error("FROM is missing.")
        self.take()
        kind, self.table = self.take()
        self.table = self.table.lower()
        self.columns = self.columns_of(self.table)
        after_from = self.position
        self.position = start
        items, count_alias = self.items()
        self.position = after_from
        where = None
        if self.is_kw("where"):
            self.take()
            where = self.condition()
        order: list[tuple[Evaluator, bool]] = []
        if self.is_kw("order"):
            self.take()
            self.expect("by")
            while True:
                key = self.value()
                descending = False
                if self.is_kw("asc", "desc"):
                    descending = self.take()[1].lower() == "desc"
                order.append((key, descending))
                if self.peek()[1] != ",":
                    break
                self.take()
        if self.peek()[0] != "end":
            raise search_error(f"Unexpected '{self.peek()[1]}'.")
        return Query(self.table, items, where, order, top, count_alias)

    def items(self) -> tuple[list[tuple[str, Evaluator]] | None, str | None]:
        if self.peek()[1] == "*":
            self.take()
            return None, None
        items: list[tuple[str, Evaluator]] = []
        count_alias = None
        while True:
            if self.peek()[1].lower() == "count" and self.peek(1)[1] == "(":
                self.position += 2
                self.expect("*")
                self.expect(")")
                count_alias = self.alias("expr")
            else:
                name = self.peek()[1].lower()
                fn = self.value()
                items.append((self.alias(name), fn))
            if self.peek()[1] != ",":
                return items, count_alias
            self.take()

    def alias(self, default: str) -> str:
        if self.is_kw("as"):
            self.take()
            return self.take()[1].lower()
        if self.peek()[0] == "name":
            return self.take()[1].lower()
        return default

    def column(self, name: str) -> Evaluator:
        lowered = name.lower().split(".")[-1]
        if lowered not in self.columns:
            raise search_error(f"Field '{lowered}' for record '{self.table}' was not found. Reason: NOT_EXPOSED - "
                               "Not available for channel SEARCH")
        return lambda row: row.get(lowered)

    def value(self) -> Evaluator:
        kind, token = self.take()
        if kind == "str":
            literal = token[1:-1].replace("''", "'")
            return lambda row: literal
        if kind == "num":
            number = Decimal(token)
            return lambda row: number
        if kind == "name" and self.peek()[1] == "(":
            return self.function(token.upper())
        if kind == "name":
            return self.column(token)
        raise search_error(f"Unexpected '{token or 'end of statement'}'.")

    def function(self, name: str) -> Evaluator:
        self.expect("(")
        args = [self.value()]
        while self.peek()[1] == ",":
            self.take()
            args.append(self.value())
        self.expect(")")
        if name == "TO_CHAR" and len(args) == 2:
            return lambda row: to_char(args[0](row), str(args[1](row)))
        if name in ("TO_DATE", "TO_TIMESTAMP") and len(args) == 2:
            moment = parse_moment(str(args[0]({})), str(args[1]({})))
            fixed: Any = moment.date() if name == "TO_DATE" else moment
            return lambda row: fixed
        if name in ("UPPER", "LOWER") and len(args) == 1:
            change = str.upper if name == "UPPER" else str.lower
            return lambda row: None if args[0](row) is None else change(str(display(args[0](row))))
        raise search_error(f"Function {name} is not supported here.")

    # --- conditions -----------------------------------------------------------------------------
    def condition(self) -> Evaluator:
        left = self.conjunction()
        while self.is_kw("or"):
            self.take()
            left = _either(left, self.conjunction())
        return left

    def conjunction(self) -> Evaluator:
        left = self.negation()
        while self.is_kw("and"):
            self.take()
            left = _both(left, self.negation())
        return left

    def negation(self) -> Evaluator:
        if self.is_kw("not"):
            self.take()
            inner = self.negation()
            return lambda row: not inner(row)
        if self.peek()[1] == "(":
            self.take()
            inner = self.condition()
            self.expect(")")
            return inner
        return self.predicate()

    def predicate(self) -> Evaluator:
        left = self.value()
        negate = False
        if self.is_kw("is"):
            self.take()
            if self.is_kw("not"):
                self.take()
                negate = True
            self.expect("null")
            return lambda row: (left(row) in (None, "")) != negate
        if self.is_kw("not"):
            self.take()
            negate = True
        if self.is_kw("in"):
            self.take()
            self.expect("(")
            options = [self.value()]
            while self.peek()[1] == ",":
                self.take()
                options.append(self.value())
            self.expect(")")
            return lambda row: any(compare(left(row), "=", o(row)) for o in options) != negate
        if self.is_kw("like"):
            self.take()
            pattern = self.value()
            return lambda row: like(left(row), str(pattern(row))) != negate
        kind, op = self.take()
        if kind != "op":
            raise search_error(f"Expected a comparison but found '{op or 'end of statement'}'.")
        right = self.value()
        return lambda row: compare(left(row), op, right(row))


def _either(first: Evaluator, second: Evaluator) -> Evaluator:
    return lambda row: bool(first(row)) or bool(second(row))


def _both(first: Evaluator, second: Evaluator) -> Evaluator:
    return lambda row: bool(first(row)) and bool(second(row))


def parse(text: str, columns: Callable[[str], set[str]]) -> Query:
    """Parse ``text``; ``columns(table)`` names a table's columns (raising for unknown tables).

    Raises:
        NsError: the statement is outside the subset or names unknown fields.
    """
    if not text or not text.strip():
        raise invalid_parameter("The request body must contain the query in the 'q' property.")
    return _Parser(text, columns).parse()
