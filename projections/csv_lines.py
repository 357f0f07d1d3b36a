"""CSV reports on SQLite written by the database: each row comes back as one line of text.

A report of 80,000 claims is two million cells. Through the driver each cell becomes a Python
object, and then the csv module copies every character: 0.37 s and 0.39 s for those 80,000
claims at 1,000,000 events. Here SQLite's `printf` builds each row's line in one piece, quoting
each text field as the csv module would, and Python only joins the lines. (A long report used
to be read in two halves, here and in the forked worker; measured with and without on an idle
machine it gained 1.04x, under the 15% bar, and went: docs/performance.md.)

The lines are those `cli.output.csv_text` writes with the csv module, byte for byte
(QUOTE_MINIMAL, "\\n" line ends): a text field is quoted when it holds a comma, a double quote,
LF or CR, and its quotes are doubled. NULL is an empty field, whole numbers print as Python
prints them, and booleans are 'true'/'false'. The ledger refuses NUL in any text, so SQLite's
`printf`, which stops at one, never meets it.
tests/unit/test_csv_lines.py holds SQLite to all of this with Hypothesis.

Three cases are not written this way (`None`: the caller takes `csv_text`'s way):
- floats, which SQLite prints differently from Python's repr;
- a single column, where the csv module writes an empty field as `""`;
- PostgreSQL.

The lines are read in one read transaction, so they show the views as one projector commit
left them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ledger.errors import InvalidFilter
from ledger.store.config import StoreConfig
from ledger.store.errors import translated
from projections.columns import BOOLEAN_COLUMNS, FLOAT_COLUMNS, INTEGER_COLUMNS, READABLE_COLUMNS
from projections.formulas import neutralised_sql
from projections.queries import (
    COLUMNS,
    boolean_text,
    read_connection,
    report_query,
    resolved_filters,
)

# printf's format counts as one argument; SQLite allows 100 by default.
_MAX_COLUMNS = 99


def report_csv_lines(
    store: StoreConfig,
    name: str,
    columns: Sequence[str],
    *,
    escape_formulas: bool = True,
    limit: int | None = None,
    on_unknown: Callable[[str], object] | None = None,
    lock_timeout: float = 30.0,
    **filters: Any,
) -> Iterator[bytes] | None:
    """The report's CSV lines in UTF-8, each ending in "\\n", without the header, in pieces;
    None where SQLite cannot write them as the csv module would (see the module's docstring).
    InvalidFilter for a bad filter value or an unknown column, before any line. `actor` and
    `side` name actors through the registry, as in `report_rows`; a store error, met here or
    while the lines are read, is `StoreUnavailable` (`lock_timeout`, as there)."""
    if store.backend != "sqlite":
        return None
    with translated(store, lock_timeout):
        resolved = resolved_filters(store, filters, on_unknown)
    sql, parameters, table = report_query(name, **resolved)
    lines = (
        csv_line_sql(table, columns, escape_formulas=escape_formulas),
        csv_line_sql(table, columns, line_breaks=True, escape_formulas=escape_formulas),
    )
    if lines[0] is None or lines[1] is None:
        return None
    selects = (sql.replace(COLUMNS, lines[0], 1), sql.replace(COLUMNS, lines[1], 1))
    return _pieces(store, selects, parameters, limit, lock_timeout)


def _pieces(
    store: StoreConfig,
    selects: tuple[str, str],
    parameters: Sequence[Any],
    limit: int | None,
    lock_timeout: float,
) -> Iterator[bytes]:
    with translated(store, lock_timeout), read_connection(store) as connection:
        connection.execute("BEGIN")  # one read transaction: one projector commit's views
        yield _lines(connection, selects, parameters, -1 if limit is None else limit, 0)


def csv_line_sql(
    table: str,
    columns: Sequence[str],
    *,
    line_breaks: bool = False,
    escape_formulas: bool = True,
) -> str | None:
    """The SQL expression of one row's CSV line, or None for columns it cannot write as the
    csv module would (a float, a single column; see the module's docstring). A text field is
    quoted when it holds a comma or a double quote, and with `line_breaks` also LF or CR: a
    check that costs a quarter of the query, and that a report with no line break needs
    not. With `escape_formulas`, a text field is `projections.formulas.neutralised` first, as
    `cli.output` does on the csv module's way."""
    unknown = [c for c in columns if c not in READABLE_COLUMNS[table]]
    if unknown:
        raise InvalidFilter(f"no column {unknown[0]!r} in {table}")
    floats = FLOAT_COLUMNS.get(table, frozenset())
    if not 2 <= len(columns) <= _MAX_COLUMNS or floats.intersection(columns):
        return None
    special = ("','", "'\"'", *(("char(10)", "char(13)") if line_breaks else ()))
    cells = ", ".join(_cell(table, column, special, escape_formulas) for column in columns)
    return f"printf('{','.join(['%s'] * len(columns))}', {cells})"


def _cell(table: str, column: str, special: Sequence[str], escape_formulas: bool) -> str:
    ref = f'{table}."{column}"'
    if column in BOOLEAN_COLUMNS.get(table, ()):
        return boolean_text(ref)
    if column in INTEGER_COLUMNS.get(table, ()):
        return ref  # digits and a sign: nothing to quote, and a number: nothing to escape
    # The apostrophe is no CSV special: whether to quote is decided on the stored text.
    value = neutralised_sql(ref) if escape_formulas else ref
    holds = " OR ".join(f"instr({ref}, {c})" for c in special)
    return f"CASE WHEN {holds} THEN '\"' || replace({value}, '\"', '\"\"') || '\"' ELSE {value} END"


def _lines(
    connection: sqlite3.Connection,
    selects: tuple[str, str],
    parameters: Sequence[Any],
    limit: int,
    offset: int,
) -> bytes:
    """The lines, in UTF-8 (stdout takes them as they are), of `limit`
    rows (-1: all) after the first `offset`: quoted for commas and quotes only, unless a field
    holds a line break (a line then holds LF or CR): then read again with every field checked
    for those too."""
    window = [*parameters, limit, offset]
    rows = connection.execute(f"{selects[0]} LIMIT ? OFFSET ?", window).fetchall()
    text = "".join([line + "\n" for (line,) in rows])
    if text.count("\n") != len(rows) or "\r" in text:
        rows = connection.execute(f"{selects[1]} LIMIT ? OFFSET ?", window).fetchall()
        text = "".join([line + "\n" for (line,) in rows])
    return text.encode()
