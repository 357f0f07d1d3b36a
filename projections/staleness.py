"""How far the projections are behind the log (reports warn rather than silently mislead).

Read with the database driver directly, like the reports (see projections/queries.py): this runs
before every report, and must not import SQLAlchemy, nor ledger.integrity (heavy), whose
SEALS_ID is copied below; tests/e2e/test_report_imports.py checks the copy equals the original.
"""

from __future__ import annotations

from typing import Any

from ledger.store.config import StoreConfig
from ledger.store.names import EVENTS_TABLE
from projections.queries import read_connection, run_sql

PROJECTION = "views"  # this projection's row in projection_tracking
SEALS_ID = "ledger:seals"  # ledger.integrity.SEALS_ID: seals are not reports


def lag(store: StoreConfig) -> int:
    """Events in the log that the projections have not applied yet (0 when the log is not
    readable here, as for a reader role that may only read the projection tables)."""
    try:
        return _lag(store)
    except Exception as e:
        if store.backend != "sqlite" and _permission_denied(e):
            return 0
        raise


def _permission_denied(error: Exception) -> bool:
    import psycopg

    return isinstance(error, psycopg.errors.InsufficientPrivilege) or (
        isinstance(error, psycopg.Error) and "permission denied" in str(error).lower()
    )


def tracked_position(connection: Any) -> int:
    """The last log position the views hold, read on a DB-API connection of either driver (in
    the caller's transaction, if it has one); 0 before the first catch-up."""
    found = run_sql(
        connection, "SELECT position FROM projection_tracking WHERE projection = ?", [PROJECTION]
    )
    return int(found[0][0] or 0) if found else 0


def _lag(store: StoreConfig) -> int:
    with read_connection(store) as connection:
        position = tracked_position(connection)
        (count,) = run_sql(
            connection,
            f"SELECT count(*) FROM {EVENTS_TABLE} WHERE notification_id > ? AND originator_id != ?",
            [position, SEALS_ID],
        )[0]
        return int(count)
