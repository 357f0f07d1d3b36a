"""The library's recorders, bound to the `ledger_events` table, plus the ledger's one write path.

Reads (aggregates, the notification log) go through eventsourcing's own code. Writes go through
`WriteSession`: one transaction that may span many batches (an import is all-or-nothing), that
also records report ids in `ledger_reports`, and that on PostgreSQL takes the same
`LOCK TABLE ... IN EXCLUSIVE MODE` as the library, so notification ids commit in id order and a
catch-up that trusts the highest id it has seen never skips an event.

PostgreSQL's recorder lives in `ledger.store.postgres_recorder`, so that a command on a SQLite
ledger never imports psycopg (a fifth of a short command's start-up).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import Notification
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from ledger.store.many_rows import insert_many
from ledger.store.names import EVENTS_TABLE, REFERENCES_TABLE, REPORTS_TABLE

IndexRow = tuple[
    str, str, str, str | None, str, int
]  # report, incident, type, by, fingerprint, version
ReferenceRow = tuple[str, str, str]  # source report, target report, source incident
# A log row as the library's StoredEvent holds it: originator id, version, topic, state.
EventRow = tuple[str, int, str, bytes]

_INSERT_EVENT = (
    f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
    "VALUES ({p}, {p}, {p}, {p})"
)
_INSERT_REFERENCE = (
    f"INSERT INTO {REFERENCES_TABLE} (source, target, source_incident) VALUES ({{p}}, {{p}}, {{p}})"
)
_INSERT_REPORT = (
    f"INSERT INTO {REPORTS_TABLE} (report, incident, type, by, fingerprint, version) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
)


class ConflictingWrite(Exception):
    """Another writer recorded the same incident version or report id first: reload and retry."""


class WriteSession(Protocol):
    def insert(
        self,
        events: Sequence[EventRow],
        reports: Sequence[IndexRow],
        references: Sequence[ReferenceRow],
    ) -> None: ...


class LedgerRecorder(Protocol):
    """What the ledger asks of its recorder beyond the library's `ApplicationRecorder`: the
    log's own queries (by position, by report, by reference; the report index's pages, which
    verify's `IndexCheck` reads) and the write session. Both recorders, `LedgerSQLiteRecorder`
    and `LedgerPostgresRecorder`, provide it (mypy checks each against it, at the end of its
    module); `IncidentLedger.ledger_recorder` is the recorder typed as this."""

    def select_positioned(
        self, originator_id: str, *, lte_position: int | None = None
    ) -> list[Notification]: ...

    def select_versions(self, keys: Sequence[tuple[str, int]]) -> list[Notification]: ...

    def find_reports(self, reports: Sequence[str]) -> list[tuple[Any, ...]]: ...

    def referrers(self, targets: Sequence[str]) -> list[tuple[str, str]]: ...

    def existing_incidents(self, incidents: Sequence[str]) -> set[str]: ...

    def references_from(self, sources: Sequence[str]) -> list[ReferenceRow]: ...

    def index_count(self, table: str) -> int: ...

    def index_page(
        self, table: str, after: tuple[str, ...], limit: int
    ) -> list[tuple[Any, ...]]: ...

    def write_session(self) -> AbstractContextManager[WriteSession]: ...


def _by_incident(keys: Sequence[tuple[str, int]]) -> dict[str, list[int]]:
    grouped: dict[str, list[int]] = {}
    for originator_id, version in keys:
        grouped.setdefault(originator_id, []).append(version)
    return grouped


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The report index's tables, their columns and key, as `index_page` reads them.
INDEX_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    REPORTS_TABLE: (("report", "incident", "type", "by", "version"), ("report",)),
    REFERENCES_TABLE: (("source", "target", "source_incident"), ("source", "target")),
}


def _index_page(table: str, after: tuple[str, ...], limit: int, mark: str) -> tuple[str, list[Any]]:
    columns, key = INDEX_TABLES[table]
    # A row value pages through a composite key on both backends; ORDER BY and > use the same
    # collation, so no row is skipped or read twice. Columns quoted: "by" is a keyword.
    where = f"WHERE ({', '.join(key)}) > ({', '.join([mark] * len(key))}) " if after else ""
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f"SELECT {quoted} FROM {table} {where}ORDER BY {', '.join(key)} LIMIT {int(limit)}"
    return statement, list(after)


# (position, originator_id, originator_version, topic, state)
StoredRow = tuple[int, str, int, str, bytes]
_STORED_COLUMNS = "notification_id, originator_id, originator_version, topic, state"


def read_stored_rows(uri: str, after: int | None, stop: int) -> list[StoredRow]:
    """The events in (after, stop] as `StoredRow`s (`after` None: every row up to `stop`,
    whatever its position), read from the SQLite file at `uri` on a
    read-only connection of the calling process's own: a rebuild's or a verify's worker (or
    this process, when it takes one of their tasks) reads the log itself, and never through a
    connection inherited across a fork. Open them inside `readers_closed()`."""
    connection = _READERS.get(uri)
    if connection is None:
        connection = _READERS[uri] = sqlite3.connect(uri, uri=True)
    if after is None:
        statement = (
            f"SELECT {_STORED_COLUMNS} FROM {EVENTS_TABLE} "
            "WHERE notification_id <= ? ORDER BY notification_id"
        )
        return connection.execute(statement, (stop,)).fetchall()
    statement = (
        f"SELECT {_STORED_COLUMNS} FROM {EVENTS_TABLE} "
        "WHERE notification_id > ? AND notification_id <= ? ORDER BY notification_id"
    )
    return connection.execute(statement, (after, stop)).fetchall()


# Each process's read-only connections, by URI: opened on a process's first read, closed at the
# end of a run in this one (a worker's end with it).
_READERS: dict[str, sqlite3.Connection] = {}


@contextmanager
def readers_closed() -> Iterator[None]:
    """Close this process's read-only connections at the end of a run (entered before a
    worker is forked, so that it inherits none)."""
    try:
        yield
    finally:
        while _READERS:
            _READERS.popitem()[1].close()


def positioned_query(
    originator_id: str, lte_position: int | None, mark: str
) -> tuple[str, list[Any]]:
    """Both recorders' `select_positioned`: the statement and parameters that read one
    aggregate's events (up to `lte_position`) with their log positions, in version order;
    `mark` is the driver's placeholder (? for sqlite3, %s for psycopg)."""
    statement = (
        "SELECT notification_id, originator_id, originator_version, topic, state "
        f"FROM {EVENTS_TABLE} WHERE originator_id = {mark} "
    )
    params: list[Any] = [originator_id]
    if lte_position is not None:
        statement += f"AND notification_id <= {mark} "
        params.append(lte_position)
    return statement + "ORDER BY originator_version", params


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite: positions are `notification_id`, an AUTOINCREMENT rowid alias."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = EVENTS_TABLE):
        super().__init__(datastore, EVENTS_TABLE)
        # The inherited `insert_events` (the library's `Application.save` calls it, as do its
        # contract tests) names no columns: right for the library's 4-column table, wrong for
        # `ledger_events`, whose `notification_id` column comes first. Naming them
        # lets SQLite assign `notification_id`, which `lastrowid` then returns (it is the
        # rowid alias), so the inherited path returns the ledger's positions; it is also the
        # statement the write session uses, so both paths write rows alike.
        self.insert_events_statement = _INSERT_EVENT.format(p="?")
        self.select_events_statement = (
            f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
            "WHERE originator_id=? "
        )
        self.select_max_notification_id_statement = (
            f"SELECT MAX(notification_id) FROM {EVENTS_TABLE}"
        )

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        clauses: list[str] = []
        params: list[Any] = []
        if start is not None:
            clauses.append("notification_id >= ?" if inclusive_of_start else "notification_id > ?")
            params.append(start)
        if stop is not None:
            clauses.append("notification_id <= ?")
            params.append(stop)
        if topics:
            clauses.append(f"topic IN ({','.join('?' * len(topics))})")
            params.extend(topics)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        statement = (
            f"SELECT {_STORED_COLUMNS} FROM {EVENTS_TABLE} {where}ORDER BY notification_id LIMIT ?"
        )
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor  # type: ignore[attr-defined]
            cursor.row_factory = None  # tuples, not the library's sqlite3.Row objects
            cursor.execute(statement, params)
            return [
                Notification(originator, version, topic, state, position)
                for position, originator, version, topic, state in cursor.fetchall()
            ]

    def select_positioned(
        self, originator_id: str, *, lte_position: int | None = None
    ) -> list[Notification]:
        statement, params = positioned_query(originator_id, lte_position, "?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [Notification(row[1], row[2], row[3], row[4], row[0]) for row in c.fetchall()]

    def select_versions(self, keys: Sequence[tuple[str, int]]) -> list[Notification]:
        """The events at these (incident, version) keys, in log order: one query an incident."""
        found: list[Notification] = []
        with self.datastore.transaction(commit=False) as c:
            for originator_id, versions in _by_incident(keys).items():
                c.execute(
                    "SELECT notification_id, originator_id, originator_version, topic, state "
                    f"FROM {EVENTS_TABLE} WHERE originator_id = ? "
                    f"AND originator_version IN ({','.join('?' * len(versions))})",
                    [originator_id, *versions],
                )
                found.extend(Notification(r[1], r[2], r[3], r[4], r[0]) for r in c.fetchall())
        return sorted(found, key=lambda n: n.id)

    def find_reports(self, reports: Sequence[str]) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(list(reports)):
                c.execute(
                    "SELECT report, incident, type, by, fingerprint, version FROM "
                    f"{REPORTS_TABLE} WHERE report IN ({','.join('?' * len(chunk))})",
                    list(chunk),
                )
                found.extend(tuple(row) for row in c.fetchall())
        return found

    def referrers(self, targets: Sequence[str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(list(targets)):
                c.execute(
                    f"SELECT source, source_incident FROM {REFERENCES_TABLE} "
                    f"WHERE target IN ({','.join('?' * len(chunk))})",
                    list(chunk),
                )
                found.extend((row[0], row[1]) for row in c.fetchall())
        return found

    def references_from(self, sources: Sequence[str]) -> list[ReferenceRow]:
        found: list[ReferenceRow] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(list(sources)):
                c.execute(
                    f"SELECT source, target, source_incident FROM {REFERENCES_TABLE} "
                    f"WHERE source IN ({','.join('?' * len(chunk))})",
                    list(chunk),
                )
                found.extend((row[0], row[1], row[2]) for row in c.fetchall())
        return found

    def index_count(self, table: str) -> int:
        assert table in INDEX_TABLES
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT count(*) FROM {table}")
            return int(c.fetchone()[0])

    def index_page(self, table: str, after: tuple[str, ...], limit: int) -> list[tuple[Any, ...]]:
        """The next `limit` rows of `ledger_reports` or `ledger_references` in key order."""
        statement, params = _index_page(table, after, limit, "?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [tuple(row) for row in c.fetchall()]

    def existing_incidents(self, incidents: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(list(incidents)):
                c.execute(
                    f"SELECT originator_id FROM {EVENTS_TABLE} WHERE originator_version = 1 "
                    f"AND originator_id IN ({','.join('?' * len(chunk))})",
                    list(chunk),
                )
                found.update(row[0] for row in c.fetchall())
        return found

    @contextmanager
    def write_session(self) -> Iterator[WriteSession]:
        connection = self.datastore.pool.get_connection(is_writer=True)
        raw: sqlite3.Connection = connection._sqlite_conn
        try:
            # IMMEDIATE takes the write lock now (waiting up to the busy timeout), so a
            # deferred read-then-write upgrade can never fail half-way with SQLITE_BUSY.
            raw.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteSession(raw)
                raw.execute("COMMIT")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
        except sqlite3.IntegrityError as e:
            raise ConflictingWrite(str(e)) from e
        finally:
            self.datastore.pool.put_connection(connection)


class _SQLiteSession:
    def __init__(self, raw: sqlite3.Connection):
        self.raw = raw

    def insert(
        self,
        events: Sequence[EventRow],
        reports: Sequence[IndexRow],
        references: Sequence[ReferenceRow],
    ) -> None:
        _insert_rows(self.raw, _INSERT_REPORT, reports)
        _insert_rows(self.raw, _INSERT_REFERENCE, references)
        _insert_rows(self.raw, _INSERT_EVENT, events)


def _insert_rows(raw: sqlite3.Connection, insert: str, rows: Sequence[Sequence[Any]]) -> None:
    """`insert` (one row of `{p}` placeholders) for every row, 100 rows to a statement."""
    insert_many(raw, insert.partition(" VALUES")[0], insert.count("{p}"), rows)


# Checked by mypy: the recorder has every query the ledger reads through `LedgerRecorder`.
_PROVIDES_LEDGER_QUERIES: type[LedgerRecorder] = LedgerSQLiteRecorder
