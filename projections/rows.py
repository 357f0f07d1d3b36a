"""The projector's connection and the row operations that a catch-up (`projections.catchup`)
and a rebuild (`projections.rebuild`) share: apart from both, so neither imports the other's
module for them (`catch_up` hands a long backlog to the rebuild's two passes).

The tables are written through the database driver itself (sqlite3, or psycopg for PostgreSQL),
with the column lists of `projections.columns`: every write command projects after it appends,
and importing SQLAlchemy would cost a quarter of a second of a one-line append.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from ledger.errors import UnprojectableEvent
from ledger.registry import ActorLine, Registry
from ledger.report_fields import referenced
from ledger.store.config import StoreConfig
from ledger.view_columns import ACTOR_COUNTS
from ledger.view_rows import actor_name_rows, actors_summed, timeline_values
from projections import search
from projections.columns import REQUIRED_COLUMNS, TABLE_COLUMNS
from projections.queries import driver_sql
from projections.staleness import PROJECTION, TRACKED_POSITION

if TYPE_CHECKING:  # annotations only: `ledger changes` reads rows without the application
    from ledger.application import IncidentLedger

# The tables whose rows belong to one incident: a catch-up replaces a touched incident's rows.
INCIDENT_SCOPED = (
    "incidents", "claims", "disputes", "provenance_chains", "links", "evidence", "actor_tallies"
)  # fmt: skip
# What a catch-up takes from the fold; `actors` is summed from `actor_tallies` instead.
FOLDED = (*INCIDENT_SCOPED, "timeline")
_ACTOR_COUNTS = ACTOR_COUNTS


class Connection:
    """The projector's own connection, on either driver. Statements are written with `?`
    placeholders (never with values in the text); PostgreSQL's become psycopg's `%s`."""

    def __init__(self, raw: Any, *, postgres: bool) -> None:
        self.raw = raw
        self.postgres = postgres

    def _sql(self, statement: str) -> str:
        return driver_sql(statement, postgres=self.postgres)

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.raw.execute(self._sql(statement), params).fetchall())

    def column(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        return [row[0] for row in self.rows(statement, params)]

    def rows_in(self, statement: str, values: Iterable[Any]) -> list[tuple[Any, ...]]:
        """The rows of `statement` for every value (in no particular order), its one `IN ({})`
        filled on SQLite a chunk of the sorted values at a time (SQLite caps the parameters of
        one statement). PostgreSQL takes them all as one array (`= ANY(...)`): an `IN` list of
        500 parameters cost it milliseconds per query to bind and plan, and a PostgreSQL
        rebuild reads its closures with thousands of these. The array goes in binary (`%b`):
        psycopg's text dumper escapes each element in Python, at 2.5x the client CPU per id
        (1.7 against 0.7 us, 30,000 report ids)."""
        ordered = sorted(set(values))
        if self.postgres:
            if not ordered:
                return []
            if statement.count("IN ({})") != 1:
                raise ValueError(f"rows_in needs one 'IN ({{}})' to fill: {statement}")
            return self.rows(statement.replace("IN ({})", "= ANY(%b)"), [ordered])
        found: list[tuple[Any, ...]] = []
        for chunk in chunks(ordered):
            found += self.rows(statement.format(qmarks(chunk)), chunk)
        return found

    def column_in(self, statement: str, values: Iterable[Any]) -> list[Any]:
        return [row[0] for row in self.rows_in(statement, values)]

    def run(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.raw.execute(self._sql(statement), params)

    def run_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self.raw.executemany(self._sql(statement), rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: SQLite's takes the write lock up front (see module docstring)."""
        if not self.postgres:
            self.raw.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            # The error that got us here is the one to report; a connection that cannot even
            # roll back is closed by the caller, which ends the transaction just the same.
            with contextlib.suppress(Exception):
                if self.postgres:
                    self.raw.rollback()
                elif self.raw.in_transaction:
                    self.raw.execute("ROLLBACK")
            raise
        if self.postgres:
            self.raw.commit()
        else:
            self.raw.execute("COMMIT")

    def close(self) -> None:
        self.raw.close()


@contextlib.contextmanager
def connect(
    store: StoreConfig, lock_timeout: float = 30.0, cache_mb: int = 64
) -> Iterator[Connection]:
    """The projector's connection, closed on the way out (tests delete SQLite files after)."""
    connection = _open(store, lock_timeout, cache_mb)
    try:
        yield connection
    finally:
        connection.close()


def _open(store: StoreConfig, lock_timeout: float, cache_mb: int) -> Connection:
    if store.backend != "sqlite":
        return Connection(store.connect_postgres(autocommit=False), postgres=True)
    # isolation_level=None: the driver opens no transaction of its own; we issue BEGIN ourselves.
    raw = sqlite3.connect(store.sqlite_file, timeout=lock_timeout, isolation_level=None)
    try:
        # In WAL mode NORMAL still commits each batch atomically (rows and position together);
        # it only skips the fsync per commit, so a power cut may lose the last batches, which
        # the next catch-up re-applies from the tracked position. FULL cost a tenth of a rebuild.
        raw.execute("PRAGMA synchronous=NORMAL")
        # A larger page cache (64 MB for a catch-up; the default is 2 MB) keeps the views'
        # indexes in memory as they grow: past a few hundred thousand rows each insert otherwise
        # reads pages back.
        raw.execute(f"PRAGMA cache_size={-1024 * int(cache_mb)}")
        # Some builds (Debian's among them) turn secure_delete on, which zeroes and writes back
        # every page a delete frees: a rebuild empties every view and a catch-up replaces the
        # rows of each incident it folds, so that wrote the views twice over. The views hold
        # only what the append-only log holds, which nothing ever deletes: nothing to scrub.
        raw.execute("PRAGMA secure_delete=OFF")
    except BaseException:
        raw.close()
        raise
    return Connection(raw, postgres=False)


def lock_and_read_position(db: Connection) -> int:
    if db.postgres:
        db.run(
            "INSERT INTO projection_tracking (projection, position) VALUES (?, 0) "
            "ON CONFLICT (projection) DO NOTHING",
            (PROJECTION,),
        )
        (row,) = db.rows(
            f"{TRACKED_POSITION} FOR UPDATE",
            (PROJECTION,),
        )
        return int(row[0])
    value = db.rows(TRACKED_POSITION, (PROJECTION,))
    if not value or value[0][0] is None:
        db.run(
            "INSERT INTO projection_tracking (projection, position) VALUES (?, ?)", (PROJECTION, 0)
        )
        return 0
    return int(value[0][0])


def write_position(db: Connection, position: int) -> None:
    db.run(
        "UPDATE projection_tracking SET position = ? WHERE projection = ?", (position, PROJECTION)
    )


Reference = tuple[str, str, str]  # source, target, source incident
_TIMELINE = TABLE_COLUMNS["timeline"]
_POSITION_AT, _REPORT_AT, _INCIDENT_AT = (
    _TIMELINE.index(c) for c in ("position", "report", "incident")
)


def without_duplicates(
    db: Connection,
    ledger: IncidentLedger,
    rows: Sequence[tuple[Any, ...]],
    references: Sequence[Reference],
) -> tuple[Sequence[tuple[Any, ...]], Sequence[Reference]]:
    """The timeline rows (and their references) whose report id no earlier event holds.

    Report ids are unique, and ids and incident slugs share one namespace, but an older
    version, or a row written by hand, may have left a second event with an id already held:
    the views key reports by id, so it cannot have rows of its own. Once a correction voids
    that id it is left out (the event stays in the log); until then the projection stops,
    naming the event and that way out, rather than on the database's bare constraint error.
    """
    ids = [row[_REPORT_AT] for row in rows]
    held = dict(db.rows_in("SELECT report, position FROM timeline WHERE report IN ({})", ids))
    if not held and len(set(ids)) == len(ids):
        return rows, references  # the usual case: one query, nothing to drop
    kept: list[tuple[Any, ...]] = []
    dropped: list[tuple[tuple[Any, ...], int]] = []
    for row in rows:
        holder = held.setdefault(row[_REPORT_AT], row[_POSITION_AT])
        if holder == row[_POSITION_AT]:
            kept.append(row)
        else:
            dropped.append((row, holder))
    if not dropped:
        return rows, references
    voided = voided_reports(ledger, {row[_REPORT_AT] for row, _ in dropped})
    for row, holder in dropped:
        if row[_REPORT_AT] not in voided:
            raise UnprojectableEvent(
                row[_POSITION_AT],
                row[_INCIDENT_AT],
                row[_REPORT_AT],
                f"its report id is already held by the event at position {holder}",
            )
    # The dropped events' own references go with them (the holder's are in its own row's).
    remaining = collections.Counter(references)
    for row, _ in dropped:
        said = orjson.loads(row[-1])
        for target in referenced(said):
            remaining[(row[_REPORT_AT], target, row[_INCIDENT_AT])] -= 1
    kept_references: list[Reference] = []
    for ref in references:
        if remaining[ref] > 0:
            remaining[ref] -= 1
            kept_references.append(ref)
    return kept, kept_references


def voided_reports(ledger: IncidentLedger, reports: set[str]) -> set[str]:
    """Which of these report ids a correction in the log voids, found through the log's own
    reference index: the correction may come later in the log than what it voids."""
    sources = {source for source, _ in ledger.ledger_recorder.referrers(sorted(reports))}
    entries = ledger.find_reports(sorted(sources)).values()
    keys = [(e.incident, int(e.version)) for e in entries if e.type == "correction" and e.version]
    voided: set[str] = set()
    for notification in ledger.ledger_recorder.select_versions(keys):
        record = ledger.record_of(notification.id, notification)
        if record.get("void") is True:
            voided.update(record.get("refers_to", ()))
    return voided & reports


def stored_rows(records: Sequence[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], list[Reference]]:
    """The reports' timeline rows (as tuples, in column order) and their references; pure, so
    a rebuild computes them in its worker process."""
    # The table's columns are the fold's timeline columns, then the record itself.
    sort_keys = orjson.OPT_SORT_KEYS
    rows = [
        (*timeline_values(record), orjson.dumps(record, option=sort_keys).decode())
        for record in records
    ]
    references = [(r["report"], target, r["incident"]) for r in records for target in referenced(r)]
    return rows, references


def insert_reports(
    db: Connection,
    rows: Sequence[tuple[Any, ...]],
    references: Sequence[Reference],
    documents: Sequence[search.Document | None] | None = None,
) -> None:
    """The reports' timeline rows, their search documents (built already, by a rebuild's
    worker, or here from the rows) and their references."""
    columns = TABLE_COLUMNS["timeline"]
    report_at, incident_at = columns.index("report"), columns.index("incident")
    known = {row[report_at]: row[incident_at] for row in rows}
    incident_of = _incidents_of(db, {target for _, target, _ in references} - set(known))
    incident_of.update(known)
    insert_tuples(db, "timeline", rows)
    # The search index in the same transaction as the rows it indexes (SQLite; see search).
    if documents is None:
        search.index_reports(db, [row[_POSITION_AT] for row in rows])
    else:
        search.index_documents(db, documents, [row[_POSITION_AT] for row in rows])
    insert_tuples(
        db,
        "report_refs",
        [
            (source, target, source_incident, incident_of.get(target, source_incident))
            for source, target, source_incident in references
        ],
    )


def _incidents_of(db: Connection, reports: Iterable[str]) -> dict[str, str]:
    return dict(db.rows_in("SELECT report, incident FROM timeline WHERE report IN ({})", reports))


def affected_incidents(db: Connection, incidents: set[str], targets: set[str]) -> set[str]:
    """Incidents whose rows may change when reports of `incidents` referring to `targets`
    arrive: their own, and those of everything they refer to, two hops deep (a retraction of
    a denial changes the status of the claim the denial denies)."""
    affected = set(incidents)
    frontier = set(targets)
    for _ in range(2):
        if not frontier:
            break
        next_frontier: set[str] = set()
        for target, target_incident in db.rows_in(
            "SELECT target, target_incident FROM report_refs WHERE source IN ({})", frontier
        ):
            next_frontier.add(target)
            affected.add(target_incident)
        affected.update(_incidents_of(db, frontier).values())
        frontier = next_frontier
    return affected


def closure_data(db: Connection, incidents: set[str]) -> dict[str, str]:
    """The stored records (JSON text, as said) of the incidents' reports and of every report
    referring to them, three hops up (denial -> its retraction -> a correction voiding that
    retraction): everything a fold of these incidents needs."""
    chosen = dict(db.rows_in("SELECT report, data FROM timeline WHERE incident IN ({})", incidents))
    return with_referrers(db, chosen, hops=3)


def with_referrers(
    db: Connection,
    chosen: dict[str, str],
    *,
    hops: int,
    types: Collection[str] | None = None,
    leave_out: Collection[str] = (),
) -> dict[str, str]:
    """`chosen` (report -> stored record) with every report referring to one of them, up to
    `hops` references up, read from `report_refs` and `timeline`: only referrers of `types`
    (None: of any type; the ledger's own type names, written into the SQL as literals), and
    none of `leave_out` nor what reaches `chosen` only through them.

    Two queries a hop: the referrers' ids (joined to `timeline` for their type when `types` is
    given), then the records of those not read yet. Most referrers of a rebuild's chunk are in
    the chunk already (a denial and the claim it denies share an incident), so their records
    are not read twice: one join returning the records took a third more CPU over a rebuild's
    chunks, and was no faster for `ledger changes` (docs/performance.md, branch `sqrb`)."""
    if types is None:
        query = "SELECT source FROM report_refs WHERE target IN ({})"
    else:
        kinds = ", ".join(repr(k) for k in sorted(types))
        query = (
            "SELECT r.source FROM report_refs r JOIN timeline t ON t.report = r.source "
            f"WHERE r.target IN ({{}}) AND t.type IN ({kinds})"
        )
    skipped = set(leave_out)
    frontier = set(chosen)
    for _ in range(hops):
        frontier = set(db.column_in(query, frontier)) - chosen.keys() - skipped
        if not frontier:
            break
        chosen.update(
            db.rows_in("SELECT report, data FROM timeline WHERE report IN ({})", frontier)
        )
    return chosen


def delete_incident_rows(db: Connection, incidents: set[str]) -> None:
    """Delete the incidents' rows from every incident-scoped view, before they are written."""
    for chunk in chunks(sorted(incidents)):
        for name in INCIDENT_SCOPED:
            db.run(f"DELETE FROM {name} WHERE incident IN ({qmarks(chunk)})", chunk)


def refresh_timeline_rows(db: Connection, rows: list[dict[str, Any]], reports: set[str]) -> None:
    """Show the current (corrected, voided) values of reports that a correction just changed."""
    for row in rows:
        if row["report"] in reports:
            values = {k: v for k, v in row.items() if k not in ("position", "report")}
            if not values:
                continue
            _check_columns("timeline", values)
            assignments = ", ".join(f"{_quoted(column)} = ?" for column in values)
            with search.refreshing(db, row["position"]):
                db.run(
                    f"UPDATE timeline SET {assignments} WHERE position = ?",
                    (*values.values(), row["position"]),
                )


def tallied_actors(db: Connection, incidents: set[str]) -> set[str]:
    """The actors the incidents' stored tallies name: their counts move when those go."""
    return set(db.column_in("SELECT actor FROM actor_tallies WHERE incident IN ({})", incidents))


def recount_actors(
    db: Connection, keys: set[str] | None, registry: Registry, *, also: Collection[str] = ()
) -> None:
    """Rewrite the `actors` rows of the actors these name keys resolve to (None: every row),
    and of the actor ids in `also` (a row a registry line may have emptied: what a key meant
    before it became an alias), summed from their tallies under every key that resolves to
    them, as the fold sums them (ledger.view_rows.actors_summed). Cheap whatever the log's
    length: an actor has one tally per incident and name that names it."""
    counts = ", ".join(f'SUM("{column}")' for column in _ACTOR_COUNTS)
    grouped = (
        "SELECT actor, name, first_position, first_seq, ROW_NUMBER() OVER ("
        "PARTITION BY actor ORDER BY first_position, first_seq) AS n FROM actor_tallies"
    )
    if keys is None:
        db.run("DELETE FROM actors")
        names = db.rows(
            f"SELECT actor, name, first_position, first_seq FROM ({grouped}) AS r WHERE n = 1"
        )
        sums = db.rows(f"SELECT actor, {counts} FROM actor_tallies GROUP BY actor")
        wanted = None
    else:
        if not keys:
            return
        wanted = {registry.resolve_key(key) for key in keys} | set(also)
        every_key = {k for actor in wanted for k in registry.keys_of(actor)}
        names = db.rows_in(
            f"SELECT actor, name, first_position, first_seq FROM ({grouped} "
            "WHERE actor IN ({})) AS r WHERE n = 1",
            every_key,
        )
        sums = db.rows_in(
            f"SELECT actor, {counts} FROM actor_tallies WHERE actor IN ({{}}) GROUP BY actor",
            every_key,
        )
        for chunk in chunks(sorted(wanted)):
            db.run(f"DELETE FROM actors WHERE actor IN ({qmarks(chunk)})", chunk)
    by_key = {row[0]: [int(n) for n in row[1:]] for row in sums}
    tallies = {
        key: (name, dict(zip(_ACTOR_COUNTS, by_key.get(key, ()), strict=False)))
        for key, name, _, _ in sorted(names, key=lambda row: (row[2], row[3]))
    }
    rows = actors_summed(registry, tallies)
    if wanted is not None:
        rows = [row for row in rows if row["actor"] in wanted]
    columns = TABLE_COLUMNS["actors"]
    insert_tuples(db, "actors", [tuple(row[c] for c in columns) for row in rows])


def load_registry(db: Connection) -> Registry:
    """The registry after every actor line the projector has stored (registry_lines)."""
    lines = db.column("SELECT data FROM registry_lines ORDER BY position")
    return Registry.from_lines(ActorLine.from_record(orjson.loads(line)) for line in lines)


def store_actor_lines(db: Connection, records: Sequence[dict[str, Any]]) -> None:
    insert_tuples(
        db,
        "registry_lines",
        [(r["position"], orjson.dumps(r, option=orjson.OPT_SORT_KEYS).decode()) for r in records],
    )


def write_actor_names(db: Connection, registry: Registry) -> None:
    """The whole `actor_names` table again: a registry is small (a thousand actors)."""
    db.run("DELETE FROM actor_names")
    columns = TABLE_COLUMNS["actor_names"]
    insert_tuples(
        db, "actor_names", [tuple(row[c] for c in columns) for row in actor_name_rows(registry)]
    )


def split_actor_records(
    records: Sequence[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The incidents' reports, and the registry's actor lines (no incident's: no per-incident
    rows, no timeline row)."""
    reports = [r for r in records if r.get("type") != "actor"]
    if len(reports) == len(records):
        return reports, []
    return reports, [r for r in records if r.get("type") == "actor"]


def insert_view_rows(db: Connection, table: str, rows: Sequence[Sequence[Any]]) -> None:
    """`insert_tuples` of rows the fold made; when the database refuses one for an empty
    column (a blank name an older version let in), the error names the event behind it."""
    try:
        insert_tuples(db, table, rows)
    except Exception as error:
        if not _is_constraint_error(error):
            raise
        columns = TABLE_COLUMNS[table]
        for row in rows:
            for column in sorted(REQUIRED_COLUMNS[table]):
                if row[columns.index(column)] is None:
                    value = dict(zip(columns, row, strict=True))
                    raise UnprojectableEvent(
                        value.get("position"),
                        str(value.get("incident", "?")),
                        str(value.get("report", value.get("claim", "?"))),
                        f"it leaves {table}.{column} empty (a blank name?)",
                    ) from None
        raise


def _is_constraint_error(error: BaseException) -> bool:
    """SQLite's IntegrityError, or a PostgreSQL integrity constraint violation (SQLSTATE 23)."""
    return isinstance(error, sqlite3.IntegrityError) or str(
        getattr(error, "sqlstate", "") or ""
    ).startswith("23")


def insert_tuples(db: Connection, table: str, rows: Sequence[Sequence[Any]]) -> None:
    """Rows straight through the driver, values in the table's column order; every column is
    quoted ("by" is a keyword). SQLite: executemany. PostgreSQL: COPY, which streams the rows
    in one statement where executemany sends one INSERT per row."""
    if not rows:
        return
    columns = ", ".join(_quoted(c) for c in TABLE_COLUMNS[table])
    if db.postgres:
        with db.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["?"] * len(TABLE_COLUMNS[table]))
    db.raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _check_columns(table: str, values: dict[str, Any]) -> None:
    unknown = set(values) - set(TABLE_COLUMNS[table])
    if unknown:
        raise KeyError(f"{table} has no column {sorted(unknown)[0]!r}")


def _quoted(column: str) -> str:
    return f'"{column}"'


def qmarks(chunk: Sequence[Any]) -> str:
    return ", ".join(["?"] * len(chunk))


def chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
