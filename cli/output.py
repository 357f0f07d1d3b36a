"""Data on stdout as a table, CSV or JSON; the same rows whatever the format."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def emit(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: Format, title: str = ""
) -> None:
    if fmt is Format.json:
        emit_json([{c: row.get(c) for c in columns} for row in rows])
    elif fmt is Format.csv:
        # A report can be tens of thousands of rows: one pass per row, the csv module writing
        # None as an empty cell and numbers as their repr (what str gives); only booleans and
        # JSON values need _cell.
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        special = _SPECIAL_CELLS
        writer.writerows(
            [
                value if type(value) not in special else _cell(value)
                for value in map(row.get, columns)
            ]
            for row in rows
        )
    else:
        print_table(rows, columns, title)


def emit_csv_rows(
    available: Sequence[str],
    rows: Sequence[Sequence[Any]],
    columns: Sequence[str],
    booleans: frozenset[str],
) -> None:
    """CSV of rows as the database driver gives them (tuples in `available` order), the same
    text `emit` writes from dicts: booleans as yes/no, None as an empty cell. A report can be a
    hundred thousand rows, so the csv module does the writing and Python touches only the
    boolean cells."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    at = [list(available).index(column) for column in columns]
    flags = [i for i, column in enumerate(columns) if column in booleans]
    if at == list(range(len(available))) and not flags:
        writer.writerows(rows)
        return
    for row in rows:
        cells = [row[i] for i in at]
        for i in flags:
            if cells[i] is not None:
                cells[i] = "yes" if cells[i] else "no"
        writer.writerow(cells)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    Console(width=_width(), soft_wrap=False).print(table)


_SPECIAL_CELLS = frozenset({bool, list, dict})


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _width() -> int | None:
    # Piped output gets a wide table rather than one folded to 80 columns.
    return None if sys.stdout.isatty() else 200


def emit_json(value: Any) -> None:
    """Indented JSON; orjson writes the same text as json.dump(ensure_ascii=False, indent=2),
    many times faster on a big report, and json takes over for what orjson cannot hold."""
    import orjson

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
