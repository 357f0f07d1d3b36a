"""Keep the projection tables current: pull from the log, write rows and position together.

Exactly once: each batch's view rows and the tracking position are written in one database
transaction, so a crash at any point leaves both at the last committed batch, and the next
catch-up resumes from there. Two projectors never interleave: the transaction starts by taking
the write lock (SQLite `BEGIN IMMEDIATE`) or the tracking row lock (PostgreSQL `FOR UPDATE`), and
only then reads the position.

Each batch stores the new reports in `timeline` and `report_refs`, then recomputes the rows of
every incident and actor the batch touched, by folding (`ledger.fold`) the reports of those
incidents plus the reports elsewhere that refer into them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text, update

from ledger.application import IncidentLedger, to_record
from ledger.fold import COLUMNS, fold, timeline_row
from ledger.integrity import SEALS_ID
from ledger.store.config import StoreConfig
from projections import schema

PROJECTION = "views"
BATCH = 5_000
_INCIDENT_SCOPED = ("incidents", "claims", "disputes", "provenance", "links")
# What a catch-up takes from the fold; `actors` is summed from `actor_roles` instead.
_FOLDED = (*_INCIDENT_SCOPED, "timeline", "actor_roles")


class InjectedFailure(RuntimeError):
    """Raised by tests (through `fail_after`) to crash a catch-up in the middle of a batch."""


def projection_engine(store: StoreConfig, lock_timeout: float = 30.0) -> Engine:
    """An engine whose transactions take SQLite's write lock up front (see module docstring)."""
    from sqlalchemy import create_engine, event

    if store.backend != "sqlite":
        return create_engine(store.sqlalchemy_url)
    engine = create_engine(store.sqlalchemy_url, connect_args={"timeout": lock_timeout})

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        # In WAL mode NORMAL still commits each batch atomically (rows and position together);
        # it only skips the fsync per commit, so a power cut may lose the last batches, which
        # the next catch-up re-applies from the tracked position. FULL cost a tenth of a rebuild.
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        # A larger page cache (64 MB; the default is 2 MB) keeps the views' indexes in memory as
        # they grow: past a few hundred thousand rows each insert otherwise reads pages back.
        dbapi_connection.execute("PRAGMA cache_size=-65536")

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def catch_up(
    ledger: IncidentLedger,
    store: StoreConfig,
    *,
    batch: int = BATCH,
    on_progress: Callable[[int, int], None] | None = None,
    fail_after: int | None = None,
    lock_timeout: float = 30.0,
) -> int:
    """Apply every event after the tracked position; returns how many were applied."""
    engine = projection_engine(store, lock_timeout)
    applied = 0
    target = ledger.max_position()
    try:
        while True:
            with engine.begin() as connection:
                position = _lock_and_read_position(connection)
                notifications = ledger.recorder.select_notifications(
                    start=position, limit=batch, inclusive_of_start=False
                )
                if not notifications:
                    return applied
                # Seals are log events too, but not reports: the views skip them.
                records = [
                    to_record(n.id, ledger.decode(n))
                    for n in notifications
                    if n.originator_id != SEALS_ID
                ]
                if fail_after is not None and applied + len(records) > fail_after:
                    # Write part of the batch, then crash: the transaction must roll it all back.
                    _apply(connection, records[: fail_after - applied])
                    raise InjectedFailure(f"injected failure after {fail_after} events")
                _apply(connection, records)
                _write_position(connection, notifications[-1].id)
            applied += len(records)
            if on_progress is not None:
                on_progress(notifications[-1].id, target)
    finally:
        engine.dispose()


def rebuild(
    ledger: IncidentLedger,
    store: StoreConfig,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Empty every view and its position, then replay the whole log into them."""
    engine = projection_engine(store)
    try:
        with engine.begin() as connection:
            _lock_and_read_position(connection)
            for table in schema.VIEW_TABLES:
                connection.execute(delete(table))
            _write_position(connection, 0)
    finally:
        engine.dispose()
    return catch_up(ledger, store, on_progress=on_progress)


def tracked_position(store: StoreConfig) -> int:
    engine = projection_engine(store)
    try:
        with engine.connect() as connection:
            value = connection.execute(
                select(schema.projection_tracking.c.position).where(
                    schema.projection_tracking.c.projection == PROJECTION
                )
            ).scalar()
            return int(value or 0)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------


def _lock_and_read_position(connection: Connection) -> int:
    tracking = schema.projection_tracking
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "INSERT INTO projection_tracking (projection, position) VALUES (:p, 0) "
                "ON CONFLICT (projection) DO NOTHING"
            ),
            {"p": PROJECTION},
        )
        query = select(tracking.c.position).where(tracking.c.projection == PROJECTION)
        return int(connection.execute(query.with_for_update()).scalar_one())
    value = connection.execute(
        select(tracking.c.position).where(tracking.c.projection == PROJECTION)
    ).scalar()
    if value is None:
        connection.execute(insert(tracking).values(projection=PROJECTION, position=0))
        return 0
    return int(value)


def _write_position(connection: Connection, position: int) -> None:
    tracking = schema.projection_tracking
    connection.execute(
        update(tracking).where(tracking.c.projection == PROJECTION).values(position=position)
    )


def _apply(connection: Connection, records: Sequence[dict[str, Any]]) -> None:
    if not records:
        return
    _store_reports(connection, records)
    incidents = _affected_incidents(connection, records)
    closure = _closure(connection, incidents, {r["report"]: r for r in records})
    corrected = {t for r in records if r["type"] == "correction" for t in r.get("refers_to", ())}
    views = fold(closure, timeline_of=corrected, tables=_FOLDED, shaped=False)
    _replace_incident_rows(connection, incidents, views)
    _refresh_timeline_rows(connection, views["timeline"], corrected)
    new_reports = {r["report"] for r in records}
    removed, added = _replace_actor_roles(connection, views["actor_roles"], closure, new_reports)
    _update_actors(connection, removed, added, new_reports)


def _store_reports(connection: Connection, records: Sequence[dict[str, Any]]) -> None:
    """Insert the new reports' timeline rows and reference edges. The rows show the values as
    said; a correction in the batch refreshes its target's row after the fold."""
    rows = []
    for record in records:
        row = timeline_row(record)
        row["data"] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
        rows.append(row)
    _bulk_insert(connection, schema.timeline, rows)
    incident_of = _incidents_of(
        connection, {t for r in records for t in r.get("refers_to", ())}, records
    )
    edges = [
        {
            "source": r["report"],
            "target": target,
            "source_incident": r["incident"],
            "target_incident": incident_of.get(target, r["incident"]),
        }
        for r in records
        for target in dict.fromkeys(r.get("refers_to", ()))
    ]
    _bulk_insert(connection, schema.report_refs, edges)


def _incidents_of(
    connection: Connection, reports: Iterable[str], known: Sequence[dict[str, Any]] = ()
) -> dict[str, str]:
    wanted = set(reports)
    found = {r["report"]: r["incident"] for r in known if r["report"] in wanted}
    missing = sorted(wanted - set(found))
    timeline = schema.timeline
    for chunk in _chunks(missing):
        for report, incident in connection.execute(
            select(timeline.c.report, timeline.c.incident).where(timeline.c.report.in_(chunk))
        ):
            found[report] = incident
    return found


def _affected_incidents(connection: Connection, records: Sequence[dict[str, Any]]) -> set[str]:
    """Incidents whose rows may change: the reports' own, and those of everything they refer to,
    two hops deep (a retraction of a denial changes the status of the claim the denial denies)."""
    affected = {r["incident"] for r in records}
    frontier = {t for r in records for t in r.get("refers_to", ())}
    refs = schema.report_refs
    for _ in range(2):
        if not frontier:
            break
        next_frontier: set[str] = set()
        for chunk in _chunks(sorted(frontier)):
            for target, target_incident in connection.execute(
                select(refs.c.target, refs.c.target_incident).where(refs.c.source.in_(chunk))
            ):
                next_frontier.add(target)
                affected.add(target_incident)
        affected.update(_incidents_of(connection, frontier).values())
        frontier = next_frontier
    return affected


def _closure(
    connection: Connection, incidents: set[str], known: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Original records of the incidents, plus reports that refer into them (three hops up);
    `known` records (the batch's own) are taken as they are, not read back."""
    timeline = schema.timeline
    reports: set[str] = set()
    for chunk in _chunks(sorted(incidents)):
        reports.update(
            connection.execute(
                select(timeline.c.report).where(timeline.c.incident.in_(chunk))
            ).scalars()
        )
    return _records_with_referrers(connection, reports, known)


def _records_with_referrers(
    connection: Connection, reports: set[str], known: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The original records of `reports` and of every report referring to them, three hops up
    (denial -> its retraction -> a correction voiding that retraction), in log order."""
    timeline = schema.timeline
    refs = schema.report_refs
    known = known or {}
    chosen: dict[str, dict[str, Any]] = {}
    frontier = set(reports)
    for hop in range(4):
        wanted = frontier - set(chosen)
        chosen.update({r: known[r] for r in wanted if r in known})
        for chunk in _chunks(sorted(wanted - set(known))):
            for data in connection.execute(
                select(timeline.c.data).where(timeline.c.report.in_(chunk))
            ).scalars():
                record = orjson.loads(data)
                chosen[record["report"]] = record
        if hop == 3:
            break
        sources: set[str] = set()
        for chunk in _chunks(sorted(frontier)):
            sources.update(
                connection.execute(select(refs.c.source).where(refs.c.target.in_(chunk))).scalars()
            )
        frontier = sources - set(chosen)
        if not frontier:
            break
    return sorted(chosen.values(), key=lambda r: r["position"])


def _replace_incident_rows(
    connection: Connection, incidents: set[str], views: dict[str, list[dict[str, Any]]]
) -> None:
    for name in _INCIDENT_SCOPED:
        table = schema.metadata.tables[name]
        for chunk in _chunks(sorted(incidents)):
            connection.execute(delete(table).where(table.c.incident.in_(chunk)))
        _bulk_insert(
            connection, table, [row for row in views[name] if row["incident"] in incidents]
        )


def _refresh_timeline_rows(
    connection: Connection, rows: list[dict[str, Any]], reports: set[str]
) -> None:
    """Show the current (corrected, voided) values of reports that a correction just changed."""
    timeline = schema.timeline
    for row in rows:
        if row["report"] in reports:
            values = {k: v for k, v in row.items() if k not in ("position", "report")}
            connection.execute(
                update(timeline).where(timeline.c.position == row["position"]).values(**values)
            )


Contribution = tuple[Any, ...]  # an actor_roles row: report, seq, actor, role, name, position


def _replace_actor_roles(
    connection: Connection,
    rows: list[dict[str, Any]],
    closure: list[dict[str, Any]],
    new_reports: set[str],
) -> tuple[list[Contribution], list[Contribution]]:
    """Store what each report of the closure now contributes to `actors`; return the
    contributions removed and added. The batch's own reports have none stored yet (the tracked
    position says they were never applied), so only the older reports are read back."""
    roles = schema.actor_roles
    columns = list(roles.columns.keys())
    reports = sorted({r["report"] for r in closure})
    old: dict[str, list[Contribution]] = {}
    for chunk in _chunks([r for r in reports if r not in new_reports]):
        for row in connection.execute(select(roles).where(roles.c.report.in_(chunk))):
            old.setdefault(row.report, []).append(tuple(row))
    new: dict[str, list[Contribution]] = {}
    as_tuple = operator.itemgetter(*columns)
    for contribution in rows:
        new.setdefault(contribution["report"], []).append(as_tuple(contribution))
    changed = [r for r in reports if sorted(old.get(r, [])) != sorted(new.get(r, []))]
    for chunk in _chunks([r for r in changed if r in old]):
        connection.execute(delete(roles).where(roles.c.report.in_(chunk)))
    removed = [t for r in changed for t in old.get(r, [])]
    added = [t for r in changed for t in new.get(r, [])]
    _bulk_insert(connection, roles, [dict(zip(columns, t, strict=True)) for t in added])
    return removed, added


def _update_actors(
    connection: Connection,
    removed: list[Contribution],
    added: list[Contribution],
    new_reports: set[str],
) -> None:
    """Bring `actors` in line with the changed contributions.

    Counts move by the difference, so a batch costs what it changed, not the size of the log
    (recounting every touched actor re-scanned all its contributions on every batch, which made
    a rebuild quadratic). An actor is recounted from `actor_roles` only when its name could
    change: it is new, a contribution naming it went away, or an older report (corrected)
    names it now. New reports come last in the log, so they never change a first spelling.
    """
    table = schema.actors
    recount: set[str] = set()
    delta: dict[str, dict[str, int]] = {}
    for sign, contributions in ((-1, removed), (1, added)):
        for report, _seq, actor, role, _name, _position in contributions:
            if role == "named":
                if sign < 0 or report not in new_reports:
                    recount.add(actor)
                continue
            counts = delta.setdefault(actor, {})
            counts[role] = counts.get(role, 0) + sign
    named = {t[2] for t in added if t[3] == "named"}
    known: set[str] = set()
    for chunk in _chunks(sorted(named | set(delta))):
        known.update(
            connection.execute(select(table.c.actor).where(table.c.actor.in_(chunk))).scalars()
        )
    recount |= named - known
    _recount_actors(connection, recount)
    for actor, counts in sorted(delta.items()):
        moved = {role: n for role, n in counts.items() if n}
        if actor in recount or actor not in known or not moved:
            continue  # recounted above, or (no name yet) not a row of `actors`
        connection.execute(
            update(table)
            .where(table.c.actor == actor)
            .values({role: table.c[role] + n for role, n in moved.items()})
        )


def _recount_actors(connection: Connection, actors: set[str]) -> None:
    """Sum the contributions of every live report to each actor's row (SQL does the counting)."""
    if not actors:
        return
    roles = schema.actor_roles
    table = schema.actors
    counts: dict[str, dict[str, int]] = {}
    names: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks(sorted(actors)):
        for actor, role, count in connection.execute(
            select(roles.c.actor, roles.c.role, func.count())
            .where(roles.c.actor.in_(chunk), roles.c.role != "named")
            .group_by(roles.c.actor, roles.c.role)
        ):
            counts.setdefault(actor, {})[role] = count
        first = (
            select(roles.c.actor, func.min(roles.c.position).label("position"))
            .where(roles.c.actor.in_(chunk), roles.c.role == "named")
            .group_by(roles.c.actor)
            .subquery()
        )
        for actor, position, seq, name in connection.execute(
            select(roles.c.actor, roles.c.position, roles.c.seq, roles.c.name)
            .join(
                first,
                (roles.c.actor == first.c.actor) & (roles.c.position == first.c.position),
            )
            .where(roles.c.role == "named")
        ):
            # "First spelling seen": earliest report, then the first field naming the actor.
            if actor not in names or (position, seq) < names[actor][:2]:
                names[actor] = (position, seq, name)
        connection.execute(delete(table).where(table.c.actor.in_(chunk)))
    rows = [
        {
            "actor": actor,
            "name": names[actor][2],
            **{c: counts.get(actor, {}).get(c, 0) for c in COLUMNS["actors"][2:]},
        }
        for actor in sorted(names)
    ]
    if rows:
        connection.execute(insert(table), rows)


def _bulk_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """executemany straight through the driver: SQLAlchemy's per-row parameter processing is
    the larger cost of a rebuild otherwise. Rows carry exactly the table's columns."""
    if not rows:
        return
    columns = list(table.columns.keys())
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (
        f"INSERT INTO {table.name} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    connection.exec_driver_sql(statement, list(map(operator.itemgetter(*columns), rows)))


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
