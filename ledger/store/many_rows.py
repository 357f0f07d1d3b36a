"""Inserting many rows into SQLite, up to 100 to a statement.

`executemany` of a one-row INSERT runs the statement once per row: binding, stepping,
resetting, and for the log the AUTOINCREMENT bookkeeping, all paid per row. One INSERT of 100
rows pays them once, and halved the CPU of an import's inserts (docs/performance.md, branch
append-speed2). The rows go in in the order given, so the table gets the same rows with the
same rowids and positions; a refused row fails its statement as it failed its own, with the
same error, inside the caller's transaction (tests/unit/test_insert_rows.py).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from itertools import chain
from typing import Any

ROWS_PER_STATEMENT = 100
# SQLite's oldest limit on a statement's parameters (SQLITE_MAX_VARIABLE_NUMBER before 3.32).
MAX_PARAMETERS = 999


@functools.cache
def _statement(head: str, width: int, rows: int) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return f"{head} VALUES " + ", ".join([one] * rows)


def insert_many(
    raw: sqlite3.Connection, head: str, width: int, rows: Sequence[Sequence[Any]]
) -> None:
    """`head` ("INSERT INTO t (a, b)") with `rows` of `width` values each, in order."""
    per = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // width))
    whole = len(rows) - len(rows) % per
    if whole:
        raw.executemany(
            _statement(head, width, per),
            [tuple(chain.from_iterable(rows[at : at + per])) for at in range(0, whole, per)],
        )
    if whole < len(rows):
        raw.executemany(_statement(head, width, 1), rows[whole:])
