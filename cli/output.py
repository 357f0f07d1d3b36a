"""Data on stdout as a table, CSV or JSON; the same rows whatever the format."""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any


class Format(StrEnum):
    """What a command that writes rows writes: one row a line in CSV and JSON Lines."""

    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


class RecordFormat(StrEnum):
    """What a command that writes one record (`show`, `audit`, `diff`, `verify`) writes: a
    record is no rows, so no CSV."""

    table = "table"
    json = "json"


# Booleans in CSV, as the database writes them too (projections.queries.boolean_text); lists
# and objects are JSON text there. JSON has its own true/false and arrays.
CSV_TRUE, CSV_FALSE = "true", "false"


def emit(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: Format,
    title: str = "",
    *,
    escape_formulas: bool = True,
) -> None:
    if fmt is Format.json:
        emit_json([{c: row.get(c) for c in columns} for row in rows])
    elif fmt is Format.jsonl:
        emit_jsonl([{c: row.get(c) for c in columns} for row in rows])
    elif fmt is Format.csv:
        # A report can be tens of thousands of rows: one pass per row, the csv module writing
        # None as an empty cell and numbers as their repr (what str gives); only booleans and
        # JSON values need _cell (whose text never starts a formula).
        special = _SPECIAL_CELLS
        emit_csv_rows(
            columns,
            [
                [
                    value if type(value) not in special else _cell(value)
                    for value in map(row.get, columns)
                ]
                for row in rows
            ],
            escape_formulas=escape_formulas,
        )
    else:
        print_table(rows, columns, title)


def emit_csv_rows(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, escape_formulas: bool = True
) -> None:
    """CSV of rows as the database driver gives them, in `columns` order, with booleans
    already 'true'/'false' (`report_rows(booleans_as_text=True)`): the text `emit` writes from
    dicts. A report can be a hundred thousand rows; the csv module writes them all in C.
    With `escape_formulas`, text that a spreadsheet would run is made plain text first
    (`projections.formulas`)."""
    if escape_formulas:
        rows = formulas_escaped(rows)
    sys.stdout.write(csv_text([columns]) + csv_text(rows))


def formulas_escaped(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The rows with every text cell `neutralised`: numbers, None and the rest as they are."""
    from projections.formulas import FORMULA_STARTS, neutralised  # only CSV escapes formulas

    # The first character's test inline: a call per cell would double the cost of this pass
    # (0.25 s for 80,000 rows of 25 cells), and nearly every cell passes it.
    return [
        [
            neutralised(value) if type(value) is str and value[:1] in FORMULA_STARTS else value
            for value in row
        ]
        for row in rows
    ]


def csv_text(rows: Sequence[Sequence[Any]]) -> str:
    """Rows as CSV (the csv module's QUOTE_MINIMAL, "\\n" line ends), a field that holds a CR
    quoted as well: Python 3.11's csv module quotes only the characters of its line end, and
    a CR left bare ends the row for CSV readers (Python's own among them). Those rows are
    written with CR in the line end, which is then cut back to "\\n"."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    if "\r" not in text:
        return text
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    lines = []
    for row in rows:
        writer.writerow(row)
        lines.append(out.getvalue()[:-2] + "\n")
        out.seek(0)
        out.truncate()
    return "".join(lines)


def emit_csv_lines(columns: Sequence[str], lines: Iterable[bytes]) -> None:
    """CSV whose lines the database wrote (`projections.csv_lines`, UTF-8), under its header;
    each piece goes out as it comes, the header with the first: a report that cannot be read
    at all (the database gone, say) writes nothing."""
    pieces = iter(lines)
    first = next(pieces, b"")
    sys.stdout.write(csv_text([columns]))
    sys.stdout.flush()
    binary = getattr(sys.stdout, "buffer", None)
    for piece in itertools.chain([first], pieces):
        if binary is not None:
            binary.write(piece)
        else:  # a text-only stream (some test harnesses)
            sys.stdout.write(piece.decode())
    if binary is not None:
        binary.flush()


def print_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    title: str = "",
    *,
    notes: str | None = None,
) -> None:
    """Rows as a table fitted to the terminal (cli.tables)."""
    from cli.tables import print_table as fitted  # rich, for a table only (cli/tables.py)

    fitted(rows, columns, title, notes=notes)


_SPECIAL_CELLS = frozenset({bool, list, dict})


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return CSV_TRUE if value else CSV_FALSE
    if isinstance(value, list | dict):
        return json_text(value)
    return str(value)


def json_text(value: Any) -> str:
    """A list or object as one line of JSON, as CSV writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def emit_jsonl(rows: Sequence[Any]) -> None:
    """One JSON object a line (JSON Lines): what `jq -c` and line-by-line readers take."""
    import orjson  # JSON output only: a command's --help imports this module

    try:
        lines = [orjson.dumps(row, option=orjson.OPT_NON_STR_KEYS) for row in rows]
    except TypeError:
        sys.stdout.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
        return
    data = b"".join(line + b"\n" for line in lines)
    if hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:  # a text-only stream (some test harnesses)
        sys.stdout.write(data.decode())


def emit_json(value: Any) -> None:
    """Indented JSON; orjson writes the same text as json.dump(ensure_ascii=False, indent=2),
    many times faster on a big report, and json takes over for what orjson cannot hold."""
    import orjson  # JSON output only: a command's --help imports this module

    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    if hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()
        sys.stdout.buffer.write(text + b"\n")
        sys.stdout.buffer.flush()
    else:  # a text-only stream (some test harnesses)
        sys.stdout.write(text.decode() + "\n")
