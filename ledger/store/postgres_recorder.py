"""PostgreSQL's recorder: the library's, bound to `ledger_events`, with the ledger's write path.

See `ledger.store.recorders` for the write session's guarantees; this module is imported only
for a PostgreSQL ledger, so SQLite commands never load psycopg.

A command holds one connection to the log (the projector holds at most one more): the pool has
one, and inside a write session every read goes through the session's own connection. That
also keeps the session's transaction busy while an append loads the incidents it touches;
it used to sit idle meanwhile, while another connection did the reading, until the library's
`idle_in_transaction_session_timeout` (5 s) ended it and the import with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError as PersistenceIntegrityError
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment
from psycopg.sql import SQL, Identifier

from ledger.store.names import EVENTS_TABLE, REFERENCES_TABLE, REPORTS_TABLE
from ledger.store.recorders import (
    _INSERT_EVENT,
    _INSERT_REFERENCE,
    _INSERT_REPORT,
    INDEX_TABLES,
    ConflictingWrite,
    EventRow,
    IndexRow,
    LedgerRecorder,
    ReferenceRow,
    WriteSession,
    _by_incident,
    _index_page,
    positioned_query,
)

# The longest a write session's transaction may sit idle between two statements before the
# server ends it (and rolls it back). Not the library's 5 s: an import's pauses are the Python
# work between its statements (a chunk of lines checked, hashed and signed; waiting on the
# validating child for the next chunk), which a busy machine may stretch past 5 s, and then no
# retry ever gets through. Still a bound: a writer stopped (Ctrl-Z) or wedged inside its
# transaction frees the table lock, which every other writer waits for, within a minute.
WRITE_IDLE_TIMEOUT_S = 60

# The connection of the write session running in this context, with its datastore.
_WRITING: ContextVar[tuple[PostgresDatastore, Any] | None] = ContextVar(
    "ledger_write_connection", default=None
)


class LedgerPostgresDatastore(PostgresDatastore):
    """The library's datastore, where inside a write session every read (the library's own, as
    the repository's, included) goes through the session's connection, and so within its
    transaction: no second connection, and no transaction idle while another one reads."""

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        writing = _WRITING.get()
        if writing is not None and writing[0] is self:
            yield writing[1]
            return
        with super().get_connection() as connection:
            yield connection


class LedgerPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, with the ledger's datastore."""

    def __init__(self, env: Environment | Any):
        super().__init__(env)
        # The library builds the datastore from the environment itself; the subclass adds one
        # method and no state, so the built one can take its class rather than be built twice
        # (a second pool).
        self.datastore.__class__ = LedgerPostgresDatastore


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL: positions are `notification_id`, a BIGSERIAL."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE):
        super().__init__(datastore, events_table_name=EVENTS_TABLE)
        # The library's `insert_events` sends a batch as one array of its composite type
        # `stored_event_text`, which its `create_table` makes and the ledger's migrations do
        # not (Alembic owns the schema; the type would be a second, unversioned definition of
        # the row). Four parallel arrays of built-in types carry the same batch in the same
        # one statement, and need no type in the database.
        self.insert_events_statement = SQL(
            "INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id"
        ).format(table=Identifier(EVENTS_TABLE))

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # The inherited `insert_events` path (the library's, within its own transaction):
        # the same table lock and NOTIFY as a write session, then the batch in one statement.
        _lock_and_notify(curs, self.lock_table_statements)
        curs.execute(
            self.insert_events_statement,
            (
                [str(e.originator_id) for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
        )

    def select_positioned(
        self, originator_id: str, *, lte_position: int | None = None
    ) -> list[Notification]:
        statement, params = positioned_query(originator_id, lte_position, "%s")
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return [_notification(r) for r in curs.fetchall()]

    def select_versions(self, keys: Sequence[tuple[str, int]]) -> list[Notification]:
        """The events at these (incident, version) keys, in log order: one query an incident."""
        found: list[Notification] = []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            for originator_id, versions in _by_incident(keys).items():
                curs.execute(
                    "SELECT notification_id, originator_id, originator_version, topic, state "
                    f"FROM {EVENTS_TABLE} WHERE originator_id = %s "
                    "AND originator_version = ANY(%s)",
                    [originator_id, versions],
                )
                found.extend(_notification(r) for r in curs.fetchall())
        return sorted(found, key=lambda n: n.id)

    def find_reports(self, reports: Sequence[str]) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                f"SELECT report, incident, type, by, fingerprint, version FROM {REPORTS_TABLE} "
                "WHERE report = ANY(%s)",
                [list(reports)],
            )
            return [
                (r["report"], r["incident"], r["type"], r["by"], r["fingerprint"], r["version"])
                for r in curs.fetchall()
            ]

    def referrers(self, targets: Sequence[str]) -> list[tuple[str, str]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                f"SELECT source, source_incident FROM {REFERENCES_TABLE} WHERE target = ANY(%s)",
                [list(targets)],
            )
            return [(r["source"], r["source_incident"]) for r in curs.fetchall()]

    def references_from(self, sources: Sequence[str]) -> list[ReferenceRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                f"SELECT source, target, source_incident FROM {REFERENCES_TABLE} "
                "WHERE source = ANY(%s)",
                [list(sources)],
            )
            return [(r["source"], r["target"], r["source_incident"]) for r in curs.fetchall()]

    def index_count(self, table: str) -> int:
        assert table in INDEX_TABLES
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(f"SELECT count(*) AS n FROM {table}")
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def index_page(self, table: str, after: tuple[str, ...], limit: int) -> list[tuple[Any, ...]]:
        """The next `limit` rows of `ledger_reports` or `ledger_references` in key order."""
        statement, params = _index_page(table, after, limit, "%s")
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params)
            return [tuple(r.values()) for r in curs.fetchall()]

    def existing_incidents(self, incidents: Sequence[str]) -> set[str]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                f"SELECT originator_id FROM {EVENTS_TABLE} WHERE originator_version = 1 "
                "AND originator_id = ANY(%s)",
                [list(incidents)],
            )
            return {r["originator_id"] for r in curs.fetchall()}

    @contextmanager
    def write_session(self) -> Iterator[WriteSession]:
        try:
            with self.datastore.get_connection() as conn, conn.transaction():
                with conn.cursor() as curs:
                    curs.execute(
                        "SELECT set_config('idle_in_transaction_session_timeout', %s, true)",
                        [f"{WRITE_IDLE_TIMEOUT_S}s"],
                    )
                    _lock_and_notify(curs, self.lock_table_statements)
                pinned = _WRITING.set((self.datastore, conn))
                try:
                    yield _PostgresSession(conn)
                finally:
                    _WRITING.reset(pinned)
        except (psycopg.errors.UniqueViolation, PersistenceIntegrityError) as e:
            # The library's connection wrapper re-raises psycopg's IntegrityError as its own.
            raise ConflictingWrite(str(e)) from e


class _PostgresSession:
    def __init__(self, conn: Any):
        self.conn = conn

    def insert(
        self,
        events: Sequence[EventRow],
        reports: Sequence[IndexRow],
        references: Sequence[ReferenceRow],
    ) -> None:
        with self.conn.cursor() as curs:
            if reports:
                curs.executemany(_INSERT_REPORT.format(p="%s"), reports)
            if references:
                curs.executemany(_INSERT_REFERENCE.format(p="%s"), references)
            curs.executemany(_INSERT_EVENT.format(p="%s"), events)


def _lock_and_notify(curs: Any, lock_table_statements: Sequence[Any]) -> None:
    """What every write to the log does first, whichever path it takes: the library's
    `LOCK TABLE ... IN EXCLUSIVE MODE` (with its lock timeout), so that no two writers hold
    notification ids at once and ids commit in id order (a catch-up that trusts the highest id
    it has seen never skips one); then the NOTIFY a subscriber listens for."""
    for statement in lock_table_statements:
        curs.execute(statement)
    curs.execute(f"NOTIFY {EVENTS_TABLE}")


def _notification(row: Any) -> Notification:
    """A log row (psycopg's dict row) as the library's Notification."""
    return Notification(
        row["originator_id"],
        row["originator_version"],
        row["topic"],
        bytes(row["state"]),
        row["notification_id"],
    )


# Checked by mypy: the recorder has every query the ledger reads through `LedgerRecorder`.
_PROVIDES_LEDGER_QUERIES: type[LedgerRecorder] = LedgerPostgresRecorder
