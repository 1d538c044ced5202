"""Xero's ways of writing time: ``/Date(1552521600000+0000)/`` in answers, ISO text in requests."""

from __future__ import annotations

import email.utils
import re
from datetime import date, datetime, time, timedelta, timezone

_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _millis(moment: datetime) -> int:
    # Integer division of timedeltas: total_seconds() * 1000 is a float and can lose a millisecond.
    return (moment.astimezone(timezone.utc) - _EPOCH) // timedelta(milliseconds=1)


def ms_datetime(moment: datetime) -> str:
    """``/Date(ms+0000)/`` for a timestamp (``UpdatedDateUTC``)."""
    return f"/Date({_millis(moment)}+0000)/"


def ms_date(day: date) -> str:
    """``/Date(ms+0000)/`` for a calendar date (midnight UTC), as Xero writes ``Date`` fields."""
    return ms_datetime(datetime.combine(day, time(0), tzinfo=timezone.utc))


def envelope_time(moment: datetime) -> str:
    """The answer envelope's ``DateTimeUTC``: milliseconds without an offset."""
    return f"/Date({_millis(moment)})/"


def parse_moment(text: str) -> datetime:
    """A timestamp written either way; naive ISO text is UTC.

    Raises:
        ValueError: not a date Xero would accept.
    """
    value = text.strip()
    match = _MS_DATE.match(value)
    if match:
        return _EPOCH + timedelta(milliseconds=int(match["ms"]))
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_day(text: str) -> date:
    """A request's ``Date``/``DueDate``: ``2025-01-31``, ``2025-01-31T00:00:00`` or ``/Date(...)/``."""
    return parse_moment(text).date()


def parse_if_modified_since(text: str) -> datetime:
    """``If-Modified-Since``: Xero's own example is ISO 8601; HTTP dates are accepted too.

    Raises:
        ValueError: neither form.
    """
    try:
        return parse_moment(text)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(text)
        if parsed is None:
            raise ValueError(f"not a date: {text!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
