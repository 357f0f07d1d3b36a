"""CSV reports on SQLite written by the database: each row comes back as one line of text.

A report of 80,000 claims is two million cells. Through the driver each cell becomes a Python
object, and then the csv module copies every character: 0.37 s and 0.39 s for those 80,000
claims at 1,000,000 events. Here SQLite's `printf` builds each row's line in one piece, quoting
each text field as the csv module would, and Python only joins the lines. A long report is read
in two halves, by this process and the forked worker at once (`ledger.infra.parallel`).

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

This process counts the rows and reads the first half in one read transaction. The worker
reads the second half into a temporary file, in a read transaction of its own, and first checks
that the projection position is the one the rows were counted at: so both halves show the
views as one projector commit left them. The projector changes view rows only in a transaction
that also moves that position forward, or, in a rebuild at the same position, writes the same
rows again. If a projector commits in between, this process reads the second half too, in its
transaction.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from ledger.store.config import StoreConfig
from projections.columns import BOOLEAN_COLUMNS, FLOAT_COLUMNS, INTEGER_COLUMNS, READABLE_COLUMNS
from projections.formulas import neutralised_sql
from projections.queries import COLUMNS, boolean_text, read_connection, report_query
from projections.staleness import tracked_position

# A report of this many rows or more is read in two halves, one on each core. Below it, forking
# the worker costs more than it saves.
PARALLEL_FROM = 20_000
# printf's format counts as one argument; SQLite allows 100 by default.
_MAX_COLUMNS = 99


def report_csv_lines(
    store: StoreConfig,
    name: str,
    columns: Sequence[str],
    *,
    escape_formulas: bool = True,
    limit: int | None = None,
    **filters: Any,
) -> Iterator[bytes] | None:
    """The report's CSV lines in UTF-8, each ending in "\\n", without the header, in pieces;
    None where SQLite cannot write them as the csv module would (see the module's docstring).
    ValueError for a bad filter value or an unknown column, before any line."""
    if store.backend != "sqlite":
        return None
    sql, parameters, table = report_query(name, **filters)
    lines = (
        csv_line_sql(table, columns, escape_formulas=escape_formulas),
        csv_line_sql(table, columns, line_breaks=True, escape_formulas=escape_formulas),
    )
    if lines[0] is None or lines[1] is None:
        return None
    selects = (sql.replace(COLUMNS, lines[0], 1), sql.replace(COLUMNS, lines[1], 1))
    count_sql = f"SELECT count(*) FROM ({sql.replace(COLUMNS, '1', 1)})"
    return _pieces(store, selects, count_sql, parameters, limit)


def _pieces(
    store: StoreConfig,
    selects: tuple[str, str],
    count_sql: str,
    parameters: Sequence[Any],
    limit: int | None,
) -> Iterator[bytes]:
    with read_connection(store) as connection:
        # One read transaction: the count, this process's half, and the worker's if the views
        # moved on before the worker could read them.
        connection.execute("BEGIN")
        position = tracked_position(connection)
        (count,) = connection.execute(count_sql, parameters).fetchone()
        if limit is not None:
            count = min(count, limit)
        if count < PARALLEL_FROM:
            yield _lines(connection, selects, parameters, -1 if limit is None else count, 0)
            return
        from ledger.infra.parallel import Worker

        half = count // 2
        rest = -1 if limit is None else count - half  # the second half's rows (-1: all)
        # The worker writes its half to a temporary file it inherits: through the result
        # pipe, a megabyte at a time, 15 MB took 0.05 s after both halves were done.
        with tempfile.TemporaryFile() as spill, Worker() as worker:
            second = (spill.fileno(), store.sqlite_reader_uri(), selects, list(parameters))
            written = worker.start((_slice_into, (*second, position, rest, half)))
            yield _lines(connection, selects, parameters, half, 0)
            if written() is None:
                yield _lines(connection, selects, parameters, rest, half)
            else:
                spill.seek(0)
                yield spill.read()


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
        raise ValueError(f"no column {unknown[0]!r} in {table}")
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


def _slice_into(
    fd: int,
    uri: str,
    selects: tuple[str, str],
    parameters: list[Any],
    position: int | None,
    limit: int,
    offset: int,
) -> int | None:
    """The lines of one slice of the report (`limit` rows after the first `offset`), written
    to the open file `fd`; the bytes written, or None (nothing written) when the views are no
    longer at `position`. The worker runs it, on a connection of its own."""
    connection = sqlite3.connect(uri, uri=True)
    try:
        connection.execute("BEGIN")
        if tracked_position(connection) != position:
            return None
        lines = _lines(connection, selects, parameters, limit, offset)
    finally:
        connection.close()
    with os.fdopen(os.dup(fd), "wb") as out:  # a duplicate: the caller's stays open
        out.write(lines)
    return len(lines)


def _lines(
    connection: sqlite3.Connection,
    selects: tuple[str, str],
    parameters: Sequence[Any],
    limit: int,
    offset: int,
) -> bytes:
    """The lines, in UTF-8 (stdout and the worker's file take them as they are), of `limit`
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
