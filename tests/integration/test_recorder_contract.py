"""The ledger's recorders keep their parent's contract: eventsourcing's own recorder tests.

`LedgerSQLiteRecorder` and `LedgerPostgresRecorder` subclass the library's application recorders,
so anything that holds one as an `ApplicationRecorder` (the library's notification log, its
repository, a follower) may call the inherited methods. Here the library's own
`ApplicationRecorderTestCase` runs, unchanged, against each recorder built exactly as the
ledger builds it (through `IncidentLedger`), on a fresh database laid out by the ledger's own
migrations (`ledger_events` with its append-only triggers), one database per test.

Not run, with the reason:

- `AggregateRecorderTestCase`: the contract of a recorder *without* a notification log; its
  `test_insert_and_select` asserts that `insert_events` returns None, where an application
  recorder returns the new notification ids (`ApplicationRecorderTestCase.test_insert_select`
  asserts those). The library does not run it on its application recorders either.
- `ApplicationRecorderTestCase.optional_test_insert_subscribe`: optional by name (pytest does
  not collect it); the ledger's catch-up pulls instead of subscribing, on both backends.

Timing: none of the library's tests here asserts a duration or a rate (`test_performance` and
`test_concurrent_throughput` only print theirs), so a slow CI machine cannot fail them; they
are all run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.tests import persistence

from ledger.application import IncidentLedger
from ledger.store.config import resolve
from ledger.store.postgres_recorder import LedgerPostgresRecorder
from ledger.store.recorders import LedgerSQLiteRecorder


class _OnTheLedgersDatabase:
    """Builds the recorder under test as the ledger does, on this test's own database."""

    url: str
    recorder_class: type[ApplicationRecorder]

    def create_recorder(self) -> ApplicationRecorder:
        app = IncidentLedger(resolve(self.url), lock_timeout=10)
        self.addCleanup(app.close)  # type: ignore[attr-defined]
        recorder = app.recorder
        assert type(recorder) is self.recorder_class
        return recorder


class TestLedgerSQLiteRecorderContract(
    _OnTheLedgersDatabase, persistence.ApplicationRecorderTestCase
):
    recorder_class = LedgerSQLiteRecorder

    @pytest.fixture(autouse=True)
    def _database(self, sqlite_url: str) -> Iterator[None]:
        self.url = sqlite_url
        yield


@pytest.mark.postgres
class TestLedgerPostgresRecorderContract(
    _OnTheLedgersDatabase, persistence.ApplicationRecorderTestCase
):
    recorder_class = LedgerPostgresRecorder

    @pytest.fixture(autouse=True)
    def _database(self, pg_url: str) -> Iterator[None]:
        self.url = pg_url
        yield
