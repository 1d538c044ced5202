"""The QBO query language (ERP_FACTS.md §1.4): statements, quoting, and paging hidden in an iterator."""

from __future__ import annotations

from typing import Any, Callable, Iterator

# MAXRESULTS above 1000 is refused by QBO as far as public clients show (UNCONFIRMED cap).
MAX_PAGE_SIZE = 1000


def quote(value: str) -> str:
    """A string literal for a WHERE clause (QBO escapes quotes with a backslash)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def statement(entity: str, where: str | None = None, *, start: int = 1, max_results: int = MAX_PAGE_SIZE) -> str:
    """``SELECT * FROM entity [WHERE ...] STARTPOSITION n MAXRESULTS m``.

    ORDERBY Id keeps pages stable while rows are added between page requests.
    """
    text = f"SELECT * FROM {entity}"
    if where:
        text += f" WHERE {where}"
    return f"{text} ORDERBY Id STARTPOSITION {start} MAXRESULTS {max_results}"


def paged(
    run_query: Callable[[str], dict[str, Any]], entity: str, where: str | None = None, *, page_size: int = MAX_PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """Every row of ``entity`` matching ``where``, fetching one page at a time as rows are consumed.

    ``run_query`` sends a statement and returns its ``QueryResponse`` object.
    """
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = 1
    while True:
        response = run_query(statement(entity, where, start=start, max_results=size))
        rows = response.get(entity) or []
        yield from rows
        if len(rows) < size:
            return
        start += size
