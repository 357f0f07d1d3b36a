"""Keep the projection tables current: pull from the log, write rows and position together.

Exactly once: each batch's view rows and the tracking position are written in one database
transaction, so a crash at any point leaves both at the last committed batch, and the next
catch-up resumes from there. Two projectors never interleave: the transaction starts by taking
the write lock (SQLite `BEGIN IMMEDIATE`) or the tracking row lock (PostgreSQL `FOR UPDATE`), and
only then reads the position.

Each batch stores the new reports in `timeline` and `report_refs`, then recomputes the rows of
every incident and actor the batch touched, by folding (`ledger.fold`) the reports of those
incidents plus the reports elsewhere that refer into them.

The tables are written through the database driver itself (sqlite3, or psycopg for PostgreSQL),
with the column lists of `projections.columns`: every write command projects after it appends,
and importing SQLAlchemy would cost a quarter of a second of a one-line append.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from ledger import stops
from ledger.application import IncidentLedger
from ledger.fold import fold_rows
from ledger.infra.collector import collector_paused
from ledger.integrity import SEALS_ID
from ledger.registry import ActorLine
from ledger.report_fields import referenced
from ledger.store.config import StoreConfig
from ledger.view_columns import VIEWS
from projections.applied import Applied
from projections.columns import TABLE_COLUMNS
from projections.queries import driver_sql
from projections.rebuild import INCIDENT_AT, TIMELINE_COLUMNS, catch_up_in_bulk
from projections.rows import (
    _POSITION_AT,
    FOLDED,
    INCIDENT_SCOPED,
    Connection,
    affected_incidents,
    chunks,
    closure_data,
    connect,
    delete_incident_rows,
    insert_reports,
    insert_view_rows,
    load_registry,
    lock_and_read_position,
    qmarks,
    recount_actors,
    refresh_timeline_rows,
    split_actor_records,
    store_actor_lines,
    stored_rows,
    tallied_actors,
    without_duplicates,
    write_actor_names,
    write_position,
)
from projections.staleness import tracked_position

BATCH = 5_000
BULK_FROM = 20_000
# The incident-scoped views whose rows resolve names through the registry (an actor, a side,
# a status that a same-side denial moves). The others (`actor_tallies` and
# `provenance_chains` key names as written, `links`, `evidence`, `timeline`) are functions
# of the reports alone: tests/unit/test_fold_registry.py holds the fold to that.
RESOLVING = ("incidents", "claims", "disputes")


class InjectedFailure(RuntimeError):
    """Raised by tests (through `fail_after`) to crash a catch-up in the middle of a batch."""


def catch_up(
    ledger: IncidentLedger,
    store: StoreConfig,
    *,
    batch: int = BATCH,
    on_progress: Callable[[int, int], None] | None = None,
    fail_after: int | None = None,
    lock_timeout: float = 30.0,
    bulk_from: int = BULK_FROM,
) -> Applied:
    """Apply every event after the tracked position; returns how many were applied (reports
    and actor lines: seals are no view's).

    A backlog of `bulk_from` events or more (a big import, a long pause) is applied in one
    transaction by `projections.rebuild.catch_up_in_bulk`, which folds each incident it
    touches once; a shorter one in transactions of `batch` events."""
    applied = Applied()
    target = ledger.max_position()
    # The tracked position costs a connection of its own: read only when the log is long
    # enough to hold such a backlog.
    if fail_after is None and target >= bulk_from and target - _tracked(store) >= bulk_from:
        return catch_up_in_bulk(ledger, store, on_progress=on_progress, lock_timeout=lock_timeout)
    with connect(store, lock_timeout) as db:
        while True:
            with db.transaction():
                position = lock_and_read_position(db)
                notifications = ledger.recorder.select_notifications(
                    start=position, limit=batch, inclusive_of_start=False
                )
                if not notifications:
                    return applied
                # Seals are log events too, but not reports: the views skip them. Actor lines
                # go through as `actor` records: the fold builds the registry from them.
                records = [
                    ledger.record_of(n.id, n) for n in notifications if n.originator_id != SEALS_ID
                ]
                if fail_after is not None and applied + len(records) > fail_after:
                    # Write part of the batch, then crash: the transaction must roll it all back.
                    _apply(db, ledger, records[: fail_after - applied])
                    raise InjectedFailure(f"injected failure after {fail_after} events")
                # The fold keeps every record, report and row of the batch's closure alive
                # until it ends, and makes no cycles: the collector's full passes over them
                # were ~10% of `ledger actor` re-deriving 1,000 incidents (ledger.infra.collector).
                with collector_paused():
                    _apply(db, ledger, records)
                stops.step("catch-up.applied")
                write_position(db, notifications[-1].id)
            actor_lines = sum(1 for r in records if r["type"] == "actor")
            applied += Applied(len(records) - actor_lines, actor_lines)
            if on_progress is not None:
                on_progress(notifications[-1].id, target)


# ---------------------------------------------------------------------------------------------


def _tracked(store: StoreConfig) -> int:
    with connect(store) as db:
        return tracked_position(db.raw)


def _apply(db: Connection, ledger: IncidentLedger, records: Sequence[dict[str, Any]]) -> None:
    records, actor_lines = split_actor_records(records)
    registry_changed = bool(actor_lines)
    if not records and not registry_changed:
        return
    # The registry as of the batch's end: a view shows what its names mean now.
    registry = load_registry(db)
    renamed: set[str] = set()  # name keys whose meaning the batch's actor lines changed
    # Actor ids whose `actors` row the lines change: the actors updated, those whose side
    # moved, and what a renamed key meant before (its old row goes or is summed anew).
    rewritten: set[str] = set()
    if registry_changed:
        store_actor_lines(db, actor_lines)
        for line in actor_lines:
            before = registry
            registry, change = registry.apply(ActorLine.from_record(line))
            renamed |= registry.affected_keys(change)
            rewritten |= {change.actor, *change.lineage}
            rewritten |= {before.resolve_key(key) for key in change.names}
    incidents: set[str] = set()
    corrected: set[str] = set()
    if records:
        rows, references = without_duplicates(db, ledger, *stored_rows(records))
        if len(rows) < len(records):
            kept = {row[_POSITION_AT] for row in rows}
            records = [r for r in records if r["position"] in kept]
        insert_reports(db, rows, references)
        incidents = affected_incidents(
            db,
            {r["incident"] for r in records},
            {t for r in records for t in referenced(r)},
        )
        corrected = {
            t for r in records if r["type"] == "correction" for t in r.get("refers_to", ())
        }
    if renamed:
        incidents |= _naming_incidents(db, renamed)
    if not incidents:
        write_actor_names(db, registry)
        recount_actors(db, renamed | rewritten, registry, also=rewritten)
        return
    closure = _closure(db, incidents, {r["report"]: r for r in records})
    # A batch of registry lines alone changes how names resolve, not the reports: only the
    # views that resolve names can change (`RESOLVING`), and only they are folded again.
    tables = FOLDED if records else RESOLVING
    views = fold_rows(closure, timeline_of=corrected, tables=tables, registry=registry)
    # Each incident-scoped table's rows come in its columns' order (checked in rebuild.py).
    for name in INCIDENT_SCOPED:
        if name in views:
            at = INCIDENT_AT[name]
            views[name] = [row for row in views[name] if row[at] in incidents]
    refreshed = [dict(zip(TIMELINE_COLUMNS, row, strict=True)) for row in views.get("timeline", ())]
    if registry_changed:
        # Most of the re-derived incidents' rows come out as they were: only the rows that
        # differ are written, and only the actors whose tallies differ are summed again (with
        # those the lines change).
        actors = _rewrite_changed_rows(db, incidents, views)
        if records:
            refresh_timeline_rows(db, refreshed, corrected)
        # The name table is small (a registry's spellings): written whole.
        write_actor_names(db, registry)
        recount_actors(db, actors | renamed | rewritten, registry, also=rewritten)
        return
    actors = tallied_actors(db, incidents)
    _replace_incident_rows(db, incidents, views)
    refresh_timeline_rows(db, refreshed, corrected)
    actors.update(row[_TALLY_ACTOR_AT] for row in views["actor_tallies"])
    recount_actors(db, actors, registry)


def _naming_incidents(db: Connection, keys: set[str]) -> set[str]:
    """The incidents whose reports name any of these keys (docs/actors.md, "What re-derives on
    a registry change"): `actor_tallies` is that index, by name as written. Then the incidents
    of the reports theirs refer to: a denial naming the actor changes the claim it denies."""
    naming = set(
        db.column_in("SELECT DISTINCT incident FROM actor_tallies WHERE actor IN ({})", keys)
    )
    targets = set(
        db.column_in("SELECT target FROM report_refs WHERE source_incident IN ({})", naming)
    )
    return affected_incidents(db, naming, targets)


def _closure(
    db: Connection, incidents: set[str], known: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Records of the incidents, plus reports that refer into them (three hops up), in log
    order; `known` records (the batch's own) are taken as they are, not parsed again."""
    gathered = closure_data(db, incidents)
    records = [known.get(report) or orjson.loads(data) for report, data in gathered.items()]
    return sorted(records, key=lambda r: r["position"])


def _replace_incident_rows(
    db: Connection, incidents: set[str], views: dict[str, list[tuple[Any, ...]]]
) -> None:
    delete_incident_rows(db, incidents)
    for name in INCIDENT_SCOPED:
        insert_view_rows(db, name, views[name])


def _rewrite_changed_rows(
    db: Connection, incidents: set[str], views: dict[str, list[tuple[Any, ...]]]
) -> set[str]:
    """Write the incidents' rows that differ from the stored ones, row by row: a stored row the
    fold no longer makes is deleted by its primary key, a row it makes that is not stored is
    inserted. Rows are compared as the driver reads them back, so a value stored otherwise than
    the fold made it only counts as a change, never hides one. Returns the actor keys of the
    `actor_tallies` rows that went or came."""
    actors: set[str] = set()
    for name in INCIDENT_SCOPED:
        if name not in views:
            continue  # not folded: its rows cannot have changed
        columns = TABLE_COLUMNS[name]
        new = views[name]
        listed = ", ".join(f'"{column}"' for column in columns)
        query = f"SELECT {listed} FROM {name} WHERE incident IN ({{}})"
        old = {tuple(stored) for stored in db.rows_in(query, incidents)}
        made = set(new)
        if len(made) < len(new):
            # A row twice: the table's key refuses it, and the full write says which event.
            _delete_incident_rows(db, name, incidents)
            insert_view_rows(db, name, new)
            continue
        gone = old - made
        came = [row for row in new if row not in old]
        at = [columns.index(key) for key in _KEYS[name]]
        _delete_by_key(db, name, _KEYS[name], [tuple(row[i] for i in at) for row in gone])
        insert_view_rows(db, name, came)
        if name == "actor_tallies":
            actor_at = columns.index("actor")
            actors.update(row[actor_at] for row in (*gone, *came))
    return actors


_TALLY_ACTOR_AT = TABLE_COLUMNS["actor_tallies"].index("actor")
# Each table's primary key columns.
_KEYS = {view.name: tuple(c.name for c in view.columns if c.key) for view in VIEWS}


def _delete_by_key(
    db: Connection, table: str, keys: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> None:
    if not values:
        return
    where = " AND ".join(f'"{key}" = ?' for key in keys)
    cursor = db.raw.cursor()
    try:
        cursor.executemany(
            driver_sql(f"DELETE FROM {table} WHERE {where}", postgres=db.postgres), values
        )
    finally:
        cursor.close()


def _delete_incident_rows(db: Connection, table: str, incidents: set[str]) -> None:
    for chunk in chunks(sorted(incidents)):
        db.run(f"DELETE FROM {table} WHERE incident IN ({qmarks(chunk)})", chunk)
