"""The CSV fast path gives every row exactly the draft the general converter gives, or defers.

An import runs both over one file with shared caches: rows the fast path takes must come out
as :meth:`RowConverter.convert` would make them, and it must never take a row with a problem.
"""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.ingest.convert import RowConverter
from bookbridge.ingest.profiles import BUILTIN_PROFILES, EXPENSIFY, bind
from bookbridge.ingest.readers.csv_reader import _record, header_keys

HEADER = ["Timestamp", "Merchant", "Amount", "MCC", "Category", "Tag", "Comment", "Reimbursable",
          "Original Currency", "Original Amount", "Receipt", "Transaction ID", "Currency"]
_CELLS = {
    "Timestamp": ["2024-03-01 08:00:00", "2024-03-01", "2024-02-30 08:00:00", "03/01/2024", "", " 2024-03-01 ",
                  "2024-03-01T08:00", "tomorrow"],
    "Merchant": ["Shell Oil #12", " Blue Bottle ", "", "x" * 400],
    "Amount": ["10.00", "-4.5", "1,234.56", "", "abc", "1.234", "99999999999999999999", " 7 ", "0.001"],
    "MCC": ["5542", "", " 5812 "],
    "Category": ["Fuel", "", "c" * 300],
    "Tag": ["Truck 1", ""],
    "Comment": ["trip 4", "", "  two  spaces "],
    "Reimbursable": ["Yes", "No", "", "maybe", " yes "],
    "Original Currency": ["EUR", "", "XYZ", "jpy"],
    "Original Amount": ["9.00", "", "12.5", "oops", "1.5"],
    "Receipt": ["https://example.com/r.jpg", ""],
    "Transaction ID": ["", "T-1", "t" * 250],
    "Currency": ["", "USD", "EUR", "XYZ", "jpy"],
}
# Each cell is one of its column's first two (ordinary) values half the time, so that many rows
# are wholly ordinary and seen before, which is when the fast path takes them.
ROWS = st.lists(st.fixed_dictionaries({name: st.sampled_from(values[:2]) | st.sampled_from(values)
                                       for name, values in _CELLS.items()}), min_size=1, max_size=30)


def _both_ways(rows: list[dict[str, str]], header: list[str]) -> tuple[list, list, int]:
    """Every row converted the import's way (fast path, else general) and the general way only,
    with how many rows the fast path took."""
    keys = header_keys(header)
    binding = bind(EXPENSIFY, keys)
    names = tuple(header)
    importing, general = RowConverter(EXPENSIFY, "USD"), RowConverter(EXPENSIFY, "USD")
    fast = importing.fast_path(binding, keys)
    assert fast is not None
    got, want, taken = [], [], 0
    for line, values in enumerate(rows, start=2):
        cells = [values[name] for name in header]
        want.append(general.convert(_record(line, cells, keys, names, len(keys)), binding))
        draft = fast(line, list(cells))
        if draft is None:
            got.append(importing.convert(_record(line, cells, keys, names, len(keys)), binding))
        else:
            taken += 1
            got.append((draft, []))  # the fast path never takes a row that has an issue
    return got, want, taken


@settings(max_examples=300, deadline=None)
@given(ROWS)
def test_fast_path_rows_equal_the_general_converters(rows: list[dict[str, str]]) -> None:
    got, want, _ = _both_ways(rows, HEADER)
    assert got == want


@settings(max_examples=100, deadline=None)
@given(ROWS)
def test_without_a_currency_column_too(rows: list[dict[str, str]]) -> None:
    got, want, _ = _both_ways(rows, [h for h in HEADER if h not in ("Currency", "Reimbursable")])
    assert got == want


def test_an_ordinary_export_mostly_takes_the_fast_path() -> None:
    """Repeated forms are what it is for: the second of two ordinary rows goes the fast way."""
    row = {name: values[0] for name, values in _CELLS.items()} | {"Transaction ID": ""}
    got, want, taken = _both_ways([row, row | {"Amount": "12.00"}, row | {"Merchant": "Other"}], HEADER)
    assert (got, taken) == (want, 2)


def test_bindings_it_cannot_serve_get_no_fast_path() -> None:
    """Split debit/credit amounts (generic profile) and a record type (tms) take the general path."""
    generic, tms = BUILTIN_PROFILES["generic"], BUILTIN_PROFILES["tms"]
    split = header_keys(["Date", "Vendor", "Debit", "Credit"])
    typed = header_keys(["Date", "Type", "Vendor", "Amount"])
    assert RowConverter(generic, "USD").fast_path(bind(generic, split), split) is None
    assert RowConverter(tms, "USD").fast_path(bind(tms, typed), typed) is None


def test_a_real_csv_reads_the_same_through_the_reader(tmp_path) -> None:
    """Through CsvReader.rows/record: short and long rows defer, and line numbers are kept."""
    from bookbridge.ingest.readers import open_source

    text = io.StringIO()
    out = csv.writer(text)
    out.writerow(HEADER[:11])
    out.writerow(["2024-03-01 08:00:00", "Shell", "10.00", "5542", "Fuel", "", "", "No", "USD", "10.00", ""])
    out.writerow(["2024-03-01 08:00:00", "Shell", "11.00", "5542", "Fuel", "", "", "No", "USD", "11.00", ""])
    out.writerow(["2024-03-01 09:00:00", "Shell", "11.00"])  # short: general path, with its warning
    path = tmp_path / "e.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    source = open_source(path, EXPENSIFY)
    converter = RowConverter(EXPENSIFY, "USD")
    fast = converter.fast_path(source.binding, source.keys)
    results = []
    for line, cells in source.rows():
        draft = fast(line, cells)
        results.append((line, "fast" if draft is not None else
                        [i.code for i in converter.convert(source.record_at(line, cells), source.binding)[1]]))
    assert results == [(2, []), (3, "fast"), (4, ["short_row"])]
