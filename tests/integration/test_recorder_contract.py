"""The ledger's recorders keep their parent's contract: eventsourcing's own recorder tests.

`LedgerSQLiteRecorder` and `LedgerPostgresRecorder` subclass the library's application recorders,
so anything that holds one as an `ApplicationRecorder` (the library's notification log, its
repository, a follower) may call the inherited methods. Here the library's own test cases run,
unchanged, against each recorder built as the ledger builds it (through `IncidentLedger`), on a
fresh database laid out by the ledger's own migrations (`ledger_events`, with its append-only
triggers and its positions from 1), one database per test:

- `ApplicationRecorderTestCase`: insert and select, notification ids, conflicts, concurrent
  writers and readers;
- `NonInterleavingNotificationIDsBaseCase`: two writers racing get one contiguous run of
  notification ids each, which is what the PostgreSQL table lock guarantees and what a
  catch-up that trusts the highest id it has seen relies on.

Not run, with the reason:

- `AggregateRecorderTestCase`: the contract of a recorder *without* a notification log; its
  `test_insert_and_select` asserts that `insert_events` returns None, where an application
  recorder returns the new notification ids (`ApplicationRecorderTestCase.test_insert_select`
  asserts those). The library does not run it on its application recorders either.
- `ApplicationRecorderTestCase.optional_test_insert_subscribe`: optional by name (pytest does
  not collect it); the ledger's catch-up pulls instead of subscribing, on both backends, and
  the library's SQLite recorder has no subscriptions at all.

Timing: none of these tests asserts a duration or a rate (`test_performance` and
`test_concurrent_throughput` only print theirs). What could still make a slow machine fail the
concurrent ones is a wait with a deadline: for a pooled connection, for SQLite's writer lock
(the pool's), for PostgreSQL's table lock. `_WAIT_S` widens those deadlines far beyond any
real wait, so a slow machine makes these tests slower, never red.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from uuid import uuid4

import pytest
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests import persistence

from ledger.application import IncidentLedger
from ledger.store.config import resolve
from ledger.store.postgres_recorder import LedgerPostgresRecorder
from ledger.store.recorders import LedgerSQLiteRecorder

# The longest any thread of a concurrent test may wait for a connection or a lock (the real
# waits are milliseconds: each holds the lock for one batch).
_WAIT_S = 120

# Connections a PostgreSQL recorder may open here. The ledger opens one per process, so two
# writers are two processes; the library's tests race threads over one recorder instead, so
# its pool gets one connection per thread (10 writers and 2 readers at most), and concurrent
# transactions, not a queue for one connection, meet at the table lock.
_PG_CONNECTIONS = 12


class _OnTheLedgersDatabase:
    """Builds the recorder under test as the ledger does, on this test's own database."""

    url: str
    recorder_class: type[ApplicationRecorder]

    def new_originator_id(self) -> str:
        # The library's hook for a store whose originator ids are not UUIDs: the ledger's are
        # text (incident slugs; `ORIGINATOR_ID_TYPE=text`), and a text store hands back the
        # strings it was given, which the tests compare with what they wrote.
        return f"contract-{uuid4().hex}"

    def create_recorder(self) -> ApplicationRecorder:
        app = IncidentLedger(resolve(self.url), lock_timeout=_WAIT_S)
        threads_before = set(threading.enumerate())
        self.addCleanup(_close_after_threads, app, threads_before)  # type: ignore[attr-defined]
        recorder = app.recorder
        assert type(recorder) is self.recorder_class
        datastore = recorder.datastore  # type: ignore[attr-defined]
        if isinstance(datastore, SQLiteDatastore):
            # The pool's writer lock (one writer at a time in this process) waits this long.
            datastore.pool.pool_timeout = _WAIT_S
        else:
            assert isinstance(datastore, PostgresDatastore)
            datastore.pool.resize(1, _PG_CONNECTIONS)
            datastore.pool.timeout = _WAIT_S
        return recorder


def _close_after_threads(app: IncidentLedger, threads_before: set[threading.Thread]) -> None:
    """Close the ledger once the threads a test started have ended.

    The library's concurrent tests tell their reader threads to stop but return without joining
    them, so a reader may still be inside a query when the test's clean-up runs; closing the
    pool under it closes a SQLite connection another thread is using, which crashes the
    interpreter (a segmentation fault, seen in CI). Each reader ends within one query."""
    for thread in set(threading.enumerate()) - threads_before:
        if thread is not threading.current_thread():
            thread.join(timeout=_WAIT_S)
    app.close()


class _OnSQLite(_OnTheLedgersDatabase):
    recorder_class = LedgerSQLiteRecorder

    @pytest.fixture(autouse=True)
    def _database(self, sqlite_url: str) -> Iterator[None]:
        self.url = sqlite_url
        yield


class _OnPostgres(_OnTheLedgersDatabase):
    recorder_class = LedgerPostgresRecorder

    @pytest.fixture(autouse=True)
    def _database(self, pg_url: str) -> Iterator[None]:
        self.url = pg_url
        yield


class TestSQLiteRecorderContract(_OnSQLite, persistence.ApplicationRecorderTestCase):
    pass


class TestSQLiteNotificationIdsDoNotInterleave(
    _OnSQLite, persistence.NonInterleavingNotificationIDsBaseCase
):
    pass


@pytest.mark.postgres
class TestPostgresRecorderContract(_OnPostgres, persistence.ApplicationRecorderTestCase):
    pass


@pytest.mark.postgres
class TestPostgresNotificationIdsDoNotInterleave(
    _OnPostgres, persistence.NonInterleavingNotificationIDsBaseCase
):
    pass
