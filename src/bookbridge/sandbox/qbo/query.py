"""QBO's query language, the subset Bookbridge and its tests use.

``SELECT * | COUNT(*) FROM Entity [WHERE cond [AND cond]...] [ORDERBY field [ASC|DESC]]
[STARTPOSITION n] [MAXRESULTS n]`` where ``cond`` is ``field op value`` with op one of
``= < > <= >= LIKE IN``. Keywords and field names are case-insensitive; dotted fields such as
``MetaData.LastUpdatedTime`` reach into nested objects. Like QBO there is no ``OR``, no
projection, and ``LIKE`` knows only ``%``; name lists answer with active records unless the
query mentions ``Active``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bookbridge.sandbox.qbo import errors
from bookbridge.sandbox.qbo.entities import EntityType, entity_type
from bookbridge.sandbox.qbo.store import CompanyStore
from bookbridge.sandbox.qbo.timefmt import parse_time

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_CAP = 1000

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
_OPERATORS = {"=", "<", ">", "<=", ">=", "like", "in"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    column: int

    @property
    def keyword(self) -> str:
        return self.text.lower() if self.kind == "word" else ""


@dataclass(slots=True)
class Condition:
    field: str
    op: str
    value: Any  # str | Decimal | bool | list of those for IN


@dataclass(slots=True)
class Query:
    entity: EntityType
    count: bool = False
    conditions: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    stripped_end = len(text.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            column = position + 1
            raise errors.query_parse_error(
                f'Lexical error at line 1, column {column}.  Encountered: "{text[position:position + 1]}"'
            )
        kind = match.lastgroup or ""
        raw = match.group(kind)
        tokens.append(Token(kind, raw, match.start(kind) + 1))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    def _peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self, expecting: str) -> Token:
        token = self._peek()
        if token is None:
            raise errors.query_parse_error(f"Encountered \"<EOF>\" at line 1.\nWas expecting:\n    {expecting} ...\n    ")
        self.index += 1
        return token

    @staticmethod
    def _unexpected(token: Token, expecting: str) -> errors.QboFault:
        return errors.query_parse_error(
            f'Encountered " "{token.text.upper()}" "{token.text} "" at line 1, column {token.column}.\n'
            f"Was expecting:\n    {expecting} ...\n    "
        )

    def _expect_keyword(self, word: str) -> None:
        token = self._next(word.upper())
        if token.keyword != word:
            raise self._unexpected(token, word.upper())

    def _integer(self, what: str) -> int:
        token = self._next("<INTEGER>")
        if token.kind != "number" or not token.text.isdigit():
            raise self._unexpected(token, "<INTEGER>")
        return int(token.text)

    def _value(self) -> Any:
        token = self._next("<VALUE>")
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return Decimal(token.text)
        if token.keyword in ("true", "false"):
            return token.keyword == "true"
        raise self._unexpected(token, "<STRING>")

    def parse(self) -> Query:
        self._expect_keyword("select")
        count = False
        token = self._next("*")
        if token.keyword == "count":
            for expected in ("(", "*", ")"):
                inner = self._next(expected)
                if inner.text != expected:
                    raise self._unexpected(inner, expected)
            count = True
        elif token.text != "*":
            raise errors.query_validation_error("only SELECT * or SELECT COUNT(*) are supported by this sandbox")
        self._expect_keyword("from")
        name_token = self._next("<IDENTIFIER>")
        entity = entity_type(name_token.text) if name_token.kind == "word" else None
        if entity is None:
            raise errors.query_validation_error(f"{name_token.text} is not a queryable entity")
        query = Query(entity, count)
        self._clauses(query)
        return query

    def _clauses(self, query: Query) -> None:
        while (token := self._peek()) is not None:
            keyword = token.keyword
            self.index += 1
            if keyword == "where" and not query.conditions:
                self._conditions(query)
            elif keyword == "orderby":
                self._order_by(query)
            elif keyword == "startposition":
                query.start_position = max(self._integer("STARTPOSITION"), 1)
            elif keyword == "maxresults":
                query.max_results = min(self._integer("MAXRESULTS"), MAX_RESULTS_CAP)
            else:
                raise self._unexpected(token, "<EOF>")

    def _conditions(self, query: Query) -> None:
        while True:
            field_token = self._next("<IDENTIFIER>")
            if field_token.kind != "word":
                raise self._unexpected(field_token, "<IDENTIFIER>")
            op_token = self._next("<OPERATOR>")
            op = op_token.text.lower()
            if op not in _OPERATORS:
                raise self._unexpected(op_token, "<OPERATOR>")
            if op == "in":
                value: Any = self._in_list()
            else:
                value = self._value()
                if op == "like" and (not isinstance(value, str)):
                    raise errors.query_validation_error("LIKE needs a quoted string")
            query.conditions.append(Condition(field_token.text, op, value))
            following = self._peek()
            if following is None or following.keyword != "and":
                if following is not None and following.keyword == "or":
                    # QBO's grammar has no OR: answer exactly as its parser does.
                    raise self._unexpected(following, '"ORDERBY" | "STARTPOSITION" | "MAXRESULTS" | "AND"')
                return
            self.index += 1

    def _in_list(self) -> list[Any]:
        opener = self._next("(")
        if opener.text != "(":
            raise self._unexpected(opener, "(")
        values = [self._value()]
        while True:
            token = self._next(")")
            if token.text == ")":
                return values
            if token.text != ",":
                raise self._unexpected(token, ")")
            values.append(self._value())

    def _order_by(self, query: Query) -> None:
        while True:
            field_token = self._next("<IDENTIFIER>")
            if field_token.kind != "word":
                raise self._unexpected(field_token, "<IDENTIFIER>")
            descending = False
            following = self._peek()
            if following is not None and following.keyword in ("asc", "desc"):
                descending = following.keyword == "desc"
                self.index += 1
                following = self._peek()
            query.order_by.append((field_token.text, descending))
            if following is None or following.text != ",":
                return
            self.index += 1


def parse_query(text: str) -> Query:
    """Parse a query statement.

    Raises:
        QboFault: 4000 for a syntax error (including OR), 4001 for an unknown entity.
    """
    if not text or not text.strip():
        raise errors.query_parse_error("Encountered \"<EOF>\" at line 1, column 1.\nWas expecting:\n    \"SELECT\" ...\n    ")
    return _Parser(text).parse()


# --- evaluation ------------------------------------------------------------------------------


def _field_values(obj: Any, dotted: str) -> list[Any]:
    """Every value at ``dotted`` in ``obj`` (lists fan out), matching keys case-insensitively."""
    current = [obj]
    for part in dotted.split("."):
        following: list[Any] = []
        for item in current:
            for candidate in item if isinstance(item, list) else [item]:
                if isinstance(candidate, dict):
                    key = next((k for k in candidate if k.lower() == part.lower()), None)
                    if key is not None:
                        following.append(candidate[key])
        current = following
    return [value for item in current for value in (item if isinstance(item, list) else [item])]


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Bring a stored value and a literal to one comparable type, or None when impossible."""
    if isinstance(left, bool) or isinstance(right, bool):
        to_bool = {"true": True, "false": False}
        lb = left if isinstance(left, bool) else to_bool.get(str(left).lower())
        rb = right if isinstance(right, bool) else to_bool.get(str(right).lower())
        return (lb, rb) if lb is not None and rb is not None else None
    if isinstance(left, (int, Decimal)) or isinstance(right, Decimal):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except InvalidOperation:
            return None
    left_text, right_text = str(left), str(right)
    if left_text.isdigit() and right_text.isdigit():
        return int(left_text), int(right_text)  # Ids are strings of digits: compare as numbers
    if re.match(r"\d{4}-\d{2}-\d{2}", left_text) and re.match(r"\d{4}-\d{2}-\d{2}", right_text):
        try:
            return _moment(left_text), _moment(right_text)
        except ValueError:
            pass  # not dates after all: compare as text below
    return left_text.casefold(), right_text.casefold()


def _moment(text: str) -> datetime:
    return parse_time(text if "T" in text else text + "T00:00:00")


def _matches_one(value: Any, op: str, literal: Any) -> bool:
    if op == "like":
        pattern = "^" + ".*".join(re.escape(part) for part in str(literal).split("%")) + "$"
        return re.match(pattern, str(value), re.IGNORECASE | re.DOTALL) is not None
    if op == "in":
        return any(_matches_one(value, "=", item) for item in literal)
    pair = _comparable(value, literal)
    if pair is None:
        return False
    left, right = pair
    return {
        "=": left == right,
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
    }[op]


def matches(obj: dict[str, Any], condition: Condition) -> bool:
    """True when any value at the condition's field satisfies it."""
    return any(_matches_one(v, condition.op, condition.value) for v in _field_values(obj, condition.field))


def _sort_key(obj: dict[str, Any], field_name: str) -> tuple[int, Any]:
    values = _field_values(obj, field_name)
    if not values or values[0] is None:
        return (2, "")
    value = values[0]
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return (0, Decimal(value))
    text = str(value)
    if text.isdigit():
        return (0, Decimal(text))
    return (1, text.casefold())


def run_query(query: Query, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Filter, order and page ``objects``; returns the ``QueryResponse`` object."""
    mentions_active = any(c.field.lower() == "active" for c in query.conditions)
    selected = [
        obj
        for obj in objects
        if (mentions_active or not query.entity.hides_inactive or obj.get("Active") is not False)
        and all(matches(obj, c) for c in query.conditions)
    ]
    if query.count:
        return {"totalCount": len(selected)}
    for field_name, descending in reversed(query.order_by):
        selected.sort(key=lambda o: _sort_key(o, field_name), reverse=descending)
    page = selected[query.start_position - 1 : query.start_position - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity.name: page, "startPosition": query.start_position, "maxResults": len(page)}


def execute(store: CompanyStore, statement: str) -> dict[str, Any]:
    """Parse and run ``statement`` against ``store``; returns the ``QueryResponse`` object."""
    query = parse_query(statement)
    with store.lock:  # filter the stored objects in place, then copy only the page answered
        return copy.deepcopy(run_query(query, store.live(query.entity.name)))
