"""The projection tables' names and columns as plain data, for code that reads or writes them
with the database driver directly: derived from their declaration, ledger/view_columns.py, as
projections.schema's SQLAlchemy tables are. Importing SQLAlchemy costs a quarter of a second,
more than a report or a one-line append takes otherwise.
"""

from __future__ import annotations

from ledger.view_columns import VIEWS


def _of_kind(*kinds: str) -> dict[str, frozenset[str]]:
    found = {v.name: frozenset(c.name for c in v.columns if c.kind in kinds) for v in VIEWS}
    return {name: columns for name, columns in found.items() if columns}


_TABLES = [view for view in VIEWS if not view.sql_view]

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {v.name: v.column_names for v in _TABLES}
# The SQL views over them (schema.SQL_VIEWS), read like tables.
VIEW_COLUMNS: dict[str, tuple[str, ...]] = {v.name: v.column_names for v in VIEWS if v.sql_view}
READABLE_COLUMNS = {**TABLE_COLUMNS, **VIEW_COLUMNS}

# The table (or SQL view) each `ledger report` reads its rows from.
REPORT_TABLES = {
    "incidents": "incidents",
    "disputed": "incidents",
    "claims": "claims",
    "disputes": "disputes",
    "actors": "actors",
    "provenance": "provenance",
}

# SQLite stores booleans as 0/1; SQLAlchemy turned them back into booleans, and so must we.
BOOLEAN_COLUMNS = _of_kind("boolean")

# Columns holding a JSON array as text: JSON output gives them as arrays, CSV as that text.
# Declared by `listed` on each column.
LIST_COLUMNS: dict[str, frozenset[str]] = {
    name: columns
    for name, columns in ((v.name, frozenset(c.name for c in v.columns if c.listed)) for v in VIEWS)
    if columns
}

# Whole-number and floating-point columns (every other column holds text, or a boolean above).
# A CSV report built by SQLite (projections.csv_lines) prints whole numbers as Python does,
# needs no quoting check for them, and cannot print floats as Python's repr does.
INTEGER_COLUMNS = _of_kind("integer", "position")
FLOAT_COLUMNS = _of_kind("float")

# The tables a rebuild empties, in declaration order: not the projector's own bookkeeping
# (projections.schema.VIEW_TABLES leaves the same out).
NOT_REBUILT = ("projection_tracking", "projection_errors")
VIEW_TABLE_NAMES = tuple(v.name for v in _TABLES if v.name not in NOT_REBUILT)

# The columns that may not be NULL, per table: what a row the fold made is checked against when
# the database refuses it, to name the event behind it (a check on every row would cost a rebuild).
REQUIRED_COLUMNS: dict[str, frozenset[str]] = {
    v.name: frozenset(c.name for c in v.columns if c.required) for v in _TABLES
}
