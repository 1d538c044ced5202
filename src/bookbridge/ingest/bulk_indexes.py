"""Secondary indexes set aside while an import much larger than its tables runs, built again before commit.

Adding a row to an index costs more than building the index afresh costs per row: a new row's
entry lands at a random place in the tree (dates, statuses), while ``CREATE INDEX`` sorts once
and writes full pages in order. So when a file brings at least twice as many rows as a table
already holds (the first import into a new book, years of history into a young one), the
table's plain secondary indexes are dropped before the rows go in and built again once they are
in. Building one over the whole table then costs less than adding each new row to it: 0.2 s of a
100,000-row first import's 3.2 s, measured with ``benchmarks/import_bench.py``. An import smaller
than that keeps every index as it is, because building again would scan more old rows than it
saves on new ones.

The decision is made up front, from the number of lines in the file (the service counts them
while hashing the file). It is only a cost estimate: a quoted cell spanning lines makes it a
little high, and a JSON or XML feed, whose lines say nothing about its records, gives none and
keeps its indexes.

What never changes:

* Unique indexes stay, whatever the size: they are constraints, and the book must refuse a
  duplicate key on the statement that adds it. Only ``CREATE INDEX`` (not ``UNIQUE``) is set aside.
* Everything happens inside the import's transaction, so the book never commits without its
  indexes: a crash, a cancel or a ``--strict`` refusal rolls the drop back with the rows, and a
  reader on another connection sees the book with every index throughout (WAL snapshots).
* Each index comes back from its own stored ``CREATE INDEX`` text, so names, columns and partial
  ``WHERE`` clauses are exactly what the migrations made.
"""

from __future__ import annotations

from typing import Any

# Below this many rows a file never sets indexes aside: too little to be worth a schema change.
MIN_ROWS = 10_000


def worth_setting_aside(expected_rows: int | None, rows_before: int) -> bool:
    """Whether building a table's indexes again beats adding ``expected_rows`` to them.

    Adding a row to an index costs about 1.6 times what building costs per row (measured on
    the benchmark's 100,000 rows), so building over ``rows_before + n`` rows wins while
    ``rows_before`` is under about 0.6 n; half of n leaves room for the estimate being high.
    """
    return expected_rows is not None and expected_rows >= MIN_ROWS and rows_before * 2 <= expected_rows


class BulkIndexes:
    """The secondary indexes of some tables, set aside for one import (see the module docstring).

    ``raw`` is the import's DB-API connection, inside the import's transaction.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._set_aside: dict[str, list[str]] = {}  # table -> the CREATE INDEX text of each dropped index

    @property
    def set_aside(self) -> tuple[str, ...]:
        """The tables whose indexes are dropped right now."""
        return tuple(self._set_aside)

    def prepare(self, tables: tuple[str, ...], expected_rows: int | None) -> None:
        """Set aside the indexes of each table the file will at least double (see :func:`worth_setting_aside`)."""
        if expected_rows is None or expected_rows < MIN_ROWS:
            return
        for table in tables:
            # The largest rowid is one probe and equals the row count in a book that rarely deletes.
            rows_before = int(self._raw.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()[0])
            if table not in self._set_aside and worth_setting_aside(expected_rows, rows_before):
                self._set_aside[table] = self._drop(table)

    def restore(self) -> None:
        """Build every index set aside again (before the import commits)."""
        for texts in self._set_aside.values():
            for text in texts:
                self._raw.execute(text)
        self._set_aside.clear()

    def _drop(self, table: str) -> list[str]:
        # sql IS NULL marks an index SQLite made for a UNIQUE or PRIMARY KEY constraint; a unique
        # index made with CREATE UNIQUE INDEX is a constraint too. Neither is ever dropped.
        found = self._raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
            "AND upper(substr(ltrim(sql), 1, 13)) = 'CREATE INDEX ' ORDER BY name", (table,)).fetchall()
        for name, _ in found:
            self._raw.execute(f'DROP INDEX "{name}"')
        return [text for _, text in found]
