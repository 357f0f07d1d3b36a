"""Queries of the log on a connection the caller holds, so that they see its snapshot.

The application's queries (`IncidentLedger.iter_notifications`, `records_touching`, `seals` ...)
each read on a connection of the event store's own. A reader that must see the log and the
projection tables as of one moment (the HTML report: its verification, status histories and
projection rows must agree) holds one read-only SQLAlchemy transaction and asks these instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, func, select

from ledger.errors import stored_state
from ledger.integrity import SEALS_ID
from ledger.store.tables import ledger_events, ledger_references, ledger_reports

_CHUNK = 500  # ids per IN list: well inside either backend's limit on bound parameters


def log_size(connection: Connection) -> int:
    """Rows in the log, seals included."""
    return int(connection.execute(select(func.count()).select_from(ledger_events)).scalar_one())


def events_after(connection: Connection, position: int) -> int:
    """Incident events after this log position (seals are not reports, so not counted)."""
    newer = select(func.count()).where(
        ledger_events.c.notification_id > position,
        ledger_events.c.originator_id != SEALS_ID,
    )
    return int(connection.execute(newer).scalar_one())


def notifications(connection: Connection, *, batch: int = 5_000) -> Iterator[Notification]:
    """The whole log in position order, every row whatever its position, read in batches, as
    the library's Notifications."""
    events = ledger_events.c
    page = select(
        events.notification_id,
        events.originator_id,
        events.originator_version,
        events.topic,
        events.state,
    ).order_by(events.notification_id)
    # The first page is open below: a row planted at position 0 or below is read (and `verify`
    # reports it), never passed over.
    last: int | None = None
    while True:
        query = page if last is None else page.where(events.notification_id > last)
        rows = connection.execute(query.limit(batch)).all()
        if not rows:
            return
        for position, originator, version, topic, state in rows:
            yield Notification(
                originator_id=originator,
                originator_version=int(version),
                topic=topic,
                state=stored_state(int(position), originator, int(version), state),
                id=int(position),
            )
        last = rows[-1][0]


def notifications_of(
    connection: Connection, originators: Collection[str]
) -> Iterator[Notification]:
    """The log rows of these aggregates (incidents), in position order: what a reader of a few
    incidents needs without streaming the whole log."""
    events = ledger_events.c
    rows: list[tuple[int, str, int, str, bytes]] = []
    for chunk in _chunks(sorted(originators)):
        query = select(
            events.notification_id,
            events.originator_id,
            events.originator_version,
            events.topic,
            events.state,
        ).where(events.originator_id.in_(chunk))
        rows.extend(tuple(row) for row in connection.execute(query))  # type: ignore[misc]
    rows.sort(key=lambda row: int(row[0]))
    for position, originator, version, topic, state in rows:
        yield Notification(
            originator_id=originator,
            originator_version=int(version),
            topic=topic,
            state=stored_state(int(position), originator, int(version), state),
            id=int(position),
        )


def holds_other_aggregates(connection: Connection, aggregates: Collection[str]) -> bool:
    """Whether the log holds an event of any aggregate but `aggregates` and the seals'."""
    known = sorted({*aggregates, SEALS_ID})
    query = select(ledger_events.c.originator_id).where(ledger_events.c.originator_id.not_in(known))
    return connection.execute(query.limit(1)).first() is not None


def referring_from_elsewhere(
    connection: Connection, incidents: Collection[str], *, hops: int = 3
) -> tuple[set[str], set[str]]:
    """Reports in other incidents that refer into these incidents, and what refers to those
    (as `ledger.replay.related_records` finds them), up to `hops` deep, from the log's
    reference index: (their incidents, their report ids)."""
    refs, reports = ledger_references, ledger_reports
    pairs: list[tuple[str, str]] = []
    for chunk in _chunks(sorted(incidents)):
        targets = select(reports.c.report).where(reports.c.incident.in_(chunk))
        query = select(refs.c.source, refs.c.source_incident).where(refs.c.target.in_(targets))
        pairs.extend((str(s), str(i)) for s, i in connection.execute(query))
    found_incidents: set[str] = set()
    found: set[str] = set()
    for _ in range(hops):
        new = {(s, i) for s, i in pairs if i not in incidents and s not in found}
        if not new:
            break
        found |= {s for s, _ in new}
        found_incidents |= {i for _, i in new}
        pairs = []
        for chunk in _chunks(sorted(s for s, _ in new)):
            query = select(refs.c.source, refs.c.source_incident).where(refs.c.target.in_(chunk))
            pairs.extend((str(s), str(i)) for s, i in connection.execute(query))
    return found_incidents, found


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
