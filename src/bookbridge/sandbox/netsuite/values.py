"""How SuiteQL shows and compares values: text answers, Oracle's conversions, TO_CHAR.

Stored values are typed (bool, date, aware datetime, Decimal, str); SuiteQL answers every value as
text: booleans ``T``/``F``, dates in the user's format (``M/D/YYYY`` here), times in the account's
time zone. Comparisons convert both sides to one type the way the Oracle database under SuiteQL
does, and treat the empty string as NULL.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from bookbridge.sandbox.netsuite.errors import NsError, invalid_parameter

ACCOUNT_TZ = ZoneInfo("America/Los_Angeles")
_FORMAT = re.compile(r'YYYY|MM|DD|HH24|MI|SS|"[^"]*"|.', re.DOTALL)


def search_error(message: str) -> NsError:
    """NetSuite's refusal of a SuiteQL statement it cannot run."""
    return invalid_parameter(f"Invalid search query. Detailed unprocessed description follows. Search error occurred: {message}")


def as_local(value: datetime) -> datetime:
    """An aware time in the account's time zone (naive times already are)."""
    return value.astimezone(ACCOUNT_TZ) if value.tzinfo else value


def to_char(value: Any, fmt: str) -> str | None:
    """Oracle-style ``TO_CHAR`` for dates and times (YYYY MM DD HH24 MI SS, "quoted" text)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = as_local(value)
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        return display(value)
    parts = {"YYYY": f"{moment.year:04d}", "MM": f"{moment.month:02d}", "DD": f"{moment.day:02d}",
             "HH24": f"{moment.hour:02d}", "MI": f"{moment.minute:02d}", "SS": f"{moment.second:02d}"}
    return "".join(parts.get(token, token.strip('"') if token.startswith('"') else token) for token in _FORMAT.findall(fmt))


def parse_moment(text: str, fmt: str) -> datetime:
    """``TO_DATE``/``TO_TIMESTAMP``: ``text`` read with an Oracle format, in the account's time zone."""
    pattern = re.escape(fmt)
    for token, group in (("YYYY", r"(?P<Y>\d{4})"), ("MM", r"(?P<M>\d{1,2})"), ("DD", r"(?P<D>\d{1,2})"),
                         ("HH24", r"(?P<h>\d{1,2})"), ("MI", r"(?P<m>\d{1,2})"), ("SS", r"(?P<s>\d{1,2})")):
        pattern = pattern.replace(re.escape(token), group)
    match = re.fullmatch(pattern, text)
    if not match:
        raise search_error(f"'{text}' does not match the format '{fmt}'.")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    return datetime(parts["Y"], parts.get("M", 1), parts.get("D", 1), parts.get("h", 0), parts.get("m", 0),
                    parts.get("s", 0), tzinfo=ACCOUNT_TZ)


def display(value: Any) -> str | None:
    """A stored value as SuiteQL shows it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, datetime):
        value = as_local(value).date()
    if isinstance(value, date):
        return f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both sides in one type, as SuiteQL's implicit conversions would put them; ``None`` for NULL.

    Oracle, under SuiteQL, treats the empty string as NULL: ``x = ''`` is never true.
    """
    if left is None or right is None or left == "" or right == "":
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        return display(left) if isinstance(left, bool) else str(left).upper(), \
            display(right) if isinstance(right, bool) else str(right).upper()
    if isinstance(left, (date, datetime)) or isinstance(right, (date, datetime)):
        return _moment(left), _moment(right)
    if isinstance(left, (int, Decimal)) or isinstance(right, (int, Decimal)) or (
            str(left).lstrip("-").replace(".", "", 1).isdigit() and str(right).lstrip("-").replace(".", "", 1).isdigit()):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except InvalidOperation:
            return str(left), str(right)
    return str(left), str(right)


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ACCOUNT_TZ)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=ACCOUNT_TZ)
    return parse_moment(str(value), "YYYY-MM-DD")


def compare(left: Any, op: str, right: Any) -> bool:
    """``left op right`` under SuiteQL's conversions; anything compared with NULL is false."""
    pair = _comparable(left, right)
    if pair is None:
        return False
    a, b = pair
    return {"=": a == b, "<>": a != b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def sort_key(value: Any) -> tuple:
    """An ORDER BY key: booleans, then times, then numbers (numeric text included), then text."""
    if isinstance(value, bool):
        return (0, Decimal(int(value)), "")
    if isinstance(value, (date, datetime)):
        return (1, Decimal(str(_moment(value).timestamp())), "")
    text = str(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return (3, Decimal(0), text.casefold())
    return (2, number, "")


def like(value: Any, pattern: str) -> bool:
    """``LIKE`` with ``%`` and ``_``, ignoring case as NetSuite's text searches do (SuiteQL's own rule: unconfirmed)."""
    if value is None:
        return False
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, str(display(value)), re.IGNORECASE | re.DOTALL) is not None
