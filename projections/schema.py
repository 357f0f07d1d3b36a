"""The projection tables: plain SQL tables any SQL tool can read. Documented in docs/views.md.

Built from their one declaration, ledger/view_columns.py, for Alembic (migrations/env.py
compares the migrations against `metadata`) and for code that reads them with SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeEngine

from ledger.view_columns import VIEWS, View
from projections.columns import NOT_REBUILT

metadata = MetaData()
# The views' columns, as SQLAlchemy tables of their own metadata (not Alembic's: they are not
# tables), for code and tests that read them like the tables.
view_metadata = MetaData()

_TYPES: dict[str, TypeEngine[Any] | type[TypeEngine[Any]]] = {
    "text": Text,
    "integer": Integer,
    "position": BigInteger().with_variant(Integer(), "sqlite"),
    "float": Float,
    "boolean": Boolean,
}


def _table(view: View) -> Table:
    columns = [
        Column(
            c.name,
            _TYPES[c.kind],
            primary_key=c.key,
            nullable=not c.required,
            unique=c.unique or None,
            # A log position is the log's, never one the database makes up.
            autoincrement=False if c.key and c.kind == "position" else "auto",
        )
        for c in view.columns
    ]
    indexes = [Index(name, *names) for name, *names in view.indexes]
    target = view_metadata if view.sql_view else metadata
    return Table(view.name, target, *columns, *indexes, comment=view.comment)


TABLES: dict[str, Table] = {view.name: _table(view) for view in VIEWS}
incidents = TABLES["incidents"]
claims = TABLES["claims"]
disputes = TABLES["disputes"]
actors = TABLES["actors"]
provenance_chains = TABLES["provenance_chains"]
links = TABLES["links"]
evidence = TABLES["evidence"]
timeline = TABLES["timeline"]
report_refs = TABLES["report_refs"]
actor_tallies = TABLES["actor_tallies"]
projection_tracking = TABLES["projection_tracking"]
provenance = TABLES["provenance"]
report_actors = TABLES["report_actors"]

# For `ledger changes` (revision 0004): the few corrected reports, whose stated time as said
# (what a cut reads) may not be the one shown. A partial index, which the declaration's plain
# indexes do not express.
Index(
    "timeline_corrected_idx",
    TABLES["timeline"].c.position,
    sqlite_where=text("corrected"),
    postgresql_where=text("corrected"),
)

# The tables a rebuild empties and refills.
VIEW_TABLES = tuple(TABLES[v.name] for v in VIEWS if not v.sql_view and v.name not in NOT_REBUILT)

# SQL views over the tables above, for readers: one row per hop of a source chain, and one row
# per (actor, report naming it). Kept as views so that a rebuild writes one row per report and
# per incident and actor, not one per hop and per name. Created by the migrations, per dialect.
SQL_VIEWS: dict[str, dict[str, str]] = {
    "provenance": {
        "sqlite": (
            "SELECT c.report AS report, h.key AS hop, c.incident AS incident, "
            "json_extract(h.value, '$[0]') AS agent, json_extract(h.value, '$[1]') AS role, "
            "json_extract(h.value, '$[2]') AS kind, json_extract(h.value, '$[3]') AS url, "
            "json_extract(h.value, '$[4]') AS published_at, "
            "json_extract(h.value, '$[5]') AS quote_mode "
            "FROM provenance_chains AS c, json_each(c.chain) AS h"
        ),
        "postgresql": (
            "SELECT c.report AS report, (h.ordinality - 1)::integer AS hop, "
            "c.incident AS incident, h.value ->> 0 AS agent, h.value ->> 1 AS role, "
            "h.value ->> 2 AS kind, h.value ->> 3 AS url, h.value ->> 4 AS published_at, "
            "h.value ->> 5 AS quote_mode "
            "FROM provenance_chains AS c "
            "CROSS JOIN LATERAL jsonb_array_elements(c.chain::jsonb) WITH ORDINALITY "
            "AS h(value, ordinality)"
        ),
    },
    "report_actors": {
        "sqlite": (
            "SELECT t.actor AS actor, r.value AS report, t.incident AS incident "
            "FROM actor_tallies AS t, json_each(t.reports) AS r"
        ),
        "postgresql": (
            "SELECT t.actor AS actor, r.value AS report, t.incident AS incident "
            "FROM actor_tallies AS t "
            "CROSS JOIN LATERAL jsonb_array_elements_text(t.reports::jsonb) AS r(value)"
        ),
    },
}
