"""`ledger verify --views`: the views recomputed from the log and compared, row by row, with the
views as stored, so an edited view (`UPDATE claims SET status = 'confirmed'`) cannot pass for
the truth.

The views are recomputed by the projector itself, not a second one: the log, up to the position
the stored views claim to hold, is copied into a scratch SQLite ledger in a temporary directory
and `rebuild` fills that ledger's views. The scratch copy costs about the log's size on disk;
the comparison holds one table's rows (stored and recomputed) in memory at a time.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification

from ledger.application import IncidentLedger
from ledger.errors import stored_state
from ledger.store.config import StoreConfig, resolve
from ledger.store.migrate import upgrade
from ledger.store.names import EVENTS_TABLE
from projections.catchup import connect
from projections.columns import BOOLEAN_COLUMNS, FLOAT_COLUMNS, TABLE_COLUMNS, VIEW_TABLE_NAMES
from projections.rebuild import rebuild
from projections.schema import metadata
from projections.search import vocabulary
from projections.staleness import tracked_position


@dataclass(frozen=True)
class ViewDifference:
    """One row of a view that is not what the log gives."""

    table: str
    key: str
    problem: str


@dataclass
class ViewCheck:
    position: int  # the log position the stored views claim to hold, and were compared at
    rows: int  # rows compared
    differences: list[ViewDifference]


def check_views(ledger: IncidentLedger, store: StoreConfig) -> ViewCheck:
    """Recompute every view from the log and list each stored row that differs."""
    with connect(store) as db:
        position = tracked_position(db.raw)
    with tempfile.TemporaryDirectory(prefix="ledger-views-") as directory:
        scratch = resolve(str(Path(directory) / "views.db"))
        upgrade(scratch)
        _copy_log(ledger, scratch, position)
        copy = IncidentLedger(scratch)
        try:
            rebuild(copy, scratch)
        finally:
            copy.close()
        differences: list[ViewDifference] = []
        rows = 0
        for table in VIEW_TABLE_NAMES:
            stored, derived = _rows(store, table), _rows(scratch, table)
            rows += len(stored)
            differences.extend(_compare(table, stored, derived))
        if store.backend == "sqlite":  # PostgreSQL's index is the database's own, over timeline
            differences.extend(_compare_search(store, scratch))
    return ViewCheck(position, rows, differences)


def _state(n: Notification) -> bytes:
    return stored_state(n.id, str(n.originator_id), n.originator_version, n.state)


def _copy_log(ledger: IncidentLedger, scratch: StoreConfig, position: int) -> None:
    insert = (
        f"INSERT INTO {EVENTS_TABLE} "
        "(notification_id, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)"
    )
    connection = sqlite3.connect(scratch.sqlite_path)
    try:
        with connection:
            for batch in ledger.iter_notifications(batch=5_000, stop=position):
                connection.executemany(
                    insert,
                    [
                        (n.id, n.originator_id, n.originator_version, n.topic, _state(n))
                        for n in batch
                    ],
                )
    finally:
        connection.close()


def _primary_key(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in metadata.tables[table].primary_key.columns)


def _rows(store: StoreConfig, table: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """A table's rows by primary key, each value as Python sees it on either backend."""
    columns = TABLE_COLUMNS[table]
    key = _primary_key(table)
    booleans = BOOLEAN_COLUMNS.get(table, frozenset())
    floats = FLOAT_COLUMNS.get(table, frozenset())
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connect(store) as db:
        found = db.rows(f"SELECT {quoted} FROM {table}")
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for values in found:
        row = dict(zip(columns, values, strict=True))
        for column in booleans:
            if row[column] is not None:
                row[column] = bool(row[column])
        for column in floats:
            if row[column] is not None:
                row[column] = float(row[column])
        rows[tuple(row[k] for k in key)] = row
    return rows


def _compare(
    table: str,
    stored: dict[tuple[Any, ...], dict[str, Any]],
    derived: dict[tuple[Any, ...], dict[str, Any]],
) -> Iterator[ViewDifference]:
    for key in sorted(stored.keys() | derived.keys(), key=repr):
        name = "/".join(str(part) for part in key)
        mine, theirs = stored.get(key), derived.get(key)
        if theirs is None:
            yield ViewDifference(table, name, "in the view, but not given by the log")
        elif mine is None:
            yield ViewDifference(table, name, "given by the log, but missing from the view")
        else:
            for column, value in mine.items():
                if value != theirs[column]:
                    yield ViewDifference(
                        table,
                        name,
                        f"{column} is {_short(value)} in the view, {_short(theirs[column])} "
                        "from the log",
                    )


def _compare_search(store: StoreConfig, scratch: StoreConfig) -> Iterator[ViewDifference]:
    """The search index's terms, each with its document and occurrence counts."""
    stored, derived = vocabulary(store.sqlite_file), vocabulary(scratch.sqlite_file)
    for term in sorted(stored.keys() | derived.keys()):
        mine, theirs = stored.get(term, (0, 0)), derived.get(term, (0, 0))
        if mine != theirs:
            what = "documents indexed" if term == "" else f"term {term!r} (documents, occurrences)"
            yield ViewDifference(
                "report_search", term, f"{what} is {mine} in the index, {theirs} from the log"
            )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
