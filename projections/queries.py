"""The reports `ledger report` runs: filtered selects over the projection tables.

They talk to the database driver directly (sqlite3, or psycopg for PostgreSQL) with plain SQL:
importing SQLAlchemy would cost more than the report itself. Every user value is a bound
parameter; the SQL is written with `?` and turned into `%s` for psycopg.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import orjson

from ledger.errors import InvalidFilter
from ledger.statuses import INCIDENT_STATUSES
from ledger.store.config import StoreConfig
from ledger.store.errors import translated
from ledger.timeutil import InvalidTime, earliest_instant
from projections.actor_scope import ActorScope, actor_scope
from projections.columns import BOOLEAN_COLUMNS, READABLE_COLUMNS, REPORT_TABLES

# Re-exported: other modules and tests import them from here.
from projections.driver import driver_sql as driver_sql
from projections.driver import read_connection as read_connection
from projections.driver import run_sql as run_sql

# What --status accepts: every status the fold gives an assertion or an incident.
STATUSES = INCIDENT_STATUSES


# A query: SQL with `?` placeholders (and `COLUMNS` for its select list), its parameters.
Query = tuple[str, list[Any]]


def _instant(label: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return earliest_instant(value)
    except InvalidTime as e:
        raise InvalidFilter(f"{label}: {e}") from None


def _status(value: str | None) -> str | None:
    if value is not None and value not in STATUSES:
        raise InvalidFilter(f"--status must be one of {', '.join(STATUSES)}")
    return value


def report_columns(name: str) -> list[str]:
    """Every column a report can show, in table order; InvalidFilter for an unknown report."""
    if name not in REPORT_TABLES:
        raise InvalidFilter(f"unknown report '{name}'")
    return list(READABLE_COLUMNS[REPORT_TABLES[name]])


def as_dicts(
    columns: Sequence[str],
    found: Sequence[Sequence[Any]],
    booleans: frozenset[str],
    lists: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Driver rows as dicts, booleans as booleans (SQLite hands back 0/1), and the columns
    in `lists` (JSON arrays stored as text) as lists."""
    rows = [dict(zip(columns, row, strict=True)) for row in found]
    present = booleans.intersection(columns)
    arrays = [c for c in columns if c in lists]
    for row in rows:
        for column in present:
            if row[column] is not None:
                row[column] = bool(row[column])
        for column in arrays:
            if isinstance(row[column], str):
                row[column] = orjson.loads(row[column])
    return rows


def resolved_filters(
    store: StoreConfig,
    filters: dict[str, Any],
    on_unknown: Callable[[str], object] | None = None,
) -> dict[str, Any]:
    """`filters` with `actor` and `side`, when given as names, resolved through the registry
    into scopes (projections.actor_scope): `actor="SDF"` means every name of the actor SDF
    resolves to, as `ledger report --actor SDF` does. A name nobody in the ledger has still
    runs the report (an empty result), and `on_unknown` gets a one-line hint for it. Values
    already scopes are kept, so resolving twice reads the registry once."""
    names = {k: v for k in ("actor", "side") if isinstance(v := filters.get(k), str) and v}
    if not names:
        return filters
    resolved = dict(filters)
    with read_connection(store) as connection:
        for key, name in names.items():
            scope = actor_scope(connection, name, side=key == "side")
            if not scope.known and on_unknown is not None:
                on_unknown(scope.hint())
            resolved[key] = scope
    return resolved


def report_rows(
    store: StoreConfig,
    name: str,
    *,
    columns: Sequence[str] | None = None,
    booleans_as_text: bool = False,
    limit: int | None = None,
    lock_timeout: float = 30.0,
    on_unknown: Callable[[str], object] | None = None,
    **filters: Any,
) -> tuple[list[str], list[tuple[Any, ...]], frozenset[str]]:
    """(columns, rows as the driver gives them, the boolean columns) of one report: what a
    long CSV report writes without building a dict per row.

    `columns` picks and orders the columns (default: all, in table order); with
    `booleans_as_text` the database writes booleans as 'true'/'false', so that a CSV writer can
    take the rows as they come, without Python touching each one. `limit`: at most that many
    rows, the first in the report's order. `actor` and `side` name actors through the
    registry, as on the command line (`resolved_filters`; `on_unknown` gets the hint for a
    name nobody has). InvalidFilter for a bad filter, column or report;
    the database's errors (a file without views, say) as StoreUnavailable, which names
    `lock_timeout` if the views stayed locked."""
    with translated(store, lock_timeout):
        filters = resolved_filters(store, filters, on_unknown)
    sql, parameters, table = report_query(name, **filters)
    if columns is not None and not columns:
        raise InvalidFilter("name at least one column")
    chosen = list(columns or READABLE_COLUMNS[table])
    booleans = BOOLEAN_COLUMNS.get(table, frozenset())
    select_list = _select_list(table, chosen, booleans if booleans_as_text else ())
    if limit is not None:
        sql, parameters = f"{sql} LIMIT ?", [*parameters, limit]
    with translated(store, lock_timeout), read_connection(store) as connection:
        found = run_sql(connection, sql.replace(COLUMNS, select_list, 1), parameters)
    return chosen, found, booleans


def report_query(
    name: str,
    *,
    incident: Sequence[str] | None = None,
    status: str | None = None,
    actor: str | ActorScope | None = None,
    side: ActorScope | None = None,
    since: str | None = None,
    until: str | None = None,
    report: str | None = None,
    sort: Sequence[tuple[str, bool]] = (),
) -> tuple[str, list[Any], str]:
    """(SQL, its parameters, the table it reads) of one report, the SQL ordered and with
    `COLUMNS` where its select list goes; InvalidFilter for a bad filter value. `sort`: (column,
    descending) pairs ordering the rows before the report's own order.

    `actor` and `side` are scopes resolved through the registry (`resolved_filters`); here a
    plain string `actor` is read as a name of its own, without the registry (`report_rows`
    resolves it first). Both given: rows matching both."""
    status = _status(status)
    since_at, until_at = _instant("--since", since), _instant("--until", until)
    if isinstance(actor, str):
        actor = ActorScope.unregistered(actor) if actor else None
    who = [scope for scope in (actor, side) if scope is not None]
    builders = {
        "incidents": lambda: _incidents(incident, status, who, since_at, until_at),
        "disputed": lambda: _incidents(incident, "disputed", who, since_at, until_at, recent=True),
        "claims": lambda: _claims(incident, status, who, since_at, until_at),
        "disputes": lambda: _disputes(incident, who, since_at, until_at),
        "actors": lambda: _actors(who),
        "provenance": lambda: _provenance(incident, who, report),
    }
    if name not in builders:
        raise InvalidFilter(f"unknown report '{name}'")
    sql, parameters = builders[name]()
    table = REPORT_TABLES[name]
    if sort:
        # The report's own order stays last, so that rows equal in the sorted columns keep it.
        head, _, own = sql.rpartition(" ORDER BY ")
        sql = f"{head} ORDER BY {', '.join([*(sort_key(table, c, d) for c, d in sort), own])}"
    return sql, parameters, table


def sort_key(table: str, column: str, descending: bool) -> str:
    """ORDER BY terms for one column, empty values last on both backends (SQLite puts NULL
    first, PostgreSQL last). The column is checked against the table's columns, the only
    names that reach the SQL: a user's --sort is never pasted into it."""
    if column not in READABLE_COLUMNS[table]:
        raise InvalidFilter(f"no column {column!r} in {table}")
    ref = f'{table}."{column}"'
    return f"({ref} IS NULL), {ref}{' DESC' if descending else ''}"


# Where `_select` leaves the select list, which `report_rows` fills in.
COLUMNS = "<columns>"


def _select(table: str) -> str:
    """SELECT the columns `report_rows` asks for FROM `table`."""
    return f"SELECT {COLUMNS} FROM {table}"


def _select_list(table: str, columns: Sequence[str], as_text: Collection[str]) -> str:
    """The columns, qualified (the joins share names); those in `as_text` as 'true'/'false' (NULL
    stays NULL), which reads the same on SQLite's 0/1 as on PostgreSQL's booleans."""
    unknown = [c for c in columns if c not in READABLE_COLUMNS[table]]
    if unknown:
        raise InvalidFilter(f"no column {unknown[0]!r} in {table}")
    return ", ".join(
        boolean_text(f'{table}."{c}"') if c in as_text else f'{table}."{c}"' for c in columns
    )


def boolean_text(column: str) -> str:
    """SQL for a boolean column as 'true'/'false' (NULL stays NULL), on SQLite's 0/1 as on
    PostgreSQL's booleans: what cli.output writes for a boolean in CSV."""
    return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"


def _in(column: str, values: Sequence[Any]) -> str:
    return f"{column} IN ({', '.join('?' * len(values))})"


def _incidents(
    incident: Sequence[str] | None,
    status: str | None,
    who: Sequence[ActorScope],
    since: str | None,
    until: str | None,
    *,
    recent: bool = False,
) -> Query:
    where: list[str] = []
    parameters: list[Any] = []
    if incident:
        where.append(_in("incidents.incident", incident))
        parameters += incident
    if status:
        where.append("incidents.status = ?")
        parameters.append(status)
    for scope in who:
        # Incidents where the actor said, denied, was accused of... anything (by any name).
        where.append(
            f"incidents.incident IN (SELECT timeline.incident FROM timeline "
            f"WHERE timeline.report IN ({_named(scope)}))"
        )
        parameters += scope.keys
    if since or until:
        stated = ["timeline.stated_from IS NOT NULL", "timeline.voided = ?"]
        parameters.append(False)
        _stated_range(since, until, stated, parameters)
        where.append(
            "incidents.incident IN (SELECT timeline.incident FROM timeline "
            f"WHERE {' AND '.join(stated)})"
        )
    order = "incidents.last_position DESC" if recent else "incidents.incident"
    return _finish(_select("incidents"), where, order), parameters


def _claims(
    incident: Sequence[str] | None,
    status: str | None,
    who: Sequence[ActorScope],
    since: str | None,
    until: str | None,
) -> Query:
    where: list[str] = []
    parameters: list[Any] = []
    if incident:
        where.append(_in("claims.incident", incident))
        parameters += incident
    if status:
        where.append("claims.status = ?")
        parameters.append(status)
    for scope in who:
        where.append(f"({_in('claims.actor', scope.ids)} OR claims.report IN ({_named(scope)}))")
        parameters += [*scope.ids, *scope.keys]
    sql = _select("claims") + _stated_between("claims.report", since, until, where, parameters)
    return _finish(sql, where, "claims.position"), parameters


def _disputes(
    incident: Sequence[str] | None,
    who: Sequence[ActorScope],
    since: str | None,
    until: str | None,
) -> Query:
    where: list[str] = []
    parameters: list[Any] = []
    if incident:
        where.append(
            f"({_in('disputes.incident', incident)} OR {_in('disputes.denial_incident', incident)})"
        )
        parameters += [*incident, *incident]
    for scope in who:
        named = _named(scope)
        where.append(f"(disputes.claim IN ({named}) OR disputes.denial IN ({named}))")
        parameters += [*scope.keys, *scope.keys]
    sql = _select("disputes") + _stated_between("disputes.denial", since, until, where, parameters)
    return _finish(sql, where, "disputes.claim, disputes.denial"), parameters


def _stated_between(
    report: str, since: str | None, until: str | None, where: list[str], parameters: list[Any]
) -> str:
    """The join that keeps rows whose report (the `report` column) was stated within
    [since, until]; adds its conditions to `where` (after the ones already there)."""
    if not (since or until):
        return ""
    _stated_range(since, until, where, parameters)
    return f" JOIN timeline ON timeline.report = {report}"


def _stated_range(
    since: str | None, until: str | None, where: list[str], parameters: list[Any]
) -> None:
    """The conditions on `timeline.stated_from` for [since, until], added to `where`."""
    if since:
        where.append("timeline.stated_from >= ?")
        parameters.append(since)
    if until:
        where.append("timeline.stated_from <= ?")
        parameters.append(until)


def _named(scope: ActorScope) -> str:
    """Reports whose current (corrected, not voided) values name one of the scope's actors, by
    any of its names; its parameters are `scope.keys`."""
    return (
        "SELECT report_actors.report FROM report_actors "
        f"WHERE {_in('report_actors.actor', scope.keys)}"
    )


def _actors(who: Sequence[ActorScope]) -> Query:
    where: list[str] = []
    parameters: list[Any] = []
    for scope in who:
        where.append(_in("actors.actor", scope.ids))
        parameters += scope.ids
    return _finish(_select("actors"), where, "actors.actor"), parameters


def _provenance(
    incident: Sequence[str] | None, who: Sequence[ActorScope], report: str | None
) -> Query:
    where: list[str] = []
    parameters: list[Any] = []
    if incident:
        where.append(_in("provenance.incident", incident))
        parameters += incident
    if report:
        where.append("provenance.report = ?")
        parameters.append(report)
    for scope in who:
        where.append(f"provenance.report IN ({_named(scope)})")
        parameters += scope.keys
    return _finish(_select("provenance"), where, "provenance.report, provenance.hop"), parameters


def _finish(sql: str, where: list[str], order: str) -> str:
    if where:
        sql += " WHERE " + " AND ".join(where)
    return f"{sql} ORDER BY {order}"
