"""Rebuild every view, or apply a long backlog, in one transaction and two passes, on two cores.

A rebuild knows what an incremental catch-up cannot: every incident will be folded. So instead
of folding each batch's incidents as the batch arrives (and again when a later batch touches
them), it works in two passes:

1. the log (or the backlog) into `timeline` and `report_refs`, batch by batch, streaming;
2. the incidents (all, or those the backlog touches) in order, a chunk at a time: each one's
   reports, and the reports elsewhere that refer into it, read back from `timeline` and folded
   once; its rows written once, in place of its old ones. Then the touched rows of `actors` are
   summed again from `actor_tallies` by SQL.

`catch_up` sends a backlog of `BULK_FROM` events or more here (a big import, a long pause); a
catch-up from position 0 is a rebuild.

The CPU work of both passes (decoding events, folding incidents) runs in a forked worker
process (`ledger.infra.parallel`) while this one writes the rows; this one takes a task itself
whenever the worker's result is not ready. The worker never writes: on SQLite it reads the log
itself, on a read-only connection of its own, and otherwise only turns data into rows.

On a rebuild on SQLite, the views' secondary indexes are dropped first and created again from
the definitions the database itself holds: those the second pass reads between the passes, the
rest at the end. Building an index over finished rows costs a fraction of keeping it up to
date row by row.

Everything, the emptying of the views included, is one transaction with the tracking position:
readers see the old views until the new ones are complete, and a crash leaves the old ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson
from eventsourcing.persistence import StoredEvent

from ledger import stops
from ledger.application import IncidentLedger
from ledger.fold import fold_rows
from ledger.infra.collector import collector_paused
from ledger.infra.parallel import Task, Worker, shared
from ledger.integrity import SEALS_ID
from ledger.registry import Registry
from ledger.store.config import StoreConfig
from ledger.store.recorders import read_stored_rows, readers_closed
from ledger.view_rows import COLUMNS
from projections import search
from projections.applied import Applied
from projections.columns import TABLE_COLUMNS, VIEW_TABLE_NAMES
from projections.rows import (
    FOLDED,
    INCIDENT_SCOPED,
    Connection,
    Reference,
    affected_incidents,
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

# Events decoded, and reports folded, per task, on SQLite. Small tasks keep both processes busy
# (the worker's next task is queued while this process writes the last one's rows) and memory
# flat. Smaller also costs less CPU, in both processes and without a worker too (most likely
# the caches: a task's objects, its packed result and its rows then stay in them).
# Measured here on 100,000 events, alternating: tasks of 2,000 took 2.4 s and 500 1.9 s on a
# quiet machine (300 and 250 no faster); later, with the machine's caches shared and busier,
# 500 took 3.0 s, 250 2.7 s, 200 and 125 2.6 s (64 no faster). A wider pipe made it slower.
REBUILD_BATCH = 200
FOLD_CHUNK = 200
# On PostgreSQL each task costs round trips (the worker's events are read and sent by this
# process, each table's rows go in by a COPY of their own): there tasks of 200 took 12.5-15.8 s,
# 500 8.5-10.4 s, 2,000 7.0-9.6 s and 5,000 12.4-14.3 s of a 100,000-event rebuild.
POSTGRES_TASK = 2_000
# The page cache: tasks this small, with the unread indexes dropped, need no more than this.
CACHE_MB = 16
# The indexes the second pass reads through: built between the passes, from the first's rows.
_READ_BY_FOLD = frozenset({"timeline_incident_idx", "report_refs_target_idx"})

Rows = dict[str, list[tuple[Any, ...]]]
TIMELINE_INCIDENT = TABLE_COLUMNS["timeline"].index("incident")
TIMELINE_POSITION = TABLE_COLUMNS["timeline"].index("position")
TIMELINE_SUMMARY = TABLE_COLUMNS["timeline"].index("summary")
TIMELINE_BY = TABLE_COLUMNS["timeline"].index("by")
TALLY_ACTOR = TABLE_COLUMNS["actor_tallies"].index("actor")


def rebuild(
    ledger: IncidentLedger,
    store: StoreConfig,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    batch: int | None = None,
    fold_chunk: int | None = None,
    workers: bool = True,
) -> Applied:
    """Empty every view and replay the whole log into them; returns the events applied (reports
    and actor lines, as a catch-up counts them). Tasks
    of `batch` events and `fold_chunk` reports (by default, the backend's sizes)."""
    passes = _TwoPasses(ledger, store, batch, fold_chunk, workers, on_progress)
    return passes.run(from_scratch=True)


def catch_up_in_bulk(
    ledger: IncidentLedger,
    store: StoreConfig,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    batch: int | None = None,
    fold_chunk: int | None = None,
    workers: bool = True,
    lock_timeout: float = 30.0,
) -> Applied:
    """Apply a long backlog in one transaction and the same two passes, folding each incident
    the backlog touches once (not once per batch that touches it); returns the events applied."""
    passes = _TwoPasses(ledger, store, batch, fold_chunk, workers, on_progress, lock_timeout)
    return passes.run(from_scratch=False)


class _TwoPasses:
    def __init__(
        self,
        ledger: IncidentLedger,
        store: StoreConfig,
        batch: int | None,
        fold_chunk: int | None,
        workers: bool,
        on_progress: Callable[[int, int], None] | None,
        lock_timeout: float = 30.0,
    ) -> None:
        self.ledger, self.store = ledger, store
        postgres = store.backend != "sqlite"
        self.batch = batch if batch is not None else POSTGRES_TASK if postgres else REBUILD_BATCH
        self.fold_chunk = (
            fold_chunk if fold_chunk is not None else POSTGRES_TASK if postgres else FOLD_CHUNK
        )
        self.workers = workers
        self.on_progress, self.lock_timeout = on_progress, lock_timeout
        self.start = self.span = 0
        self.registry_changed = False
        self.actor_lines = 0  # stored by the first pass

    def run(self, *, from_scratch: bool) -> Applied:
        target = self.ledger.max_position()
        # The worker is forked before the projector's connection opens, so it holds none.
        with (
            collector_paused(),  # before the fork: the worker inherits the pause
            readers_closed(),
            Worker(self.ledger.record_of, parallel=self.workers) as worker,
            connect(self.store, self.lock_timeout, cache_mb=CACHE_MB) as db,
            db.transaction(),
        ):
            position = lock_and_read_position(db)
            # Nothing applied yet: the views hold no rows (rows and position commit together),
            # so a catch-up from 0 is a rebuild, and may build its indexes last like one.
            from_scratch = from_scratch or position == 0
            # CREATE INDEX statements of the indexes dropped: those the fold reads, and the rest.
            for_fold: list[str] = []
            for_readers: list[str] = []
            if from_scratch:
                position = 0
                for name in VIEW_TABLE_NAMES:
                    db.run(f"DELETE FROM {name}")
                search.clear(db)
                # Not on PostgreSQL: there DROP INDEX locks the table against readers until
                # the rebuild commits, where they would otherwise go on reading the old rows.
                if not db.postgres:
                    for_fold, for_readers = _drop_secondary_indexes(db)
            self.start, self.span = position, max(target - position, 1)
            applied, last, affected = self._store_log(db, worker, position, target, from_scratch)
            for statement in for_fold:
                db.run(statement)
            registry = load_registry(db)
            if self.registry_changed and affected is not None:
                # Any name may mean another actor now: every incident is derived again.
                affected = set(db.column("SELECT DISTINCT incident FROM timeline"))
            actors = self._fold(db, worker, affected, applied, registry)
            for statement in for_readers:
                db.run(statement)
            # After the indexes are back: the recount reads `actor_tallies` by actor.
            if from_scratch or self.registry_changed:
                write_actor_names(db, registry)
                recount_actors(db, None, registry)
            else:
                recount_actors(db, actors, registry)
            if from_scratch or last > position:
                write_position(db, last)
        return Applied(applied, self.actor_lines)

    def _progress(self, done: int) -> None:
        if self.on_progress is not None:
            self.on_progress(min(done, 2 * self.span), 2 * self.span)

    def _store_log(
        self, db: Connection, worker: Worker, after: int, target: int, from_scratch: bool
    ) -> tuple[int, int, set[str] | None]:
        """Pass 1: every report in (after, target] into `timeline` and `report_refs`, in log order
        (a reference's target incident is looked up among the rows already in). Returns the
        reports stored, the last position, and the incidents whose rows may change (None: all,
        from scratch)."""
        applied, last = 0, after
        affected: set[str] | None = None if from_scratch else set()

        def tasks() -> Iterator[Task]:
            nonlocal last
            if self.store.backend == "sqlite":
                # The worker reads each range of the log itself, through a read-only connection
                # of its own: this process, the busier one, neither reads nor sends the events.
                # Every position up to `target` was committed when it was read.
                uri = self.store.sqlite_reader_uri()
                for start in range(after, target, self.batch):
                    last = min(start + self.batch, target)
                    yield _read_decoded_rows, (uri, start, last)
                return
            for stored in self.ledger.iter_stored(after=after, batch=self.batch):
                last = stored[-1][0]
                reports = [row for row in stored if _is_report(row[1])]
                yield _decoded_rows, (reports, last)

        for rows, references, actor_lines, position, documents in worker.ordered(
            tasks(), share=True
        ):
            if actor_lines:
                store_actor_lines(db, actor_lines)
                self.registry_changed = True
                self.actor_lines += len(actor_lines)
            decoded = len(rows)
            rows, references = without_duplicates(db, self.ledger, rows, references)
            if documents is not None and len(rows) < decoded:
                kept = {row[TIMELINE_POSITION] for row in rows}
                documents = [d for d in documents if d is not None and d[0] in kept]
            insert_reports(db, rows, references, documents)
            stops.step("rebuild.stored")
            if affected is not None:
                own = {row[TIMELINE_INCIDENT] for row in rows}
                affected |= affected_incidents(db, own, {t for _, t, _ in references})
            applied += len(rows)
            self._progress(position - self.start)
        return applied, last, affected

    def _fold(
        self,
        db: Connection,
        worker: Worker,
        affected: set[str] | None,
        reports: int,
        registry: Registry,
    ) -> set[str]:
        """Pass 2: fold each incident (of `affected`, or all) once, a chunk at a time, and write
        its rows in place of its old ones. Returns the actors whose counts may have moved."""
        folded = 0
        actors: set[str] = set()

        def tasks() -> Iterator[Task]:
            for incidents, count in _incident_chunks(db, self.fold_chunk, affected):
                data = list(closure_data(db, incidents).values())
                yield _folded_rows, (data, incidents, count, registry)

        # Folding is the larger part here: this process folds chunks too while it would wait.
        for rows, refreshed, incidents, count in worker.ordered(tasks(), share=True):
            if affected is not None:
                actors |= tallied_actors(db, incidents)
                delete_incident_rows(db, incidents)
                actors.update(row[TALLY_ACTOR] for row in rows["actor_tallies"])
            for name, table_rows in rows.items():
                insert_view_rows(db, name, table_rows)
            stops.step("rebuild.folded")
            refresh_timeline_rows(db, refreshed, {row["report"] for row in refreshed})
            folded += count
            self._progress(self.span + folded * self.span // max(reports, 1))
        return actors


# ---------------------------------------------------------------------------------------------
# The worker's side (or this process's, when it takes a task): functions of data that write
# nothing.


Decoded = tuple[
    list[tuple[Any, ...]],
    list[Reference],
    list[dict[str, Any]],
    int,
    "list[search.Document | None] | None",
]


def _read_decoded_rows(uri: str, after: int, stop: int) -> Decoded:
    """`_decoded_rows` of the events in (after, stop], read from the SQLite file at `uri` by
    whichever process runs the task, on a read-only connection of that process's own; with
    the rows' search documents (SQLite's index is written by the projector)."""
    events = [row for row in read_stored_rows(uri, after, stop) if _is_report(row[1])]
    return _decoded_rows(events, stop, documents=True)


def _decoded_rows(
    events: Sequence[tuple[int, str, int, str, bytes]], position: int, documents: bool = False
) -> Decoded:
    """Timeline rows and references of (position, incident, version, topic, state) events, and
    the records of the registry's actor lines among them (no timeline rows of their own); and
    if asked, the rows' search documents, built here so the writer only inserts them."""
    record_of = shared()  # the ledger's `record_of`
    records = [
        record_of(at, StoredEvent(incident, version, topic, state))
        for at, incident, version, topic, state in events
    ]
    records, actor_lines = split_actor_records(records)
    rows, references = stored_rows(records)
    if not documents:
        return rows, references, actor_lines, position, None
    built = [
        search.document(record, row[TIMELINE_SUMMARY], row[TIMELINE_BY])
        for record, row in zip(records, rows, strict=True)
    ]
    return rows, references, actor_lines, position, built


def _folded_rows(
    data: Sequence[str], incidents: set[str], count: int, registry: Registry
) -> tuple[Rows, list[dict[str, Any]], set[str], int]:
    """The rows of these incidents, from their closure: each table's rows as tuples, and the
    timeline rows of their reports that corrections changed. Reports from other incidents are
    in the closure only for what they do to these; their own rows come with their incident."""
    closure = [orjson.loads(text) for text in data]
    # A correction may sit in another incident than the report it corrects: its target's
    # incident (in this chunk) is where the target's refreshed row is written.
    corrected = {
        target for r in closure if r["type"] == "correction" for target in r.get("refers_to", ())
    }
    views = fold_rows(closure, timeline_of=corrected, tables=FOLDED, registry=registry)
    rows: Rows = {}
    for name in INCIDENT_SCOPED:
        # The fold's rows are the table's columns in order (checked below, at import).
        at = INCIDENT_AT[name]
        rows[name] = [row for row in views[name] if row[at] in incidents]
    refreshed = [
        dict(zip(TIMELINE_COLUMNS, row, strict=True))
        for row in views["timeline"]
        if row[TIMELINE_INCIDENT] in incidents
    ]
    return rows, refreshed, incidents, count


# `fold_rows` builds each incident-scoped table's rows in its columns' order.
if any(COLUMNS[name] != TABLE_COLUMNS[name] for name in INCIDENT_SCOPED):
    raise AssertionError("a folded view's columns differ from its table's")
INCIDENT_AT = {name: TABLE_COLUMNS[name].index("incident") for name in INCIDENT_SCOPED}
TIMELINE_COLUMNS = COLUMNS["timeline"]


# ---------------------------------------------------------------------------------------------


def _drop_secondary_indexes(db: Connection) -> tuple[list[str], list[str]]:
    """Drop the views' secondary SQLite indexes; return the statements that create them again,
    exactly as the database has them (so the schema ends unchanged): first those the second
    pass reads (created between the passes), then the rest (created last). Indexes behind
    primary keys and unique constraints (no `sql`) stay: the first pass looks reports up by id."""
    tables = list(VIEW_TABLE_NAMES)
    rows = db.rows(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({qmarks(tables)})",
        tables,
    )
    for_fold: list[str] = []
    for_readers: list[str] = []
    for name, sql in sorted(rows):
        db.run(f'DROP INDEX "{name}"')
        (for_fold if name in _READ_BY_FOLD else for_readers).append(sql)
    return for_fold, for_readers


def _incident_chunks(
    db: Connection, size: int, only: set[str] | None
) -> Iterator[tuple[set[str], int]]:
    """The incidents (all, or `only` these) in order, in groups of about `size` reports."""
    chunk: set[str] = set()
    reports = 0
    for incident, count in db.rows(
        "SELECT incident, COUNT(*) FROM timeline GROUP BY incident ORDER BY incident"
    ):
        if only is not None and incident not in only:
            continue
        chunk.add(incident)
        reports += int(count)
        if reports >= size:
            yield chunk, reports
            chunk, reports = set(), 0
    if chunk:
        yield chunk, reports


def _is_report(originator_id: Any) -> bool:
    """Seals are log events too, but not reports: the views skip them. Actor lines go through
    as `actor` records, from which the fold builds the registry."""
    return originator_id != SEALS_ID
