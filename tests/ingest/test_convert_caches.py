"""The converter's per-value caches keep every row's verdict: a problem is reported on each row that has it."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.ingest.convert import DateParser, RowConverter
from bookbridge.ingest.model import RawRecord
from bookbridge.ingest.normalise import column_key
from bookbridge.ingest.profiles import EXPENSIFY, bind
from bookbridge.store.models import PaymentMethod


def convert_rows(rows: list[dict[str, str]]):
    """Convert several rows with ONE converter, as an import does (so its caches are shared)."""
    converter, out = RowConverter(EXPENSIFY, "USD"), []
    for line, values in enumerate(rows, start=2):
        cells = {column_key(k.replace("_", " ")): v for k, v in values.items()}
        out.append(converter.convert(RawRecord(line, cells, cells), bind(EXPENSIFY, tuple(cells))))
    return out


def row(**overrides: str) -> dict[str, str]:
    return {"Timestamp": "2024-03-01 08:00:00", "Merchant": "Shell", "Amount": "10.00", **overrides}


def test_an_impossible_day_rejects_every_timestamp_on_it() -> None:
    """2024-02-30 at two different times: both rows are refused with bad_date."""
    results = convert_rows([row(Timestamp="2024-02-30 08:00:00"), row(Timestamp="2024-02-30 09:15:00")])
    assert [(draft, [i.code for i in issues]) for draft, issues in results] == [(None, ["bad_date"])] * 2


def test_a_bad_reimbursable_flag_is_reported_on_each_row() -> None:
    """The second row with the same unreadable flag is refused too, not waved through from the cache."""
    results = convert_rows([row(Reimbursable="maybe"), row(Reimbursable="maybe"), row(Reimbursable="Yes")])
    assert [[i.code for i in issues] for _, issues in results] == [["bad_reimbursable"]] * 2 + [[]]
    assert results[2][0].payment_method is PaymentMethod.REIMBURSABLE


def test_an_unknown_original_currency_is_reported_on_each_row() -> None:
    """Each row with original currency XYZ carries its own error."""
    results = convert_rows([row(Original_Currency="XYZ", Original_Amount="9.00")] * 2)
    assert [[i.code for i in issues] for _, issues in results] == [["unknown_currency"]] * 2


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(0, 23), st.integers(0, 59))
def test_timestamps_read_the_same_through_the_day_cache(day: date, hour: int, minute: int) -> None:
    """A timestamp and its bare date give the same day, in either order of first sight."""
    parser = DateParser(EXPENSIFY.date_formats)
    stamp = f"{day.isoformat()} {hour:02d}:{minute:02d}:00"
    assert (parser.parse(stamp), parser.parse(day.isoformat()), parser.parse(stamp)) == (day, day, day)



_DAYS = st.sampled_from(["2024-03-01", "2024-02-30", "2023-12-31", "2024-13-01", "0000-01-01"])
_TIMES = st.sampled_from(["", " 08:00:00", "T8:15", " 23:59:59.5", " 08:00:00Z", "T10:00+02:00", " 08:00:0", "x",
                          " 08:00:00 ", "  08:00", " 25:99"])


@given(st.lists(st.tuples(_DAYS, _TIMES), min_size=1, max_size=12))
def test_remembered_days_and_times_accept_exactly_what_the_pattern_does(stamps: list[tuple[str, str]]) -> None:
    """A parser warmed by earlier timestamps reads each text as a fresh parser would."""
    warm = DateParser(EXPENSIFY.date_formats)
    for day, time_part in stamps:
        text = day + time_part
        assert warm.parse(text) == DateParser(EXPENSIFY.date_formats).parse(text), text
