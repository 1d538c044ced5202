"""Timestamps as QBO writes them.

QBO answers in the company's local time with an explicit offset (the fixtures show Pacific
time, e.g. ``2015-06-29T12:33:57-07:00``). The sandbox uses a fixed -08:00 offset: a client that
ignores offsets and assumes UTC then gets visibly wrong results in tests instead of passing by luck.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

COMPANY_TZ = timezone(timedelta(hours=-8))


def metadata_time(moment: datetime) -> str:
    """Second precision with offset, as in ``MetaData.CreateTime``."""
    return moment.astimezone(COMPANY_TZ).isoformat(timespec="seconds")


def response_time(moment: datetime) -> str:
    """Millisecond precision with offset, as in an answer's ``time``."""
    return moment.astimezone(COMPANY_TZ).isoformat(timespec="milliseconds")


def epoch_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time; naive values are read in the company's zone.

    Raises:
        ValueError: the text is not ISO 8601.
    """
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=COMPANY_TZ)
    return moment
