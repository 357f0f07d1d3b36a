"""How far the projections are behind the log (reports warn rather than silently mislead).

Read with the database driver directly, like the reports (see projections/queries.py): this runs
before every report, and must not import SQLAlchemy, nor ledger.integrity (heavy): SEALS_ID
comes from the cheap ledger.store.names, as ledger.integrity's does. Nor the queries (the fold,
the registry): only projections.driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.store.config import StoreConfig
from ledger.store.errors import insufficient_privilege
from ledger.store.names import EVENTS_TABLE, SEALS_ID
from projections.driver import read_connection, run_sql

PROJECTION = "views"  # this projection's row in projection_tracking
# The last log position the views hold (`?` placeholders; the parameter is PROJECTION): read
# here, by projections/follow.py and by the projector (projections/rows.py).
TRACKED_POSITION = "SELECT position FROM projection_tracking WHERE projection = ?"


@dataclass(frozen=True)
class Staleness:
    """How far the views are behind the log, as a reader finds them."""

    position: int  # the last log position the views hold
    head: int  # the log's last position
    events: int  # report events after `position` (seals are not reports)
    seconds: float  # how long the oldest of them has waited, by its recorded_at (0 when none)
    standby: bool  # a hot standby: read-only, so only its primary's projector can catch up

    def warning(self) -> str:
        """The one line a report prints on stderr while the views are behind."""
        # A standby refuses every write, so 'ledger project' there would only fail: the views
        # it replicates catch up when the primary's projector does.
        where = (
            "this is a read-only standby: its views catch up when 'ledger project' runs on "
            "the primary"
            if self.standby
            else "run 'ledger project'"
        )
        return f"warning: the projections are {self.events} event(s) behind the log; {where}"


def lag(store: StoreConfig) -> int:
    """Events in the log that the projections have not applied yet (0 when the log is not
    readable here, as for a reader role that may only read the projection tables)."""
    found = staleness(store)
    return found.events if found else 0


def staleness(store: StoreConfig) -> Staleness | None:
    """How far the views are behind the log; None when the log is not readable here (a reader
    role may read only the projection tables). Reads only, so it runs on a standby too."""
    try:
        return _staleness(store)
    except Exception as e:
        if store.backend != "sqlite" and insufficient_privilege(e):
            return None
        raise


def tracked_position(connection: Any) -> int:
    """The last log position the views hold, read on a DB-API connection of either driver (in
    the caller's transaction, if it has one); 0 before the first catch-up."""
    found = run_sql(connection, TRACKED_POSITION, [PROJECTION])
    return int(found[0][0] or 0) if found else 0


def _staleness(store: StoreConfig) -> Staleness:
    with read_connection(store) as connection:
        position = tracked_position(connection)
        (count, head) = run_sql(
            connection,
            f"SELECT count(*), max(notification_id) FROM {EVENTS_TABLE} "
            "WHERE notification_id > ? AND originator_id != ?",
            [position, SEALS_ID],
        )[0]
        seconds = 0.0
        if count:
            (state,) = run_sql(
                connection,
                f"SELECT state FROM {EVENTS_TABLE} WHERE notification_id > ? "
                "AND originator_id != ? ORDER BY notification_id LIMIT 1",
                [position, SEALS_ID],
            )[0]
            seconds = _waited(bytes(state))
        if head is None:  # nothing after the views' position: the head may be a seal
            (head,) = run_sql(connection, f"SELECT max(notification_id) FROM {EVENTS_TABLE}")[0]
        standby = (
            store.backend != "sqlite"
            and run_sql(connection, "SELECT pg_is_in_recovery()")[0][0] is True
        )
        return Staleness(position, int(head or 0), int(count), seconds, standby)


def _waited(state: bytes) -> float:
    """Seconds since the event's recorded_at (0 if it holds none this can read: the check
    must never fail a report; `verify` is where a damaged event is reported)."""
    import orjson  # only for a ledger whose views are behind: most reports never get here

    try:
        recorded = datetime.fromisoformat(orjson.loads(state)["recorded_at"])
    except Exception:
        return 0.0
    return max(0.0, (datetime.now(UTC) - recorded).total_seconds())
