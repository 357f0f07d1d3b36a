"""`ledger project --follow`: keep the views current as a long-running service.

On PostgreSQL the follower LISTENs on the `ledger_events` channel, which every append (and seal)
NOTIFYs inside its write transaction, so the server delivers it exactly when the events commit
(`ledger.store.postgres_recorder`): an append shows in the views as soon as the catch-up after
the notification commits, however long the poll interval. The interval remains as a safety net
(a notification sent while the follower was reconnecting is lost; the catch-up after the
reconnection and the next poll find those events anyway). SQLite has no notifications: there
the follower polls.

A server restart or a dropped connection is not the end of the service: the follower says so in
one line on stderr, waits (1, 2, 4... up to 30 s), reopens its connections and says
"reconnected", then catches up from the tracked position, so nothing is missed or applied twice.
Any other error (an event the views cannot hold, say) ends it, for the service manager to see.

Such an error the follower first writes in `projection_errors` (when the database takes the
write); its next successful catch-up deletes it. `ledger project --status` reports it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from ledger.application import IncidentLedger
from ledger.store.config import StoreConfig
from ledger.store.errors import connection_lost
from ledger.store.names import EVENTS_TABLE
from projections.applied import Applied
from projections.catchup import catch_up
from projections.driver import run_sql
from projections.rows import connect
from projections.staleness import PROJECTION, TRACKED_POSITION

CHANNEL = EVENTS_TABLE  # what `LedgerPostgresRecorder.write_session` NOTIFYs
APPLICATION_NAME = "ledger project --follow"  # how `ledger project --status` finds a follower
FIRST_RETRY_S = 1.0
LAST_RETRY_S = 30.0
# The longest the follower waits in one piece: a stop request (SIGTERM) is noticed within it.
# Notifications are not delayed by it; they end the wait as they arrive.
WAIT_SLICE_S = 0.25


class _StopRequested(Exception):
    """Raised between two catch-up batches when a stop is requested."""


class Follower:
    """Catch up, wait for a notification (or the poll interval), repeat, until `stopped()`."""

    def __init__(
        self,
        open_ledger: Callable[[], IncidentLedger],
        store: StoreConfig,
        *,
        interval: float,
        stopped: Callable[[], bool],
        say: Callable[[str], None],
        lock_timeout: float = 30.0,
    ) -> None:
        self.open_ledger = open_ledger
        self.store = store
        self.interval = interval
        self.stopped = stopped
        self.say = say
        self.lock_timeout = lock_timeout
        # A row left by an earlier follower's failure is deleted on this one's first success.
        self.error_recorded = True

    def run(self, ledger: IncidentLedger) -> IncidentLedger:
        """Follow until stopped; returns the ledger in use then (a new one after a reconnection),
        for the caller to close."""
        retry = FIRST_RETRY_S
        lost = False
        while not self.stopped():
            try:
                if lost:
                    ledger = self._reopen(ledger)
                with self._listening() as wait:
                    if lost:
                        self.say("reconnected")
                        lost, retry = False, FIRST_RETRY_S
                    while not self.stopped():
                        applied = self._catch_up(ledger)
                        if self.error_recorded:
                            self.error_recorded = not clear_error(self.store, self.lock_timeout)
                        if applied:
                            self.say(f"projections: applied {applied.describe()}")
                        wait()
            except Exception as e:
                if not connection_lost(e):
                    # Recorded only for an error it does not wait out: while the server is
                    # away the write would fail too, after a connection timeout per retry.
                    self.error_recorded |= record_error(self.store, _reason(e), self.lock_timeout)
                    raise
                self.say(
                    f"lost connection to {self.store.display} ({_reason(e)}), "
                    f"retrying in {retry:g}s"
                )
                lost = True
                self._sleep(retry)
                retry = min(retry * 2, LAST_RETRY_S)
        return ledger

    def _catch_up(self, ledger: IncidentLedger) -> Applied:
        """Catch up, but stop after the batch that commits once a stop is requested: under a
        steady stream of appends a catch-up may never run out of events."""
        applied = Applied()

        def progress(_position: int, _target: int) -> None:
            if self.stopped():
                raise _StopRequested

        # Stopped between batches: those before have committed with their position.
        with contextlib.suppress(_StopRequested):
            applied = catch_up(
                ledger, self.store, lock_timeout=self.lock_timeout, on_progress=progress
            )
        return applied

    def _reopen(self, ledger: IncidentLedger) -> IncidentLedger:
        # The ledger's pool holds a connection the server has dropped: start afresh.
        with contextlib.suppress(Exception):
            ledger.close()
        return self.open_ledger()

    @contextlib.contextmanager
    def _listening(self) -> Iterator[Callable[[], None]]:
        """A function that waits for the next notification or the poll interval, whichever
        comes first (on SQLite, the interval)."""
        if self.store.backend == "sqlite":
            yield lambda: self._sleep(self.interval)
            return
        with self.store.connect_postgres(autocommit=True) as connection:
            connection.execute(f"SET application_name = '{APPLICATION_NAME}'")
            connection.execute(f"LISTEN {CHANNEL}")

            def wait() -> None:
                deadline = time.monotonic() + self.interval
                while not self.stopped():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return
                    # Every notification waiting is taken at once: one catch-up covers them all.
                    if any(True for _ in connection.notifies(timeout=min(left, WAIT_SLICE_S))):
                        with contextlib.suppress(StopIteration):
                            for _ in connection.notifies(timeout=0):
                                pass
                        return

            yield wait

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopped() and time.monotonic() < deadline:
            time.sleep(min(WAIT_SLICE_S, max(0.0, deadline - time.monotonic())))


def record_error(store: StoreConfig, error: str, lock_timeout: float = 30.0) -> bool:
    """Write the follower's last error where `project --status` reads it; best effort (False
    when the database does not take it: it may be the very thing that failed)."""
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        with connect(store, lock_timeout=min(lock_timeout, 5.0)) as db, db.transaction():
            found = db.column(TRACKED_POSITION, (PROJECTION,))
            db.run(
                "INSERT INTO projection_errors (projection, error, failed_at, position) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (projection) DO UPDATE SET "
                "error = excluded.error, failed_at = excluded.failed_at, "
                "position = excluded.position",
                (PROJECTION, error, at, int(found[0]) if found else 0),
            )
    except Exception:
        return False
    return True


def clear_error(store: StoreConfig, lock_timeout: float = 30.0) -> bool:
    """Delete the recorded error after a success; False if that failed (tried again later)."""
    try:
        with connect(store, lock_timeout=lock_timeout) as db, db.transaction():
            db.run("DELETE FROM projection_errors WHERE projection = ?", (PROJECTION,))
    except Exception:
        return False
    return True


def last_error(connection: Any) -> tuple[str, str, int] | None:
    """The recorded error (its text, when, the views' position then), or None; on a DB-API
    connection of either driver, so it runs on a standby too."""
    rows = run_sql(
        connection,
        "SELECT error, failed_at, position FROM projection_errors WHERE projection = ?",
        [PROJECTION],
    )
    return (str(rows[0][0]), str(rows[0][1]), int(rows[0][2])) if rows else None


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    first = text.splitlines()[0].strip() if text else type(error).__name__
    return first.rstrip(".")


def follower_sessions(connection: Any) -> list[int]:
    """The server process ids of the followers connected to this database (PostgreSQL)."""
    rows = connection.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = %s ORDER BY pid",
        [APPLICATION_NAME],
    ).fetchall()
    return [int(row[0]) for row in rows]
