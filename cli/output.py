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
        json.dump(
            [{c: row.get(c) for c in columns} for row in rows],
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    elif fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    else:
        print_table(rows, columns, title)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    Console(width=_width(), soft_wrap=False).print(table)


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
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
