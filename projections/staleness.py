"""How far the projections are behind the log (reports warn rather than silently mislead)."""

from __future__ import annotations

from sqlalchemy import func, select

from ledger.integrity import SEALS_ID
from ledger.store.config import StoreConfig
from ledger.store.tables import ledger_events
from projections import schema
from projections.catchup import PROJECTION


def lag(store: StoreConfig) -> int:
    """Events in the log that the projections have not applied yet (0 when the log is not
    readable here, as for a reader role that may only read the projection tables)."""
    from sqlalchemy.exc import DBAPIError

    try:
        return _lag(store)
    except DBAPIError as e:
        if "permission denied" in str(e).lower():
            return 0
        raise


def _lag(store: StoreConfig) -> int:
    from projections.queries import read_engine

    engine = read_engine(store)
    try:
        with engine.connect() as connection:
            position = (
                connection.execute(
                    select(schema.projection_tracking.c.position).where(
                        schema.projection_tracking.c.projection == PROJECTION
                    )
                ).scalar()
                or 0
            )
            return int(
                connection.execute(
                    select(func.count()).where(
                        ledger_events.c.notification_id > position,
                        ledger_events.c.originator_id != SEALS_ID,  # seals are not reports
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()
