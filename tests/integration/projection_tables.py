"""Shared by the projection tests (test_projections_*.py, test_rebuild.py, test_changes.py,
test_search.py, test_registry_projection.py): reading the SQL tables and folding the log's
records into the same shape, scratch PostgreSQL databases, and the extra reports on top of the
worked example.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Boolean, Table, create_engine, select

from ledger.application import IncidentLedger
from ledger.fold import fold
from ledger.records import to_record
from ledger.store.config import resolve
from projections import schema
from tests.conftest import PG_ADMIN_URL, lines_of

Row = dict[str, Any]
Tables = dict[str, list[Row]]
CliInvoke = Callable[..., Any]

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
EXAMPLE_INCIDENTS = (AIRSTRIKE, SHELLING)

# The tables a reader queries, and the bookkeeping tables that keep them current.
PROJECTION_TABLES = ("incidents", "claims", "disputes", "actors", "provenance", "links", "timeline")
# What `fold` derives: the reader's tables (`provenance` is a view) plus the stored tables
# behind them: each incident's contribution to `actors`, and each report's source chain.
FOLDED_TABLES = (*PROJECTION_TABLES, "actor_tallies", "provenance_chains")
INTERNAL_TABLES = ("report_refs", "actor_tallies", "provenance_chains", "projection_tracking")
ALL_TABLES = (*PROJECTION_TABLES, *INTERNAL_TABLES)
# Columns that hold the ledger's own clock: they differ between two databases built apart.
CLOCK_COLUMNS = frozenset({"recorded_at", "last_recorded_at", "data"})


# ---------------------------------------------------------------------------------------------
# Reading tables and folding records into the same shape


def _relation(name: str) -> Table:
    """A projection table, or one of the SQL views over them, as SQLAlchemy sees its columns."""
    if name in schema.metadata.tables:
        return schema.metadata.tables[name]
    return schema.view_metadata.tables[name]


def _normalise(table: str, row: Row) -> Row:
    """SQL booleans as bool (SQLite may say 0/1), floats rounded, every key kept."""
    columns = _relation(table).columns
    out: Row = {}
    for key, value in row.items():
        if value is not None and key in columns and isinstance(columns[key].type, Boolean):
            value = bool(value)
        elif isinstance(value, float):
            value = round(value, 9)
        out[key] = value
    return out


def _ordered(table: str, rows: Sequence[Row]) -> list[Row]:
    """Rows normalised and sorted by the table's primary key (collation-independent)."""
    key = [c.name for c in _relation(table).primary_key.columns]
    return sorted((_normalise(table, r) for r in rows), key=lambda r: tuple(r[k] for k in key))


def read_tables(url: str, names: Sequence[str] = PROJECTION_TABLES) -> Tables:
    """Every row of the named tables, straight from the database."""
    engine = create_engine(resolve(url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return {
                name: _ordered(
                    name,
                    [dict(r._mapping) for r in connection.execute(select(_relation(name)))],
                )
                for name in names
            }
    finally:
        engine.dispose()


def fold_tables(records: Sequence[Row]) -> Tables:
    """The reference: the pure fold of the records, in the same shape as `read_tables`."""
    views = fold(records)
    return {name: _ordered(name, views[name]) for name in FOLDED_TABLES}


def without(tables: Tables, columns: frozenset[str]) -> Tables:
    return {
        name: [{k: v for k, v in row.items() if k not in columns} for row in rows]
        for name, rows in tables.items()
    }


def views_of(url: str) -> Tables:
    """The folded tables as stored, minus the stored JSON of each report."""
    return without(read_tables(url, FOLDED_TABLES), frozenset({"data"}))


def records_of(
    app: IncidentLedger, incidents: Sequence[str], *, up_to: int | None = None
) -> list[Row]:
    """Every record of the incidents, and every actor record (the registry the views resolve
    names through), replayed from the log, in log order."""
    records = [
        to_record(position, event)
        for slug in incidents
        for position, event in app.positioned_events(slug)
    ]
    records += app.actor_records()
    if up_to is not None:
        records = [r for r in records if r["position"] <= up_to]
    return sorted(records, key=lambda r: r["position"])


@contextmanager
def opened(url: str) -> Iterator[IncidentLedger]:
    app = IncidentLedger(resolve(url), lock_timeout=10)
    try:
        yield app
    finally:
        app.close()


def append(app: IncidentLedger, *reports: Row) -> None:
    app.append(lines_of(*reports), recorded_by="tester")  # type: ignore[arg-type]


def _pg_admin() -> Any:
    import psycopg

    admin = resolve(PG_ADMIN_URL)
    return psycopg.connect(
        host=admin.host,
        port=admin.port,
        user=admin.user,
        dbname=admin.dbname,
        password=admin.password or None,
        autocommit=True,
        connect_timeout=3,
    )


@contextmanager
def pg_databases(template: str, count: int) -> Iterator[list[str]]:
    """Fresh migrated PostgreSQL databases, cloned from the session's template."""
    names = [f"ledger_prop_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    base = PG_ADMIN_URL.rpartition("/")[0]
    with _pg_admin() as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with _pg_admin() as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------
# Extra reports on top of the worked example: cross-incident references, a retracted denial,
# a voided denial, a correction with changes, a verdict, an independent corroboration.

MORE_REPORTS: tuple[Row, ...] = (
    {"type": "incident", "incident": "raqqa-2017-09", "title": "Fighting near Raqqa"},
    {
        "type": "denial",
        "incident": AIRSTRIKE,
        "report": "us-denies-warning-premise",
        "by": "US Central Command",
        "refers_to": ["mod-retaliation-warning"],
        "summary": "No US forces fired from the eastern bank.",
        "stated_at": "2017-09-22",
    },
    {
        "type": "corroboration",
        "incident": "raqqa-2017-09",
        "report": "monitor-saw-special-forces",
        "by": "Syrian Observatory",
        "refers_to": ["mod-special-forces-deployed"],
        "independent": True,
        "summary": "Observers saw Russian special forces.",
    },
    {
        "type": "retraction",
        "incident": "raqqa-2017-09",
        "report": "sdf-takes-back-denial",
        "by": "syrian democratic forces",
        "refers_to": ["sdf-shelling-denial"],
    },
    {
        "type": "correction",
        "incident": "raqqa-2017-09",
        "report": "void-airstrike-denial",
        "refers_to": ["mod-airstrike-denial"],
        "void": True,
        "reason": "Entered in error.",
    },
    {
        "type": "correction",
        "incident": SHELLING,
        "report": "fix-shelling-date",
        "refers_to": ["mod-shelling"],
        "changes": {"stated_at": "2017-09-20", "summary": "Fixed."},
        "reason": "EIR says yesterday.",
    },
    {
        "type": "verdict",
        "incident": AIRSTRIKE,
        "report": "airstrike-unverifiable",
        "refers_to": ["sdf-airstrike-claim"],
        "status": "unverifiable",
        "reason": "No access.",
    },
    {
        "type": "claim",
        "incident": "raqqa-2017-09",
        "report": "sdf-raqqa-claim",
        "by": "Syrian Democratic Forces",
        "against": ["Ministère de la Défense"],
        "summary": "Shells fell on Raqqa.",
        "stated_at": "2017-09-23",
    },
    {
        "type": "denial",
        "incident": SHELLING,
        "report": "mod-denies-raqqa",
        "by": "Russian Ministry of Defence",
        "refers_to": ["sdf-raqqa-claim"],
        "summary": "Nothing of the sort.",
    },
    {
        "type": "link",
        "incident": "raqqa-2017-09",
        "report": "raqqa-follows-shelling",
        "other": SHELLING,
        "relation": "follows",
    },
    {
        "type": "correction",
        "incident": AIRSTRIKE,
        "report": "rename-denier",
        "refers_to": ["mod-denies-raqqa"],
        "changes": {"by": "Ministere de la Defense"},
        "reason": "Name as the ministry signs.",
    },
)
ALL_INCIDENTS = (*EXAMPLE_INCIDENTS, "raqqa-2017-09")


def fold_of_log(url: str, incidents: Sequence[str]) -> Tables:
    """The reference views of everything in the database's log."""
    with opened(url) as app:
        return fold_tables(records_of(app, incidents))
